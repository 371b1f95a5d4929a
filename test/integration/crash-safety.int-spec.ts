import { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { buildOnce, PrivateNats, spawnApp } from '../support/processes';
import { Receiver } from '../support/receiver';
import { eventually, TestStack } from '../support/stack';

jest.setTimeout(180_000);

/** Publishes `count` events with ids `<prefix>-<i>`, `concurrency` at a time, retrying each until ingest answers 202. */
async function publishAll(stack: TestStack, prefix: string, count: number, concurrency = 32): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const body = { id: `${prefix}-${i}`, eventType: 'crash.test', payload: { i, filler: 'x'.repeat(200) } };
      for (let tries = 0; ; tries += 1) {
        const response = await stack.request('ingest', 'POST', '/v1/apps/crash/events', body).catch(() => ({ status: 0 }));
        if (response.status === 202) break;
        if (tries > 600) throw new Error(`event ${i} was never accepted (last status ${response.status})`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Waits until every event reached the receiver and every delivery is recorded as succeeded. */
async function expectEverythingDelivered(stack: TestStack, receiver: Receiver, prefix: string, count: number): Promise<number> {
  await eventually(async () => new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size >= count, 120_000, 200);
  const ids = new Set(receiver.requests.map((r) => r.headers['webhook-id']));
  for (let i = 0; i < count; i += 1) expect(ids.has(`${prefix}-${i}`)).toBe(true);
  const db = new Client({ connectionString: stack.env.config.databaseUrl });
  await db.connect();
  try {
    const summary = await eventually(async () => {
      const { rows } = await db.query<{ total: string; succeeded: string; without_success: string }>(
        `SELECT count(*) AS total,
                count(*) FILTER (WHERE d.status = 'succeeded') AS succeeded,
                count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM attempts a WHERE a.delivery_id = d.id AND a.outcome = 'success')) AS without_success
         FROM deliveries d WHERE d.event_type = 'crash.test'`,
      );
      return Number(rows[0].succeeded) === count ? rows[0] : undefined;
    }, 60_000);
    expect(Number(summary.total)).toBe(count);
    expect(Number(summary.without_success)).toBe(0);
  } finally {
    await db.end();
  }
  return receiver.requests.length - count;
}

async function setUp(stack: TestStack, receiver: Receiver): Promise<void> {
  await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Crash', uid: 'crash' });
  const endpoint = await stack.request('subscriptions', 'POST', '/v1/apps/crash/endpoints', {
    url: receiver.url,
    eventTypes: ['crash.*'],
    maxConcurrency: 64,
  });
  expect(endpoint.status).toBe(201);
}

describe('nothing is lost when things crash', () => {
  it('survives a SIGKILLed dispatcher mid-stream', async () => {
    buildOnce();
    const stack = await TestStack.start(['subscriptions', 'ingest']);
    const receiver = await new Receiver().start();
    // A slow receiver keeps requests in flight, so the kill interrupts attempts, not an idle process.
    receiver.respond = () => ({ status: 200, delayMs: 20 });
    let dispatcher: ChildProcess | undefined;
    try {
      await setUp(stack, receiver);
      dispatcher = spawnApp('dispatcher', stack.env.config);
      const count = 3000;
      const publishing = publishAll(stack, 'kill', count);
      await eventually(async () => receiver.requests.length >= 800, 60_000, 20);
      const inFlightAtKill = receiver.inFlight;
      dispatcher.kill('SIGKILL');
      const receivedAtKill = receiver.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 500));
      dispatcher = spawnApp('dispatcher', stack.env.config);
      await publishing;
      const duplicates = await expectEverythingDelivered(stack, receiver, 'kill', count);
      console.log(
        `SIGKILL after ${receivedAtKill} of ${count} requests (${inFlightAtKill} in flight): every event delivered, ${duplicates} duplicate requests`,
      );
      expect(inFlightAtKill).toBeGreaterThan(0);
    } finally {
      dispatcher?.kill('SIGKILL');
      await receiver.stop();
      await stack.close();
    }
  });

  it('survives a NATS restart mid-stream', async () => {
    const nats = await PrivateNats.start();
    const stack = await TestStack.start(['subscriptions', 'ingest', 'dispatcher'], { NATS_URL: nats.url });
    const receiver = await new Receiver().start();
    try {
      await setUp(stack, receiver);
      const count = 2000;
      const publishing = publishAll(stack, 'nats', count);
      await eventually(async () => receiver.requests.length >= 500, 60_000, 20);
      await nats.stop();
      // Readiness says so while NATS is away.
      const notReady = await eventually(
        async () => {
          const response = await fetch(`${stack.url('ingest')}/health/ready`);
          return response.status === 503 ? response : undefined;
        },
        5000,
        100,
      );
      expect(notReady.headers.get('content-type')).toContain('application/problem+json');
      expect(await notReady.json()).toMatchObject({ status: 503, detail: 'not ready: nats down' });
      await nats.restart();
      await publishing;
      const duplicates = await expectEverythingDelivered(stack, receiver, 'nats', count);
      console.log(`NATS restarted mid-stream: every event delivered, ${duplicates} duplicate requests`);
    } finally {
      await receiver.stop();
      await stack.close();
      await nats.destroy();
    }
  });

  it('survives PostgreSQL connections being dropped mid-stream', async () => {
    const stack = await TestStack.start(['subscriptions', 'ingest', 'dispatcher']);
    const receiver = await new Receiver().start();
    const admin = new Client({ connectionString: stack.env.config.databaseUrl });
    await admin.connect();
    const database = new URL(stack.env.config.databaseUrl).pathname.slice(1);
    try {
      await setUp(stack, receiver);
      const count = 2000;
      const publishing = publishAll(stack, 'pg', count);
      let terminated = 0;
      for (const threshold of [400, 900, 1400]) {
        await eventually(async () => receiver.requests.length >= threshold, 60_000, 20);
        const { rowCount } = await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [database],
        );
        terminated += rowCount ?? 0;
      }
      expect(terminated).toBeGreaterThan(0);
      await publishing;
      const duplicates = await expectEverythingDelivered(stack, receiver, 'pg', count);
      console.log(`${terminated} PostgreSQL connections terminated mid-stream: every event delivered, ${duplicates} duplicate requests`);
    } finally {
      await admin.end();
      await receiver.stop();
      await stack.close();
    }
  });
});
