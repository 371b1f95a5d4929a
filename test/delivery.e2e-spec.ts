import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { Receiver } from './support/receiver';
import { eventually, TestStack } from './support/stack';
import { FeedClient } from './support/ws-client';

describe('an event delivered end to end through all four apps', () => {
  let stack: TestStack;
  const users = new Receiver();
  const orders = new Receiver();

  beforeAll(async () => {
    stack = await TestStack.start();
    await users.start();
    await orders.start();
  });

  afterAll(async () => {
    await stack?.close();
    await users.stop();
    await orders.stop();
  });

  it('routes by event type, signs with Standard Webhooks, records the attempt and streams the outcome', async () => {
    const app = await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Shop', uid: 'shop' });
    expect(app.status).toBe(201);
    expect(app.body?.id).toMatch(/^app_[0-9a-z]{26}$/);

    const userEndpoint = await stack.request('subscriptions', 'POST', '/v1/apps/shop/endpoints', {
      url: users.url,
      eventTypes: ['user.*'],
    });
    const orderEndpoint = await stack.request('subscriptions', 'POST', `/v1/apps/${app.body?.id}/endpoints`, {
      url: orders.url,
      eventTypes: ['order.*'],
    });
    expect(userEndpoint.status).toBe(201);
    expect(orderEndpoint.status).toBe(201);
    expect(userEndpoint.body).not.toHaveProperty('secret');
    const { body: secretBody } = await stack.request('subscriptions', 'GET', `/v1/apps/shop/endpoints/${userEndpoint.body?.id}/secret`);
    const secret = secretBody?.secret as string;
    expect(Buffer.from(secret.replace(/^whsec_/, ''), 'base64')).toHaveLength(32);

    const feed = await FeedClient.connect(`${stack.url('realtime-gateway').replace('http', 'ws')}/ws?token=${stack.env.token}`);
    await eventually(async () => feed.find((m) => m.type === 'connection'));

    const published = await stack.request('ingest', 'POST', '/v1/apps/shop/events', {
      eventType: 'user.created',
      payload: { name: 'Ada', city: 'Zürich' },
    });
    expect(published.status).toBe(202);
    const eventId = published.body?.id as string;
    expect(eventId).toMatch(/^evt_/);
    expect(published.body?.duplicate).toBe(false);

    await eventually(async () => users.requests.length === 1);
    const [request] = users.requests;
    expect(request.headers['webhook-id']).toBe(eventId);
    expect(request.headers['content-type']).toBe('application/json');
    // Verified with the standardwebhooks library, as a receiver would.
    const verified = new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    expect(verified).toEqual({ type: 'user.created', timestamp: published.body?.occurredAt, data: { name: 'Ada', city: 'Zürich' } });

    const delivery = await eventually(async () => {
      const list = await stack.request('subscriptions', 'GET', `/v1/apps/shop/deliveries?eventId=${eventId}`);
      const [first] = (list.body?.data ?? []) as Record<string, any>[];
      return first?.status === 'succeeded' ? first : undefined;
    });
    expect(delivery.endpointId).toBe(userEndpoint.body?.id);
    const detail = await stack.request('subscriptions', 'GET', `/v1/apps/${app.body?.id}/deliveries/${delivery.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      id: delivery.id,
      eventId,
      eventType: 'user.created',
      status: 'succeeded',
      attemptCount: 1,
      nextAttemptAt: null,
    });
    expect(detail.body?.attempts).toHaveLength(1);
    expect(detail.body?.attempts[0]).toMatchObject({
      attempt: 1,
      outcome: 'success',
      responseStatus: 200,
      responseBody: 'received 1',
      error: null,
    });
    expect(detail.body?.attempts[0].requestHeaders['webhook-id']).toBe(eventId);

    await eventually(async () => feed.find((m) => m.type === 'delivery.succeeded'));
    const eventMessage = feed.find((m) => m.type === 'user.created');
    expect(eventMessage).toMatchObject({ appId: app.body?.id, eventId, payload: { name: 'Ada', city: 'Zürich' } });
    expect(typeof eventMessage?.seq).toBe('string');
    expect(feed.find((m) => m.type === 'delivery.succeeded')?.payload).toMatchObject({
      deliveryId: delivery.id,
      eventId,
      endpointId: userEndpoint.body?.id,
      attempt: 1,
      responseStatus: 200,
      error: null,
    });
    feed.close();

    // The order endpoint never matched, so it got nothing and has no delivery.
    expect(orders.requests).toHaveLength(0);
    const orderDeliveries = await stack.request('subscriptions', 'GET', `/v1/apps/shop/deliveries?endpointId=${orderEndpoint.body?.id}`);
    expect(orderDeliveries.body?.data).toEqual([]);
  });

  it('writes a delivery whose first attempt succeeds once, succeeded, with its attempt (no UPDATE of the row)', async () => {
    const fast = new Receiver();
    await fast.start();
    const db = new Client({ connectionString: stack.env.config.databaseUrl });
    await db.connect();
    try {
      const endpoint = await stack.request('subscriptions', 'POST', '/v1/apps/shop/endpoints', { url: fast.url, eventTypes: ['once.*'] });
      expect(endpoint.status).toBe(201);
      // Every UPDATE of this endpoint's delivery rows is logged by a trigger.
      await db.query(`CREATE TABLE test_delivery_updates (id text)`);
      await db.query(`CREATE FUNCTION test_log_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO test_delivery_updates VALUES (NEW.id); RETURN NEW; END $$`);
      await db.query(
        `CREATE TRIGGER test_log_update AFTER UPDATE ON deliveries FOR EACH ROW
         WHEN (NEW.endpoint_id = '${endpoint.body?.id as string}') EXECUTE FUNCTION test_log_update()`,
      );
      for (let n = 0; n < 20; n += 1) {
        const published = await stack.request('ingest', 'POST', '/v1/apps/shop/events', { eventType: 'once.done', payload: { n } });
        expect(published.status).toBe(202);
      }
      await eventually(async () => {
        const list = await stack.request(
          'subscriptions',
          'GET',
          `/v1/apps/shop/deliveries?endpointId=${endpoint.body?.id}&status=succeeded`,
        );
        return (list.body?.data as unknown[]).length === 20;
      });
      const { rows } = await db.query<{ attempts: string; numbers: number[] }>(
        `SELECT count(*) AS attempts, array_agg(DISTINCT a.attempt) AS numbers FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = $1`,
        [endpoint.body?.id],
      );
      expect(rows[0]).toEqual({ attempts: '20', numbers: [1] });
      expect((await db.query('SELECT id FROM test_delivery_updates')).rows).toEqual([]);
      await db.query('DROP TRIGGER test_log_update ON deliveries');
    } finally {
      await db.end();
      await fast.stop();
    }
  });

  it('records a failed attempt and leaves the delivery pending with its next attempt time', async () => {
    const failing = new Receiver();
    failing.status = 500;
    await failing.start();
    try {
      const endpoint = await stack.request('subscriptions', 'POST', '/v1/apps/shop/endpoints', {
        url: failing.url,
        eventTypes: ['invoice.failed'],
      });
      const published = await stack.request('ingest', 'POST', '/v1/apps/shop/events', { eventType: 'invoice.failed', payload: { n: 1 } });
      const delivery = await eventually(async () => {
        const list = await stack.request('subscriptions', 'GET', `/v1/apps/shop/deliveries?endpointId=${endpoint.body?.id}`);
        const [first] = (list.body?.data ?? []) as Record<string, any>[];
        return first?.attemptCount === 1 ? first : undefined;
      });
      expect(delivery).toMatchObject({ eventId: published.body?.id, status: 'pending' });
      // First retry step is 5 s ± 20 %.
      const wait = new Date(delivery.nextAttemptAt as string).getTime() - new Date(delivery.updatedAt as string).getTime();
      expect(wait).toBeGreaterThanOrEqual(3900);
      expect(wait).toBeLessThanOrEqual(6100);
      const detail = await stack.request('subscriptions', 'GET', `/v1/apps/shop/deliveries/${delivery.id}`);
      expect(detail.body?.attempts[0]).toMatchObject({
        outcome: 'failure',
        responseStatus: 500,
        error: 'http_status',
        responseBody: 'received 1',
      });
    } finally {
      await failing.stop();
    }
  });

  it('delivers events queued while the dispatcher was down once it is back (durable consumer)', async () => {
    const receiver = new Receiver();
    await receiver.start();
    try {
      await stack.request('subscriptions', 'POST', '/v1/apps/shop/endpoints', { url: receiver.url, eventTypes: ['batch.*'] });
      await stack.stop('dispatcher');
      const ids: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        const published = await stack.request('ingest', 'POST', '/v1/apps/shop/events', { eventType: 'batch.item', payload: { i } });
        expect(published.status).toBe(202);
        ids.push(published.body?.id as string);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(receiver.requests).toHaveLength(0);

      await stack.start('dispatcher');
      await eventually(async () => receiver.requests.length >= 20);
      expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set(ids));
      for (const id of ids) {
        const list = await eventually(async () => {
          const result = await stack.request('subscriptions', 'GET', `/v1/apps/shop/deliveries?eventId=${id}`);
          return result.body?.data?.[0]?.status === 'succeeded' ? result : undefined;
        });
        expect(list.body?.data).toHaveLength(1);
      }
    } finally {
      await receiver.stop();
    }
  });
});
