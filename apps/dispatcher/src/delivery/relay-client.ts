import { Injectable } from '@nestjs/common';
import { DeliveryError, RelayRequest, RelayResponse } from '@herald/contracts';
import { NatsRequestError, NatsService } from '@herald/messaging';
import type { HttpAttemptResult } from './webhook-http-client';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** The gateway and the CLI's own round trip, on top of the endpoint's timeout for the local POST. */
const RELAY_MARGIN_MS = 2000;
const KNOWN_ERRORS = new Set<string>(Object.values(DeliveryError));

/**
 * Sends a relay endpoint's signed request to the `herald listen` connected for it: a core NATS
 * request on `herald.relay.{endpointId}` that a realtime gateway holding that CLI's socket
 * answers with what the CLI's local server replied. Nobody connected: `relay_offline`, and the
 * endpoint's retry schedule applies as to any failed attempt.
 */
@Injectable()
export class RelayClient {
  constructor(private readonly nats: NatsService) {}

  /** `carries`: the (first) event of the request and how many deliveries it holds (a batch's). */
  async post(
    endpointId: string,
    headers: Record<string, string>,
    body: Buffer,
    timeoutMs: number,
    carries: { eventId: string; eventType: string; deliveries: number },
  ): Promise<HttpAttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const request: RelayRequest = { endpointId, ...carries, headers, body: body.toString('base64'), timeoutMs };
    let answer: RelayResponse;
    try {
      const reply = await this.nats.request(
        this.nats.names.relay(endpointId),
        encoder.encode(JSON.stringify(request)),
        timeoutMs + RELAY_MARGIN_MS,
      );
      answer = JSON.parse(decoder.decode(reply)) as RelayResponse;
    } catch (error) {
      if (!(error instanceof NatsRequestError)) throw error;
      const failure = error.code === 'no_responders' ? DeliveryError.relayOffline : DeliveryError.timeout;
      return { ok: false, status: null, body: null, error: failure, retryAfter: null, durationMs: elapsed() };
    }
    return relayResult(answer, elapsed());
  }
}

/** The attempt result of a CLI's answer (its local server's status, or why it got none). */
export function relayResult(answer: RelayResponse, durationMs: number): HttpAttemptResult {
  const status = typeof answer.status === 'number' && Number.isInteger(answer.status) ? answer.status : null;
  const ok = status !== null && status >= 200 && status < 300;
  let error: DeliveryError | null = null;
  if (status === null) error = KNOWN_ERRORS.has(answer.error ?? '') ? (answer.error as DeliveryError) : DeliveryError.connectionRefused;
  else if (!ok) error = status >= 300 && status < 400 ? DeliveryError.redirect : DeliveryError.httpStatus;
  return {
    ok,
    status,
    body: typeof answer.body === 'string' ? answer.body.slice(0, 4096).replaceAll('\u0000', '') : null,
    error,
    retryAfter: typeof answer.retryAfter === 'string' ? answer.retryAfter : null,
    durationMs,
  };
}
