// The bare delivery loop of DESIGN.md ("Delivery engine"), run as a child process like the
// dispatcher: JetStream pull consumer (consume, max_messages 512) → Standard Webhooks HMAC with
// one key object → undici Pool POST, 64 in flight → attempt rows inserted in batches (unnest,
// one flush at a time, up to 250 rows) → ack once the row is committed. Stops after `count`
// acks or `timeoutMs`, and reports how many it acked from the first message to the last ack.
import { jetstream, JsMsg } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createHmac, createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Pool } from 'undici';
import { childOptions, tellParent } from './child';

export interface DeliveryLoopOptions {
  natsUrl: string;
  stream: string;
  consumer: string;
  databaseUrl: string;
  table: string;
  receiverUrl: string;
  count: number;
  inFlight: number;
  timeoutMs: number;
}

export type DeliveryLoopMessage = { type: 'done'; acked: number; failed: number; seconds: number } | { type: 'failed'; error: string };

interface AttemptRow {
  id: string;
  deliveryId: string;
  startedAt: Date;
  durationMs: number;
  status: number;
  responseBody: string;
}

/** Inserts attempt rows in multi-row batches, one INSERT at a time; add() resolves once its row is committed. */
class AttemptBatcher {
  private pending: { row: AttemptRow; resolve: () => void; reject: (error: Error) => void }[] = [];
  private flushing = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Client,
    private readonly table: string,
    private readonly maxRows = 250,
    private readonly maxDelayMs = 5,
  ) {}

  add(row: AttemptRow): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      if (this.pending.length >= this.maxRows) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.maxDelayMs);
    });
  }

  private async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing) return;
    this.flushing = true;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxRows);
      const rows = batch.map((entry) => entry.row);
      try {
        await this.db.query(
          `INSERT INTO ${this.table} (id, delivery_id, attempt, started_at, duration_ms, response_status, response_body)
           SELECT id, delivery_id, 1, started_at, duration_ms, response_status, response_body
           FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[], $5::int[], $6::text[])
             AS r(id, delivery_id, started_at, duration_ms, response_status, response_body)`,
          [
            rows.map((r) => r.id),
            rows.map((r) => r.deliveryId),
            rows.map((r) => r.startedAt),
            rows.map((r) => r.durationMs),
            rows.map((r) => r.status),
            rows.map((r) => r.responseBody),
          ],
        );
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error as Error);
      }
    }
    this.flushing = false;
  }
}

/** At most `size` deliveries in flight. */
class Slots {
  private free: number;
  private readonly queue: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async acquire(): Promise<void> {
    if (this.free > 0) return void (this.free -= 1);
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.free += 1;
  }
}

interface EventShape {
  id: string;
  eventType: string;
  createdAt: string;
  payload: unknown;
}

/** One delivery: sign, POST, record the attempt, ack. */
async function deliver(msg: JsMsg, key: KeyObject, pool: Pool, path: string, attempts: AttemptBatcher): Promise<void> {
  const event = JSON.parse(new TextDecoder().decode(msg.data)) as EventShape;
  const body = JSON.stringify({ type: event.eventType, timestamp: event.createdAt, data: event.payload });
  const timestamp = Math.floor(Date.now() / 1000);
  const mac = createHmac('sha256', key).update(`${event.id}.${timestamp}.`).update(body).digest('base64');
  const startedAt = new Date();
  const response = await pool.request({
    method: 'POST',
    path,
    headers: {
      'content-type': 'application/json',
      'webhook-id': event.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': `v1,${mac}`,
    },
    body,
  });
  const responseBody = (await response.body.text()).slice(0, 4096);
  await attempts.add({
    id: `att_${event.id}`,
    deliveryId: event.id,
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
    status: response.statusCode,
    responseBody,
  });
  msg.ack();
}

async function main(options: DeliveryLoopOptions): Promise<DeliveryLoopMessage> {
  const nc = await connect({ servers: options.natsUrl, name: 'herald-bench-delivery-loop' });
  const db = new Client({ connectionString: options.databaseUrl });
  await db.connect();
  const receiver = new URL(options.receiverUrl);
  const pool = new Pool(receiver.origin, { connections: options.inFlight });
  const key = createSecretKey(randomBytes(32));
  const attempts = new AttemptBatcher(db, options.table);
  const slots = new Slots(options.inFlight);
  const consumer = await jetstream(nc).consumers.get(options.stream, options.consumer);
  const messages = await consumer.consume({ max_messages: 512 });
  const deadline = setTimeout(() => void messages.close(), options.timeoutMs);
  let first = NaN;
  let last = NaN;
  let acked = 0;
  let failed = 0;
  try {
    for await (const msg of messages) {
      if (Number.isNaN(first)) first = performance.now();
      await slots.acquire();
      void deliver(msg, key, pool, receiver.pathname, attempts)
        .then(
          () => {
            acked += 1;
            last = performance.now();
            if (acked >= options.count) void messages.close();
          },
          () => {
            failed += 1;
            msg.nak();
          },
        )
        .finally(() => slots.release());
    }
  } finally {
    clearTimeout(deadline);
  }
  // Nothing is closed: the parent reads the CPU time of this process and of its connections'
  // PostgreSQL backend when this message arrives, then stops it.
  return { type: 'done', acked, failed, seconds: (last - first) / 1000 };
}

void main(childOptions<DeliveryLoopOptions>())
  .catch((error: unknown): DeliveryLoopMessage => ({ type: 'failed', error: String(error) }))
  .then(async (message) => {
    await tellParent(message);
    if (message.type === 'failed') process.exit(0);
  });
