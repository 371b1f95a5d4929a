import { HeraldConfig } from '@herald/config';
import { IngestRateLimiter } from './ingest-rate-limiter';

describe('IngestRateLimiter', () => {
  const limiter = (rate: number) => new IngestRateLimiter({ ingestRateLimit: rate } as HeraldConfig);

  it('lets a burst of twice the rate through, then asks to wait, per app', () => {
    const limits = limiter(100);
    expect(limits.take('app_a', 200)).toBe(0);
    expect(limits.take('app_a', 1)).toBe(1);
    expect(limits.take('app_b', 1)).toBe(0);
  });

  it('lets a batch larger than the burst through once the bucket is full, leaving it in debt', () => {
    const limits = limiter(100);
    expect(limits.take('app_a', 500)).toBe(0);
    expect(limits.take('app_a', 1)).toBeGreaterThanOrEqual(1);
    // The debt of 300 is repaid, then the bucket fills again: (300 + 200) / 100 s, not forever.
    expect(limits.take('app_a', 500)).toBe(5);
  });

  it('does nothing when the limit is 0', () => {
    expect(limiter(0).take('app_a', 1_000_000)).toBe(0);
  });
});
