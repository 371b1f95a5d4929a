import { OUTBOX_LOCK_KEY } from '@herald/persistence';
import { ConfigFeed } from '../apps/dispatcher/src/routing/config-feed.service';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { Receiver } from './support/receiver';
import { eventually, TestStack } from './support/stack';

/** Each new endpoint's first delivery must arrive within this long of the event's 202. */
const FIRST_DELIVERY_MS = 2000;
const PAIRS = 200;

/** A 127.0.0.1 port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Read-your-writes under load, as an outside suite uses Herald: endpoints are created one after
 * another and an event is published right after each 201, while other endpoints fail with
 * connection refused and keep receiving events of their own.
 */
describe('an event published right after its endpoint was created', () => {
  let stack: TestStack;
  const receiver = new Receiver();

  beforeAll(async () => {
    // The acknowledgement wait of `npm start`, not the tests' short one.
    stack = await TestStack.start(undefined, { HERALD_ACK_WAIT_SECONDS: '30' });
    await receiver.start();
  });

  afterAll(async () => {
    await stack?.close();
    await receiver.stop();
  });

  it(`reaches each of ${PAIRS} new endpoints within ${FIRST_DELIVERY_MS} ms, with failing endpoints around them`, async () => {
    const refused = `http://127.0.0.1:${await closedPort()}/hook`;
    const failingApps: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const app = await stack.request('subscriptions', 'POST', '/v1/apps', { name: `failing ${i}` });
      failingApps.push(app.body?.id as string);
      for (let j = 0; j < 5; j += 1) {
        const endpoint = await stack.request('subscriptions', 'POST', `/v1/apps/${app.body?.id}/endpoints`, { url: refused });
        expect(endpoint.status).toBe(201);
      }
    }
    // Events for the failing endpoints the whole time, as earlier checks of a suite leave them.
    let publishing = true;
    const background = (async () => {
      for (let n = 0; publishing; n += 1) {
        const published = await stack.request('ingest', 'POST', `/v1/apps/${failingApps[n % failingApps.length]}/events`, {
          eventType: 'noise.happened',
          payload: { n },
        });
        expect(published.status).toBe(202);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    const latencies: { pair: number; ms: number }[] = [];
    try {
      let appId = '';
      for (let pair = 0; pair < PAIRS; pair += 1) {
        if (pair % 10 === 0) {
          const app = await stack.request('subscriptions', 'POST', '/v1/apps', { name: `pair ${pair}` });
          appId = app.body?.id as string;
          // Every app also has an endpoint that refuses connections.
          await stack.request('subscriptions', 'POST', `/v1/apps/${appId}/endpoints`, { url: refused });
        }
        const endpoint = await stack.request('subscriptions', 'POST', `/v1/apps/${appId}/endpoints`, {
          url: `${receiver.url}/${pair}`,
          eventTypes: ['order.created'],
        });
        expect(endpoint.status).toBe(201);
        const published = await stack.request('ingest', 'POST', `/v1/apps/${appId}/events`, {
          eventType: 'order.created',
          payload: { pair },
        });
        expect(published.status).toBe(202);
        const acceptedAt = Date.now();
        // Waits well past the bound so a stall is measured, not only detected.
        const request = await eventually(async () => receiver.requests.find((r) => r.path === `/hook/${pair}`), 30_000, 5).catch(
          () => undefined,
        );
        latencies.push({ pair, ms: request ? request.receivedAt - acceptedAt : Number.POSITIVE_INFINITY });
      }
    } finally {
      publishing = false;
      await background;
    }
    const worst = latencies.reduce((a, b) => (b.ms > a.ms ? b : a));
    const late = latencies.filter((l) => l.ms > FIRST_DELIVERY_MS);
    if (late.length > 0) process.stderr.write(`late first deliveries: ${JSON.stringify(late)}\n`);
    process.stderr.write(`worst first delivery: ${worst.ms} ms (pair ${worst.pair})\n`);
    expect(late).toEqual([]);
  }, 300_000);

  it('reaches an endpoint whose 201 came while another process was relaying the outbox', async () => {
    // Another relay (the dispatcher's poll, another replica) holding the outbox lock.
    const app = await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'relayed meanwhile' });
    const appId = app.body?.id as string;
    const otherRelay = new Client({ connectionString: stack.env.config.databaseUrl });
    await otherRelay.connect();
    try {
      await otherRelay.query('BEGIN');
      await otherRelay.query('SELECT pg_advisory_xact_lock($1)', [OUTBOX_LOCK_KEY]);
      let answered = false;
      const creating = stack.request('subscriptions', 'POST', `/v1/apps/${appId}/endpoints`, { url: `${receiver.url}/meanwhile` });
      void creating.finally(() => (answered = true));
      // Either the API answers while the other relay still holds the lock, or it waits for it.
      await eventually(async () => {
        if (answered) return true;
        const { rows } = await otherRelay.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted",
          [OUTBOX_LOCK_KEY],
        );
        return rows[0].n > 0;
      });
      if (answered) {
        // Answered early: publish and let the event be fanned out before the other relay is done.
        const published = await stack.request('ingest', 'POST', `/v1/apps/${appId}/events`, { eventType: 'order.created', payload: {} });
        await eventually(
          async () => (await stack.request('subscriptions', 'GET', `/v1/apps/${appId}/events/${published.body?.id}`)).status === 200,
        );
        await otherRelay.query('COMMIT');
      } else {
        await otherRelay.query('COMMIT');
        expect((await creating).status).toBe(201);
        await stack.request('ingest', 'POST', `/v1/apps/${appId}/events`, { eventType: 'order.created', payload: {} });
      }
      expect((await creating).status).toBe(201);
      await eventually(async () => receiver.requests.some((r) => r.path === '/hook/meanwhile'), FIRST_DELIVERY_MS);
    } finally {
      await otherRelay.end();
    }
  });
  // Last: it leaves this stack's dispatcher without a config feed.
  it("reaches a new endpoint when the dispatcher's config feed has stalled", async () => {
    // A consumer that stopped delivering (reset, missed heartbeats): the feed applies nothing more.
    const feed = stack.apps.get('dispatcher')?.app.get(ConfigFeed);
    await (feed as unknown as { messages: { close(): Promise<void> } }).messages.close();
    const app = await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'stalled feed' });
    const endpoint = await stack.request('subscriptions', 'POST', `/v1/apps/${app.body?.id}/endpoints`, { url: `${receiver.url}/stalled` });
    expect(endpoint.status).toBe(201);
    const published = await stack.request('ingest', 'POST', `/v1/apps/${app.body?.id}/events`, { eventType: 'order.created', payload: {} });
    expect(published.status).toBe(202);
    await eventually(async () => receiver.requests.some((r) => r.path === '/hook/stalled'), FIRST_DELIVERY_MS);
  });
});
