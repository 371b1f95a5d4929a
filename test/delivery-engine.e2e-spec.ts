import { Client } from 'pg';
import { Receiver } from './support/receiver';
import { eventually, TestStack } from './support/stack';
import { FeedClient } from './support/ws-client';

type Json = Record<string, any>;

describe('the delivery engine', () => {
  let stack: TestStack;
  let feed: FeedClient;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    stack = await TestStack.start();
    await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Engine', uid: 'engine' });
    feed = await FeedClient.connect(`${stack.url('realtime-gateway').replace('http', 'ws')}/ws?token=${stack.env.token}`);
  });

  afterAll(async () => {
    feed?.close();
    for (const receiver of receivers) await receiver.stop();
    await stack?.close();
  });

  async function receiver(configure: (r: Receiver) => void = () => undefined): Promise<Receiver> {
    const r = await new Receiver().start();
    configure(r);
    receivers.push(r);
    return r;
  }

  async function endpoint(body: Json): Promise<Json> {
    const response = await stack.request('subscriptions', 'POST', '/v1/apps/engine/endpoints', body);
    expect(response.status).toBe(201);
    return response.body as Json;
  }

  async function publish(eventType: string, payload: Json = {}): Promise<string> {
    const response = await stack.request('ingest', 'POST', '/v1/apps/engine/events', { eventType, payload });
    expect(response.status).toBe(202);
    return response.body?.id as string;
  }

  async function deliveryOf(eventId: string, until: (d: Json) => boolean, timeoutMs = 20000): Promise<Json> {
    return eventually(
      async () => {
        const list = await stack.request('subscriptions', 'GET', `/v1/apps/engine/deliveries?eventId=${eventId}`);
        const summary = list.body?.data?.[0] as Json | undefined;
        if (!summary) return undefined;
        const detail = (await stack.request('subscriptions', 'GET', `/v1/apps/engine/deliveries/${summary.id}`)).body as Json;
        return until(detail) ? detail : undefined;
      },
      timeoutMs,
      100,
    );
  }

  it('retries a failing delivery on the endpoint schedule until it succeeds', async () => {
    const r = await receiver((rcv) => (rcv.respond = (_req, n) => ({ status: n <= 2 ? 500 : 200 })));
    await endpoint({ url: r.url, eventTypes: ['retry.ok'], retrySchedule: [1, 1, 1] });
    const eventId = await publish('retry.ok', { n: 1 });
    const delivery = await deliveryOf(eventId, (d) => d.status === 'succeeded');
    expect(delivery.attemptCount).toBe(3);
    expect(delivery.attempts.map((a: Json) => [a.attempt, a.outcome, a.responseStatus])).toEqual([
      [1, 'failure', 500],
      [2, 'failure', 500],
      [3, 'success', 200],
    ]);
    // Same webhook-id on every retry; about a second (±20 %) between attempts.
    expect(new Set(r.requests.map((q) => q.headers['webhook-id']))).toEqual(new Set([eventId]));
    const gap = r.requests[1].receivedAt - r.requests[0].receivedAt;
    expect(gap).toBeGreaterThanOrEqual(750);
    expect(gap).toBeLessThan(3000);
  });

  it('fails the delivery after the last attempt and publishes delivery.exhausted', async () => {
    const r = await receiver((rcv) => (rcv.status = 503));
    await endpoint({ url: r.url, eventTypes: ['retry.never'], retrySchedule: [1] });
    const eventId = await publish('retry.never');
    const delivery = await deliveryOf(eventId, (d) => d.status === 'failed');
    expect(delivery).toMatchObject({ attemptCount: 2, nextAttemptAt: null });
    await eventually(async () => feed.find((m) => m.type === 'delivery.exhausted' && m.payload.eventId === eventId));
    expect(feed.find((m) => m.type === 'delivery.failed' && m.payload.eventId === eventId)?.payload.attempt).toBe(1);
  });

  it('honours Retry-After on 429 within [step, 2 × step]', async () => {
    const r = await receiver(
      (rcv) => (rcv.respond = (_req, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '3600' } } : { status: 200 })),
    );
    await endpoint({ url: r.url, eventTypes: ['throttled'], retrySchedule: [1] });
    const eventId = await publish('throttled');
    await deliveryOf(eventId, (d) => d.status === 'succeeded');
    const gap = r.requests[1].receivedAt - r.requests[0].receivedAt;
    expect(gap).toBeGreaterThanOrEqual(1900); // bounded to twice the 1 s step, not an hour
    expect(gap).toBeLessThan(4000);
  });

  it('classifies failures: redirects are not followed, timeouts, refused connections and TLS errors', async () => {
    const target = await receiver();
    const redirecting = await receiver((rcv) => (rcv.respond = () => ({ status: 302, headers: { location: target.url } })));
    const hanging = await receiver((rcv) => (rcv.respond = () => ({ status: 200, delayMs: 3000 })));
    const closed = await receiver();
    await closed.stop();
    const plain = await receiver();
    const cases: [string, Json, string][] = [
      ['fail.redirect', { url: redirecting.url }, 'redirect'],
      ['fail.timeout', { url: hanging.url, timeoutMs: 1000 }, 'timeout'],
      ['fail.refused', { url: closed.url }, 'connection_refused'],
      ['fail.tls', { url: plain.url.replace('http://', 'https://') }, 'tls'],
    ];
    for (const [type, body, error] of cases) {
      await endpoint({ ...body, eventTypes: [type], retrySchedule: [3600] });
      const eventId = await publish(type);
      const delivery = await deliveryOf(eventId, (d) => d.attemptCount === 1);
      expect({ type, error: delivery.attempts[0].error, status: delivery.status }).toEqual({ type, error, status: 'pending' });
    }
    expect(target.requests).toHaveLength(0);
  });

  it('disables an endpoint that answers 410 Gone and fails its pending deliveries', async () => {
    const r = await receiver((rcv) => (rcv.status = 410));
    const ep = await endpoint({ url: r.url, eventTypes: ['gone.*'], retrySchedule: [3600] });
    const eventId = await publish('gone.one');
    const disabled = await eventually(async () => {
      const current = (await stack.request('subscriptions', 'GET', `/v1/apps/engine/endpoints/${ep.id}`)).body as Json;
      return current.disabled ? current : undefined;
    });
    expect(disabled.disabledReason).toBe('gone');
    expect((await deliveryOf(eventId, (d) => d.status === 'failed')).attempts[0].responseStatus).toBe(410);
    await eventually(async () => feed.find((m) => m.type === 'endpoint.disabled' && m.payload.endpointId === ep.id));
    expect(feed.find((m) => m.type === 'endpoint.disabled' && m.payload.endpointId === ep.id)?.payload.reason).toBe('gone');

    const enabled = await stack.request('subscriptions', 'POST', `/v1/apps/engine/endpoints/${ep.id}/enable`);
    expect(enabled.body).toMatchObject({ disabled: false, disabledReason: null });
  });

  it('disables an endpoint failing for longer than HERALD_DISABLE_AFTER_HOURS', async () => {
    const r = await receiver((rcv) => (rcv.status = 500));
    const ep = await endpoint({ url: r.url, eventTypes: ['failing.*'], retrySchedule: [3600] });
    // Pretend its failure streak began long ago rather than waiting five days.
    const db = new Client({ connectionString: stack.env.config.databaseUrl });
    await db.connect();
    await db.query(`UPDATE endpoints SET failing_since = now() - interval '121 hours' WHERE id = $1`, [ep.id]);
    await db.end();
    await publish('failing.one');
    const disabled = await eventually(async () => {
      const current = (await stack.request('subscriptions', 'GET', `/v1/apps/engine/endpoints/${ep.id}`)).body as Json;
      return current.disabled ? current : undefined;
    });
    expect(disabled.disabledReason).toBe('failing');
    await eventually(async () =>
      feed.find((m) => m.type === 'endpoint.disabled' && m.payload.endpointId === ep.id && m.payload.reason === 'failing'),
    );
  });

  it('opens the circuit after consecutive failures and parks the backlog instead of attempting it', async () => {
    const r = await receiver((rcv) => (rcv.status = 500));
    await endpoint({ url: r.url, eventTypes: ['breaker'], retrySchedule: [3600], maxConcurrency: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 15; i += 1) ids.push(await publish('breaker', { i }));
    const list = await eventually(async () => {
      const deliveries = await Promise.all(ids.map((id) => deliveryOf(id, (d) => d.attemptCount > 0 || d.nextAttemptAt !== null)));
      const parked = deliveries.filter((d) => d.attemptCount === 0);
      return parked.length >= 5 ? deliveries : undefined;
    });
    expect(r.requests.length).toBeLessThanOrEqual(10);
    const parked = list.filter((d) => d.attemptCount === 0);
    for (const d of parked) {
      expect(d.status).toBe('pending');
      expect(new Date(d.nextAttemptAt as string).getTime()).toBeGreaterThan(Date.now());
    }
  });

  it('keeps at most maxConcurrency requests in flight to one endpoint', async () => {
    const r = await receiver((rcv) => (rcv.respond = () => ({ status: 200, delayMs: 200 })));
    await endpoint({ url: r.url, eventTypes: ['limited.concurrency'], maxConcurrency: 2 });
    for (let i = 0; i < 8; i += 1) await publish('limited.concurrency', { i });
    await eventually(async () => r.requests.length === 8, 20000);
    expect(r.maxInFlight).toBeLessThanOrEqual(2);
    expect(r.maxInFlight).toBe(2);
  });

  it('spaces deliveries to an endpoint by its rateLimit', async () => {
    const r = await receiver();
    await endpoint({ url: r.url, eventTypes: ['limited.rate'], rateLimit: 4 });
    for (let i = 0; i < 12; i += 1) await publish('limited.rate', { i });
    await eventually(async () => r.requests.length === 12, 20000);
    const times = r.requests.map((q) => q.receivedAt).sort((a, b) => a - b);
    // 4 in the first second's burst, then 4 per second: 12 take at least two seconds.
    expect(times[11] - times[0]).toBeGreaterThanOrEqual(1800);
  });

  it('retries a delivery on request, replays a window and sends a test event, and reports stats', async () => {
    const r = await receiver((rcv) => (rcv.respond = (_req, n) => ({ status: n <= 2 ? 500 : 200 })));
    const ep = await endpoint({ url: r.url, eventTypes: ['ops.*'], retrySchedule: [] });
    const since = new Date(Date.now() - 1000).toISOString();
    const first = await publish('ops.one');
    const second = await publish('ops.two');
    const failed = await deliveryOf(first, (d) => d.status === 'failed');
    await deliveryOf(second, (d) => d.status === 'failed');

    const retried = await stack.request('subscriptions', 'POST', `/v1/apps/engine/deliveries/${failed.id}/retry`);
    expect(retried.status).toBe(202);
    const afterRetry = await deliveryOf(first, (d) => d.status === 'succeeded');
    expect(afterRetry.attempts.map((a: Json) => a.outcome)).toEqual(['failure', 'success']);

    const replay = await stack.request('subscriptions', 'POST', `/v1/apps/engine/endpoints/${ep.id}/replay`, { since });
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ count: 1 }); // only the one still failed
    await deliveryOf(second, (d) => d.status === 'succeeded');
    const badReplay = await stack.request('subscriptions', 'POST', `/v1/apps/engine/endpoints/${ep.id}/replay`, { since: 'last week' });
    expect(badReplay.status).toBe(400);

    const test = await stack.request('subscriptions', 'POST', `/v1/apps/engine/endpoints/${ep.id}/test`, { payload: { hello: 'world' } });
    expect(test.status).toBe(202);
    await eventually(async () => r.requests.find((q) => JSON.parse(q.body).type === 'webhook.test'));
    const testRequest = r.requests.find((q) => JSON.parse(q.body).type === 'webhook.test');
    expect(JSON.parse(testRequest?.body ?? '{}').data).toEqual({ hello: 'world' });
    const testDelivery = await eventually(async () => {
      const d = (await stack.request('subscriptions', 'GET', `/v1/apps/engine/deliveries/${test.body?.deliveryId}`)).body as Json;
      return d.status === 'succeeded' ? d : undefined;
    });
    expect(testDelivery.endpointId).toBe(ep.id);

    const stats = await stack.request(
      'subscriptions',
      'GET',
      `/v1/apps/engine/endpoints/${ep.id}/stats?since=${encodeURIComponent(since)}`,
    );
    expect(stats.body).toMatchObject({ total: 3, succeeded: 3, failed: 0, pending: 0, successRate: 1 });
    expect(stats.body?.latencyMs.p50).toEqual(expect.any(Number));
    expect(stats.body?.latencyMs.p99).toBeGreaterThanOrEqual(stats.body?.latencyMs.p50);
  });

  it('keeps delivering to a healthy endpoint while another one hangs', async () => {
    const hanging = await receiver((rcv) => (rcv.respond = () => ({ status: 200, delayMs: 5000 })));
    const healthy = await receiver();
    await endpoint({ url: hanging.url, eventTypes: ['mixed'], timeoutMs: 5000 });
    await endpoint({ url: healthy.url, eventTypes: ['mixed'] });
    const started = Date.now();
    for (let i = 0; i < 40; i += 1) await publish('mixed', { i });
    await eventually(async () => healthy.requests.length === 40, 10000);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
