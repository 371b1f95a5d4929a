// The WebSocket clients of the gateway scenario (bench/gateway.ts), in their own process so that
// reading a million frames a second does not share an event loop with the publisher. Started
// with its options as argv[2]; answers each IPC request of the parent with one reply of the
// same type. Every client counts every event it receives in a bitmap (so a loss or a duplicate
// is seen per client); receive times are kept for every `stride`-th event only, to stay bounded.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export interface ClientsOptions {
  url: string;
  clients: number;
  /** The most events the publisher may send; event n has the id `${idPrefix}${n}`. */
  events: number;
  idPrefix: string;
  /** Receive times are kept for events 0, stride, 2·stride, … at every client. */
  stride: number;
}

export type ClientsRequest = { type: 'connect' } | { type: 'progress'; published: number } | { type: 'report'; sentAt: number[] };

type Percentiles = { p50: number; p95: number; p99: number };

export interface ClientsReplies {
  connect: { open: number; failed: number; firstError: string | null };
  progress: { delivered: number; open: number; behind: number };
  report: {
    delivered: number;
    duplicates: number;
    open: number;
    /** Events the clients that stayed open had not received when the report was asked for. */
    lost: number;
    /** Close codes of the clients that were closed, with how many. */
    closed: Record<string, number>;
    lastArrival: number;
    /** From the publisher's send to the client's receive. */
    latencyMs: Percentiles | null;
    /** From the event's `timestamp` (stamped by ingest before it publishes to JetStream, ms resolution) to the client's receive. */
    sinceIngestMs: Percentiles | null;
    samples: number;
  };
}

export type ClientsReply = { [K in keyof ClientsReplies]: { type: K; reply: ClientsReplies[K] } }[keyof ClientsReplies];

const options = JSON.parse(process.argv[2] ?? '{}') as ClientsOptions;

/** Wall-clock time in ms with sub-ms resolution; the parent stamps sends with the same formula. */
const wallClock = () => performance.timeOrigin + performance.now();

class FeedClient {
  readonly seen: Uint8Array;
  received = 0;
  duplicates = 0;
  closeCode: number | null = null;

  constructor(
    readonly index: number,
    readonly socket: WebSocket,
  ) {
    this.seen = new Uint8Array(Math.ceil(options.events / 8));
  }
}

const marker = Buffer.from(`"eventId":"${options.idPrefix}`);
const timestampMarker = Buffer.from('"timestamp":"');
const arrivals = new Float64Array(Math.ceil(options.events / options.stride) * options.clients).fill(NaN);
const sinceIngest = new Float64Array(arrivals.length).fill(NaN);
const clients: FeedClient[] = [];
let lastArrival = 0;

/** Records one feed frame: finds the event number after `"eventId":"<prefix>` without parsing the JSON. */
function receive(client: FeedClient, data: Buffer): void {
  const now = wallClock();
  const at = data.indexOf(marker);
  if (at === -1) return;
  let n = 0;
  for (let i = at + marker.length; i < data.length && data[i] >= 0x30 && data[i] <= 0x39; i += 1) n = n * 10 + data[i] - 0x30;
  if (n >= options.events) return;
  const bit = 1 << (n & 7);
  if (client.seen[n >> 3] & bit) {
    client.duplicates += 1;
    return;
  }
  client.seen[n >> 3] |= bit;
  client.received += 1;
  lastArrival = now;
  if (n % options.stride !== 0) return;
  const sample = (n / options.stride) * options.clients + client.index;
  arrivals[sample] = now;
  const stamp = data.indexOf(timestampMarker, at) + timestampMarker.length;
  sinceIngest[sample] = now - Date.parse(data.toString('latin1', stamp, stamp + 24));
}

/** Opens one client and subscribes it to `bench.*`; resolves once the gateway answered `subscribed`. */
function connect(index: number): Promise<FeedClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(options.url, { perMessageDeflate: false, skipUTF8Validation: true });
    const client = new FeedClient(index, socket);
    let subscribed = false;
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error('no "subscribed" within 10 s'));
    }, 10_000);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', (code) => {
      client.closeCode = code;
    });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'subscribe', eventTypes: ['bench.*'] })));
    socket.on('message', (data: Buffer) => {
      if (subscribed) return receive(client, data);
      if ((JSON.parse(data.toString('utf8')) as { type: string }).type !== 'subscribed') return;
      subscribed = true;
      clearTimeout(timer);
      resolve(client);
    });
  });
}

async function connectAll(): Promise<ClientsReplies['connect']> {
  let next = 0;
  let failed = 0;
  let firstError: string | null = null;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < options.clients) {
        const index = next++;
        try {
          clients.push(await connect(index));
        } catch (error) {
          failed += 1;
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  return { open: clients.length, failed, firstError };
}

const isOpen = (client: FeedClient) => client.closeCode === null;

function progress(published: number): ClientsReplies['progress'] {
  const open = clients.filter(isOpen);
  return {
    delivered: clients.reduce((sum, client) => sum + client.received, 0),
    open: open.length,
    behind: open.filter((client) => client.received < published).length,
  };
}

/** As bench/harness.ts's percentiles, for a typed array (sorted in place). */
function percentiles(values: Float64Array): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = values.sort();
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

function report(sentAt: number[]): ClientsReplies['report'] {
  const values = new Float64Array(arrivals.length);
  let samples = 0;
  for (let k = 0; k * options.stride < sentAt.length; k += 1) {
    const sent = sentAt[k * options.stride];
    for (let c = 0; c < options.clients; c += 1) {
      const arrived = arrivals[k * options.clients + c];
      if (!Number.isNaN(arrived)) values[samples++] = arrived - sent;
    }
  }
  const closed: Record<string, number> = {};
  for (const client of clients) if (!isOpen(client)) closed[String(client.closeCode)] = (closed[String(client.closeCode)] ?? 0) + 1;
  const open = clients.filter(isOpen);
  return {
    delivered: clients.reduce((sum, client) => sum + client.received, 0),
    duplicates: clients.reduce((sum, client) => sum + client.duplicates, 0),
    open: open.length,
    lost: open.reduce((sum, client) => sum + sentAt.length - client.received, 0),
    closed,
    lastArrival,
    latencyMs: percentiles(values.subarray(0, samples)),
    sinceIngestMs: percentiles(sinceIngest.filter((value) => !Number.isNaN(value))),
    samples,
  };
}

function reply(message: ClientsReply): void {
  process.send?.(message);
}

process.on('message', (request: ClientsRequest) => {
  switch (request.type) {
    case 'connect':
      void connectAll().then((result) => reply({ type: 'connect', reply: result }));
      break;
    case 'progress':
      reply({ type: 'progress', reply: progress(request.published) });
      break;
    case 'report':
      reply({ type: 'report', reply: report(request.sentAt) });
      for (const client of clients) client.socket.terminate();
      break;
  }
});
// The parent went away (it failed or was stopped): do not linger with a thousand sockets open.
process.on('disconnect', () => process.exit(0));
