// The load generator: the same HTTP client and loops drive Herald's ingest and the bare ingest
// loop (ceilings.ts), so their figures differ only by what answers. Every loop is bounded in
// count and time.
import { Pool } from 'undici';
import { sleep } from './harness';

/** ≈1 KiB events. */
export const PAYLOAD = { filler: 'x'.repeat(1000 - 40) };

/** An ingest API (Herald's or the bare loop's) spoken to like a producer: 64 keep-alive connections. */
export class IngestClient {
  private readonly pool: Pool;

  constructor(
    origin: string,
    private readonly token: string,
  ) {
    this.pool = new Pool(origin, { connections: 64 });
  }

  /** Publishes one event; returns when it was answered 202 (retried on anything else, at most 50 times). */
  async publish(appId: string, id: string, eventType: string): Promise<void> {
    await this.post(`/v1/apps/${appId}/events`, { id, eventType, payload: PAYLOAD }, id);
  }

  /** Publishes the events `ids` in one request to the batch endpoint. */
  async publishBatch(appId: string, ids: string[], eventType: string): Promise<void> {
    const events = ids.map((id) => ({ id, eventType, payload: PAYLOAD }));
    await this.post(`/v1/apps/${appId}/events/batch`, { events }, `batch from ${ids[0]}`);
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async post(path: string, body: unknown, what: string): Promise<void> {
    const json = JSON.stringify(body);
    for (let tries = 0; tries < 50; tries += 1) {
      const response = await this.pool.request({
        method: 'POST',
        path,
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: json,
      });
      await response.body.dump();
      if (response.statusCode === 202) return;
      await sleep(50);
    }
    throw new Error(`${what} not accepted`);
  }
}

export interface ClosedLoopOptions {
  count: number;
  eventType: string;
  prefix: string;
  concurrency?: number;
  /** Events per request: 1 uses the single-event endpoint, more the batch endpoint. */
  batch?: number;
  /** Stops sending after this long; what was sent is what counts. */
  maxSeconds?: number;
}

/** Sends `count` events with `concurrency` requests in flight; returns each id's send time. */
export async function closedLoop(client: IngestClient, appId: string, options: ClosedLoopOptions): Promise<Map<string, number>> {
  const { count, eventType, prefix, concurrency = 64, batch = 1, maxSeconds = 300 } = options;
  const sent = new Map<string, number>();
  const deadline = performance.now() + maxSeconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && performance.now() < deadline) {
        const ids = Array.from({ length: Math.min(batch, count - next) }, () => `${prefix}-${next++}`);
        const now = performance.now();
        for (const id of ids) sent.set(id, now);
        if (batch === 1) await client.publish(appId, ids[0], eventType);
        else await client.publishBatch(appId, ids, eventType);
      }
    }),
  );
  return sent;
}

/** Sends `rate` events/s for `seconds` whatever the answers (every 10 ms, what is due); returns send times and 202 latencies. */
export async function openLoop(
  client: IngestClient,
  appId: string,
  options: { rate: number; seconds: number; eventType: string; prefix: string },
): Promise<{ sent: Map<string, number>; acceptedMs: number[] }> {
  const sent = new Map<string, number>();
  const acceptedMs: number[] = [];
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  let i = 0;
  while (performance.now() - started < options.seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * options.rate);
    while (i < due) {
      const id = `${options.prefix}-${i++}`;
      const at = performance.now();
      sent.set(id, at);
      inFlight.push(client.publish(appId, id, options.eventType).then(() => void acceptedMs.push(performance.now() - at)));
    }
    await sleep(10);
  }
  await Promise.all(inFlight);
  return { sent, acceptedMs };
}

/** Polls until `expected` distinct deliveries arrived or `timeoutMs` passed. */
export async function waitForArrivals(receiver: { arrivals: Map<string, number> }, expected: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (receiver.arrivals.size < expected && Date.now() < deadline) await sleep(100);
}

/** From each event's send to its arrival, for the arrivals of events in `sent`. */
export function latencies(sent: Map<string, number>, arrivals: Map<string, number>): number[] {
  const values: number[] = [];
  for (const [key, arrivedAt] of arrivals) {
    const sentAt = sent.get(key.split('|')[0]);
    if (sentAt !== undefined) values.push(arrivedAt - sentAt);
  }
  return values;
}
