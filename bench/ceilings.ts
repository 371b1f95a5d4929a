// The ceilings every figure is divided by, measured in the same run, by the same receiver and
// load generator as the scenarios: the bare delivery loop (ceiling-delivery.ts), the bare ingest
// loop (ceiling-ingest.ts) and a bare WebSocket broadcaster (gateway.ts, ceiling-gateway.ts).
// Each uses its own stream (random name) and database, removed at the end even on failure.
import { connectNats } from '@herald/messaging';
import { dropDatabase, ensureDatabase } from '@herald/persistence';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, JetStreamClient, JetStreamManager, StorageType } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DeliveryLoopMessage, DeliveryLoopOptions } from './ceiling-delivery';
import type { IngestLoopMessage, IngestLoopOptions } from './ceiling-ingest';
import { BenchChild } from './child';
import { CpuMeter, cpuNote, Result } from './harness';
import { closedLoop, IngestClient, PAYLOAD } from './load';
import { BenchReceiver } from './receiver';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/herald';
const SECOND_NS = 1_000_000_000;

/** A stream of its own (random name and subjects) on the shared NATS; `remove()` deletes it. */
class PrivateStream {
  private readonly tag = randomBytes(4).toString('hex');
  readonly name = `BENCH_CEILING_${this.tag.toUpperCase()}`;
  readonly subjectPrefix = `benchceiling${this.tag}`;
  private constructor(
    readonly nc: NatsConnection,
    readonly jsm: JetStreamManager,
  ) {}

  static async create(): Promise<PrivateStream> {
    const nc = await connectNats(NATS_URL, 'herald-bench-ceiling');
    const stream = new PrivateStream(nc, await jetstreamManager(nc));
    // As HERALD_EVENTS: file storage, one replica, a de-duplication window.
    await stream.jsm.streams.add({
      name: stream.name,
      subjects: [`${stream.subjectPrefix}.>`],
      storage: StorageType.File,
      num_replicas: 1,
      duplicate_window: 10 * 60 * SECOND_NS,
    });
    return stream;
  }

  get js(): JetStreamClient {
    return jetstream(this.nc);
  }

  async remove(): Promise<void> {
    await this.jsm.streams.delete(this.name).catch(() => undefined);
    await this.nc.close();
  }
}

