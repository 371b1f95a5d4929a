import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { ProblemException } from '@herald/platform';

const MAX_APPS = 100_000;

/**
 * A token bucket per app: HERALD_INGEST_RATE_LIMIT events per second, bursts of twice that.
 * Per ingest replica (each replica holds its own buckets).
 */
@Injectable()
export class IngestRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly rate: number;
  private readonly burst: number;

  constructor(@Inject(HERALD_CONFIG) config: HeraldConfig) {
    this.rate = config.ingestRateLimit;
    this.burst = config.ingestRateLimit * 2;
  }

  /** Takes `count` events from the app's bucket, or throws 429 with the seconds to wait (Retry-After). */
  enforce(appId: string, count: number): void {
    const wait = this.take(appId, count);
    if (wait === 0) return;
    throw new ProblemException(
      HttpStatus.TOO_MANY_REQUESTS,
      'rate-limited',
      `this app may publish at most its rate limit of events per second; retry in ${wait} s`,
      undefined,
      { 'Retry-After': String(wait) },
    );
  }

  /** Takes `count` events from the app's bucket: 0 if allowed, else the seconds to wait. */
  take(appId: string, count = 1): number {
    if (this.rate === 0) return 0;
    const now = Date.now();
    let bucket = this.buckets.get(appId);
    if (!bucket) {
      if (this.buckets.size >= MAX_APPS) this.buckets.clear();
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(appId, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
    bucket.at = now;
    // A batch larger than the burst passes when the bucket is full, leaving it in debt; else
    // such a batch could never pass however long its sender waited.
    if (bucket.tokens >= Math.min(count, this.burst)) {
      bucket.tokens -= count;
      return 0;
    }
    return Math.max(1, Math.ceil((Math.min(count, this.burst) - bucket.tokens) / this.rate));
  }
}
