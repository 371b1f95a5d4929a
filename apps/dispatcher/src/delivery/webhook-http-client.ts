import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { isIP } from 'node:net';
import { guardedLookup, isBlockedAddress } from './address-guard';
import { DeliveryError } from '@herald/contracts';
import { Agent, errors as undiciErrors } from 'undici';

const RESPONSE_BODY_LIMIT = 4096;
/** Parsed endpoint URLs kept; past that the cache starts over. */
const TARGETS_CACHED = 10_000;

interface Target {
  origin: string;
  path: string;
  /** An IP literal the address guard refuses. */
  blocked: boolean;
}

/** What one POST to an endpoint produced. */
export interface HttpAttemptResult {
  ok: boolean;
  status: number | null;
  /** The first 4 KiB of the response body (NUL characters removed, as PostgreSQL text refuses them). */
  body: string | null;
  error: DeliveryError | null;
  /** The response's Retry-After header, for the retry scheduler. */
  retryAfter: string | null;
  durationMs: number;
}

/**
 * Sends webhook requests with keep-alive connections per origin; redirects are never followed.
 * Unless HERALD_ALLOW_PRIVATE_NETWORKS=true, connections to loopback, private, link-local and
 * reserved addresses are refused at connect time (error class `blocked_address`).
 */
@Injectable()
export class WebhookHttpClient implements OnApplicationShutdown {
  private readonly agent: Agent;
  private readonly guarded: boolean;
  private readonly targets = new Map<string, Target>();

  constructor(@Inject(HERALD_CONFIG) config: HeraldConfig) {
    this.guarded = !config.allowPrivateNetworks;
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      connections: 128,
      connect: { timeout: 10_000, ...(this.guarded ? { lookup: guardedLookup } : {}) },
    });
  }

  async post(url: string, headers: Record<string, string>, body: Buffer, timeoutMs: number): Promise<HttpAttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const target = this.target(url);
    if (target.blocked) {
      return { ok: false, status: null, body: null, error: DeliveryError.blockedAddress, retryAfter: null, durationMs: 0 };
    }
    try {
      const response = await this.agent.request({
        origin: target.origin,
        path: target.path,
        method: 'POST',
        headers,
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await readPrefix(response.body);
      const status = response.statusCode;
      const retryAfter = response.headers['retry-after'];
      return {
        ok: status >= 200 && status < 300,
        status,
        body: text,
        error: status >= 200 && status < 300 ? null : status >= 300 && status < 400 ? DeliveryError.redirect : DeliveryError.httpStatus,
        retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
        durationMs: elapsed(),
      };
    } catch (error) {
      return { ok: false, status: null, body: null, error: classifyError(error), retryAfter: null, durationMs: elapsed() };
    }
  }

  /** An endpoint URL's parts, parsed once per URL (endpoints are few, requests many). */
  private target(url: string): Target {
    let target = this.targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      // An IP literal never goes through lookup, so it is checked here.
      const host = parsed.hostname.replace(/^\[|\]$/g, '');
      target = {
        origin: parsed.origin,
        path: `${parsed.pathname}${parsed.search}`,
        blocked: this.guarded && isIP(host) !== 0 && isBlockedAddress(host),
      };
      if (this.targets.size >= TARGETS_CACHED) this.targets.clear();
      this.targets.set(url, target);
    }
    return target;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }
}

async function readPrefix(body: AsyncIterable<Buffer> & { destroy?: () => void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= RESPONSE_BODY_LIMIT) break; // leaving the loop destroys the rest of the stream
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString('utf8').replaceAll('\u0000', '');
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_OSSL_)/;

/** The error class of a request that got no HTTP response (API.md error classes). */
export function classifyError(error: unknown): DeliveryError {
  const seen = new Set<unknown>();
  for (let current: unknown = error; current && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    const { code, name } = current as { code?: string; name?: string };
    if (current instanceof undiciErrors.HeadersTimeoutError || current instanceof undiciErrors.BodyTimeoutError)
      return DeliveryError.timeout;
    if (current instanceof undiciErrors.ConnectTimeoutError || name === 'TimeoutError' || name === 'AbortError')
      return DeliveryError.timeout;
    if (code === 'EBLOCKEDADDRESS') return DeliveryError.blockedAddress;
    if (code === 'ECONNREFUSED') return DeliveryError.connectionRefused;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') return DeliveryError.dns;
    if (code && TLS_CODES.test(code)) return DeliveryError.tls;
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'ECONNABORTED')
      return DeliveryError.connectionReset;
    if (code === 'ETIMEDOUT') return DeliveryError.timeout;
  }
  return DeliveryError.connectionReset;
}