/** A database of its own on the shared PostgreSQL; `remove()` drops it. */
async function privateDatabase(): Promise<{ url: string; remove: () => Promise<void> }> {
  const url = new URL(DATABASE_URL);
  url.pathname = `/herald_bench_ceiling_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(url.toString());
  return { url: url.toString(), remove: () => dropDatabase(url.toString()) };
}

/** Appends `count` events of ≈1 KiB in the shape ingest stores, 256 publishes in flight. */
async function prefill(js: JetStreamClient, subject: string, count: number): Promise<void> {
  const createdAt = new Date().toISOString();
  let next = 0;
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      while (next < count) {
        const id = `ceiling-${next++}`;
        const event = {
          id,
          appId: 'app_ceiling',
          eventType: 'bench.ceiling',
          channels: null,
          occurredAt: createdAt,
          createdAt,
          payload: PAYLOAD,
        };
        await js.publish(subject, JSON.stringify(event), { msgID: id });
      }
    }),
  );
}

/** The bare delivery loop: `count` messages consumed, signed, POSTed to a BenchReceiver, recorded and acked. */
export async function deliveryCeiling(count: number): Promise<Result> {
  const stream = await PrivateStream.create();
  const database = await privateDatabase().catch(async (error: unknown) => {
    await stream.remove();
    throw error;
  });
  const receiver = await new BenchReceiver('ok').start();
  let child: BenchChild<DeliveryLoopMessage> | undefined;
  try {
    await prefill(stream.js, `${stream.subjectPrefix}.events`, count);
    await stream.jsm.consumers.add(stream.name, {
      durable_name: 'ceiling',
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30 * SECOND_NS,
      max_ack_pending: 10_000,
    });
    await createAttemptsTable(database.url);
    const options: DeliveryLoopOptions = {
      natsUrl: NATS_URL,
      stream: stream.name,
      consumer: 'ceiling',
      databaseUrl: database.url,
      table: 'attempts',
      receiverUrl: receiver.url('ceiling'),
      count,
      inFlight: 64,
      timeoutMs: 120_000,
    };
    child = new BenchChild<DeliveryLoopMessage>('ceiling-delivery', options);
    const meter = new CpuMeter({ loop: child.pid }, new URL(database.url).pathname.slice(1));
    const done = await Promise.race([
      child.next('done', 150_000),
      child.next('failed', 150_000).then((m) => Promise.reject(new Error(m.error))),
    ]);
    const cpu = meter.perUnit(done.acked);
    return {
      scenario: 'ceiling: delivery loop',
      value: Math.round(done.acked / done.seconds),
      unit: 'deliveries/s',
      events: count,
      deliveries: receiver.arrivals.size,
      seconds: round1(done.seconds),
      notes: `bare consume → HMAC → undici POST (64 in flight) → batched INSERT → ack in a child process; ${done.acked} acked, ${done.failed} failed attempts, ${count - receiver.arrivals.size} not received; ${cpuNote(cpu, 'delivery')}`,
      figures: Object.fromEntries(Object.entries(cpu).map(([label, ms]) => [`cpu ms ${label}`, ms])),
    };
  } finally {
    await child?.stop();
    await receiver.stop();
    await stream.remove();
    await database.remove();
  }
}

async function createAttemptsTable(databaseUrl: string): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    // The columns of Herald's attempts table that a first, successful attempt fills.
    await db.query(`CREATE TABLE attempts (
      id text PRIMARY KEY, delivery_id text NOT NULL, attempt integer NOT NULL, started_at timestamptz NOT NULL,
      duration_ms integer NOT NULL, response_status integer, response_body text)`);
    await db.query('CREATE INDEX attempts_delivery_idx ON attempts (delivery_id, attempt)');
  } finally {
    await db.end();
  }
}

/**
 * The bare ingest loop under the ingest scenario's load generator: `count` single-event POSTs,
 * 64 in flight, then `batchEvents` events in batches of `batchSize` (16 batches in flight).
 */
export async function ingestCeilings(count: number, batchEvents: number, batchSize: number): Promise<Result[]> {
  const stream = await PrivateStream.create();
  const options: IngestLoopOptions = { natsUrl: NATS_URL, subjectPrefix: stream.subjectPrefix };
  const child = new BenchChild<IngestLoopMessage>('ceiling-ingest', options);
  let client: IngestClient | undefined;
  try {
    const { port } = await child.next('listening', 30_000);
    client = new IngestClient(`http://127.0.0.1:${port}`, 'bench');
    const single = await timed(() => closedLoop(client!, 'app_ceiling', { count, eventType: 'bench.ingest', prefix: 'ceiling-single' }));
    const batched = await timed(() =>
      closedLoop(client!, 'app_ceiling', {
        count: batchEvents,
        eventType: 'bench.ingest',
        prefix: 'ceiling-batch',
        batch: batchSize,
        concurrency: 16,
      }),
    );
    return [
      {
        scenario: 'ceiling: ingest loop',
        value: Math.round(single.result.size / single.seconds),
        unit: 'events/s',
        events: single.result.size,
        seconds: round1(single.seconds),
        notes: 'node:http → JSON.parse → JetStream publish → 202 in a child process; single-event POSTs, 64 in flight',
      },
      {
        scenario: 'ceiling: ingest loop, batches',
        value: Math.round(batched.result.size / batched.seconds),
        unit: 'events/s',
        events: batched.result.size,
        seconds: round1(batched.seconds),
        notes: `batches of ${batchSize}, 16 in flight`,
      },
    ];
  } finally {
    await client?.close();
    await child.stop();
    await stream.remove();
  }
}

/** Runs `work`, returning its result and how long it took in seconds. */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - started) / 1000 };
}

export const round1 = (value: number) => Math.round(value * 10) / 10;
