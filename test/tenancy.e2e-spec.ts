import { DataSource } from 'typeorm';
import { createDataSource } from '@herald/persistence';
import { Receiver } from './support/receiver';
import { AppName, eventually, TestStack } from './support/stack';
import { FeedClient } from './support/ws-client';

/** App tokens: what each token may see and change (API.md, "Conventions" and "Apps"). */
describe('app tokens and tenant isolation', () => {
  let stack: TestStack;
  let receiver: Receiver;
  let db: DataSource;
  // Two apps, each with an endpoint, an event, a delivery and a token.
  const a = { id: '', token: '', tokenId: '', endpointId: '', eventId: '', deliveryId: '' };
  const b = { id: '', token: '', tokenId: '', endpointId: '', eventId: '', deliveryId: '' };

  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  async function populate(app: typeof a, name: string): Promise<void> {
    app.id = (await stack.request('subscriptions', 'POST', '/v1/apps', { name, uid: name })).body?.id as string;
    const created = await stack.request('subscriptions', 'POST', `/v1/apps/${app.id}/tokens`, { description: `${name} backend` });
    expect(created.status).toBe(201);
    app.token = created.body?.token as string;
    app.tokenId = created.body?.id as string;
    // The app's own token creates its endpoint and publishes its event.
    const endpoint = await stack.request('subscriptions', 'POST', `/v1/apps/${name}/endpoints`, { url: receiver.url }, as(app.token));
    expect(endpoint.status).toBe(201);
    app.endpointId = endpoint.body?.id as string;
    const event = await stack.request(
      'ingest',
      'POST',
      `/v1/apps/${name}/events`,
      { eventType: 'user.created', payload: { app: name } },
      as(app.token),
    );
    expect(event.status).toBe(202);
    app.eventId = event.body?.id as string;
    app.deliveryId = await eventually(async () => {
      const list = await stack.request(
        'subscriptions',
        'GET',
        `/v1/apps/${app.id}/deliveries?eventId=${app.eventId}`,
        undefined,
        as(app.token),
      );
      return list.body?.data?.[0]?.status === 'succeeded' && (list.body.data[0].id as string);
    });
  }

  beforeAll(async () => {
    receiver = await new Receiver().start();
    // Short heartbeats: an open feed's token is checked again at each one.
    stack = await TestStack.start(undefined, { GATEWAY_HEARTBEAT_MS: '300' });
    db = await createDataSource(stack.env.config.databaseUrl, 1).initialize();
    await populate(a, 'tenant-a');
    await populate(b, 'tenant-b');
  });

  afterAll(async () => {
    await db?.destroy();
    await stack?.close();
    await receiver?.stop();
  });

  it('shows a token once: the create response has it, lists and the database do not', async () => {
    expect(a.token).toMatch(/^hrld_[A-Za-z0-9_-]{40,}$/);
    expect(a.tokenId).toMatch(/^tok_/);
    const list = await stack.request('subscriptions', 'GET', `/v1/apps/${a.id}/tokens`);
    expect(list.status).toBe(200);
    expect(list.body?.data).toEqual([
      expect.objectContaining({ id: a.tokenId, appId: a.id, description: 'tenant-a backend', expiresAt: null }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain(a.token);
    const rows = await db.query<Record<string, unknown>[]>(`SELECT * FROM app_tokens`);
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(a.token);
    expect(JSON.stringify(rows)).not.toContain(a.token.slice(5));
  });

  it('lets an app token read its own app and answers 404 for every route of another app', async () => {
    expect((await stack.request('subscriptions', 'GET', `/v1/apps/${a.id}`, undefined, as(a.token))).status).toBe(200);
    expect((await stack.request('subscriptions', 'GET', `/v1/apps/tenant-a`, undefined, as(a.token))).status).toBe(200);
    const ep = `/v1/apps/${b.id}/endpoints/${b.endpointId}`;
    const routes: [AppName, string, string, unknown?][] = [
      ['subscriptions', 'GET', `/v1/apps/${b.id}`],
      ['subscriptions', 'GET', `/v1/apps/tenant-b`],
      ['subscriptions', 'GET', `/v1/apps/${b.id}/endpoints`],
      ['subscriptions', 'POST', `/v1/apps/${b.id}/endpoints`, { url: receiver.url }],
      ['subscriptions', 'GET', ep],
      ['subscriptions', 'PATCH', ep, { description: 'taken over' }],
      ['subscriptions', 'GET', `${ep}/secret`],
      ['subscriptions', 'POST', `${ep}/secret/rotate`, {}],
      ['subscriptions', 'POST', `${ep}/test`, {}],
      ['subscriptions', 'POST', `${ep}/enable`],
      ['subscriptions', 'POST', `${ep}/replay`, { since: '2020-01-01T00:00:00Z' }],
      ['subscriptions', 'GET', `${ep}/stats`],
      ['subscriptions', 'DELETE', ep],
      ['subscriptions', 'GET', `/v1/apps/${b.id}/deliveries`],
      ['subscriptions', 'GET', `/v1/apps/${b.id}/deliveries/${b.deliveryId}`],
      ['subscriptions', 'POST', `/v1/apps/${b.id}/deliveries/${b.deliveryId}/retry`],
      ['subscriptions', 'GET', `/v1/apps/${b.id}/events`],
      ['subscriptions', 'GET', `/v1/apps/${b.id}/events/${b.eventId}`],
      ['ingest', 'POST', `/v1/apps/${b.id}/events`, { eventType: 'user.created', payload: {} }],
      ['ingest', 'POST', `/v1/apps/tenant-b/events/batch`, { events: [{ eventType: 'user.created', payload: {} }] }],
      // A's own objects under B's path are not found either.
      ['subscriptions', 'GET', `/v1/apps/${b.id}/endpoints/${a.endpointId}`],
    ];
    for (const [app, method, path, body] of routes) {
      const response = await stack.request(app, method, path, body, as(a.token));
      expect([method, path, response.status]).toEqual([method, path, 404]);
      expect(response.body?.detail).not.toContain(b.id);
    }
    // Nothing of B changed.
    const endpoint = await stack.request('subscriptions', 'GET', ep);
    expect(endpoint.body).toMatchObject({ id: b.endpointId, description: '' });
    expect((await stack.request('subscriptions', 'GET', `/v1/apps/${b.id}/endpoints`)).body?.data).toHaveLength(1);
  });

  it("also hides another app's objects under the token's own app path", async () => {
    for (const path of [
      `/v1/apps/${a.id}/endpoints/${b.endpointId}`,
      `/v1/apps/${a.id}/deliveries/${b.deliveryId}`,
      `/v1/apps/${a.id}/events/${b.eventId}`,
    ]) {
      expect((await stack.request('subscriptions', 'GET', path, undefined, as(a.token))).status).toBe(404);
    }
    const deliveries = await stack.request('subscriptions', 'GET', `/v1/apps/${a.id}/deliveries`, undefined, as(a.token));
    expect(deliveries.body?.data.map((d: { appId: string }) => d.appId)).toEqual([a.id]);
  });

  it('answers 403 to an app token on admin-only routes', async () => {
    const routes: [string, string, unknown?][] = [
      ['GET', '/v1/apps'],
      ['POST', '/v1/apps', { name: 'sneaky' }],
      ['PATCH', `/v1/apps/${a.id}`, { name: 'renamed' }],
      ['DELETE', `/v1/apps/${a.id}`],
      ['POST', `/v1/apps/${a.id}/tokens`, {}],
      ['GET', `/v1/apps/${a.id}/tokens`],
      ['DELETE', `/v1/apps/${a.id}/tokens/${a.tokenId}`],
      ['POST', '/v1/event-types', { name: 'user.created' }],
      ['PATCH', '/v1/event-types/user.created', { deprecated: true }],
      ['DELETE', '/v1/event-types/user.created'],
    ];
    for (const [method, path, body] of routes) {
      const response = await stack.request('subscriptions', method, path, body, as(a.token));
      expect([method, path, response.status]).toEqual([method, path, 403]);
    }
    expect((await stack.request('subscriptions', 'GET', `/v1/apps/${a.id}`)).body?.name).toBe('tenant-a');
    expect((await stack.request('subscriptions', 'GET', '/v1/event-types', undefined, as(a.token))).status).toBe(200);
  });

  it("confines an app token's WebSocket feed to its app", async () => {
    const gateway = stack.url('realtime-gateway').replace('http', 'ws');
    await expect(FeedClient.connect(`${gateway}/ws?token=hrld_not-a-real-token`)).rejects.toThrow('401');
    const feedA = await FeedClient.connect(`${gateway}/ws?token=${a.token}`);
    const feedAdmin = await FeedClient.connect(`${gateway}/ws?api_key=${stack.env.token}`);
    try {
      feedA.send({ type: 'subscribe', eventTypes: ['*'], appId: b.id });
      await eventually(async () => feedA.find((m) => m.type === 'error' && m.message === 'app not found'));
      // Its own app, by uid as in the REST paths, is fine.
      feedA.send({ type: 'subscribe', eventTypes: ['*'], appId: 'tenant-a' });
      await eventually(async () => feedA.find((m) => m.type === 'subscribed' && m.appId === a.id));
      // Without an appId, only the token itself confines the feed.
      feedA.send({ type: 'subscribe', eventTypes: ['*'] });
      await eventually(async () => feedA.find((m) => m.type === 'subscribed' && m.appId === null));
      await stack.request('ingest', 'POST', `/v1/apps/${b.id}/events`, { eventType: 'order.placed', payload: { n: 1 } });
      await stack.request('ingest', 'POST', `/v1/apps/${a.id}/events`, { eventType: 'order.placed', payload: { n: 2 } });
      await eventually(async () => feedAdmin.messages.filter((m) => m.type === 'order.placed').length === 2);
      await eventually(async () => feedA.find((m) => m.type === 'order.placed'));
      // Give B's event (published first) every chance to have arrived.
      await eventually(async () => feedA.find((m) => m.type === 'delivery.succeeded' && m.payload?.eventId !== a.eventId));
      const appIds = new Set(feedA.messages.filter((m) => m.appId).map((m) => m.appId as string));
      expect([...appIds]).toEqual([a.id]);
    } finally {
      feedA.close();
      feedAdmin.close();
    }
  });

  it("replays only the token's app when its feed catches up with since", async () => {
    const gateway = stack.url('realtime-gateway').replace('http', 'ws');
    const feed = await FeedClient.connect(`${gateway}/ws?token=${a.token}`);
    try {
      // From the start of both streams: both apps' events and outcomes are there to replay.
      feed.send({ type: 'subscribe', eventTypes: ['*'], since: '0.0' });
      const caughtUp = await eventually(async () => feed.find((m) => m.type === 'caught-up'));
      expect(caughtUp.replayed).toBeGreaterThan(0);
      expect(feed.find((m) => m.eventId === a.eventId)).toBeDefined();
      const appIds = new Set(feed.messages.filter((m) => m.appId).map((m) => m.appId as string));
      expect([...appIds]).toEqual([a.id]);
    } finally {
      feed.close();
    }
  });

  it('refuses an expired or deleted token with 401', async () => {
    const expiring = await stack.request('subscriptions', 'POST', `/v1/apps/${a.id}/tokens`, { expiresInSeconds: 60 });
    expect(Date.parse(expiring.body?.expiresAt as string) - Date.now()).toBeGreaterThan(55_000);
    const token = expiring.body?.token as string;
    expect((await stack.request('subscriptions', 'GET', `/v1/apps/${a.id}`, undefined, as(token))).status).toBe(200);
    await db.query(`UPDATE app_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [expiring.body?.id]);
    await eventually(
      async () => (await stack.request('subscriptions', 'GET', `/v1/apps/${a.id}`, undefined, as(token))).status === 401,
      3000,
    );
    expect((await stack.request('ingest', 'POST', `/v1/apps/${a.id}/events`, { eventType: 'x', payload: {} }, as(token))).status).toBe(401);

    const gateway = stack.url('realtime-gateway').replace('http', 'ws');
    const openFeed = await FeedClient.connect(`${gateway}/ws?token=${b.token}`);
    const closed = new Promise<number>((resolve) => openFeed.socket.once('close', (code) => resolve(code)));
    const deleted = await stack.request('subscriptions', 'DELETE', `/v1/apps/${b.id}/tokens/${b.tokenId}`);
    expect(deleted.status).toBe(204);
    // The feed opened with it is closed at a following heartbeat.
    expect(await closed).toBe(1008);
    expect((await stack.request('subscriptions', 'GET', `/v1/apps/${b.id}`, undefined, as(b.token))).status).toBe(401);
    expect((await stack.request('subscriptions', 'DELETE', `/v1/apps/${b.id}/tokens/${b.tokenId}`)).status).toBe(404);
    // A token of one app cannot be deleted through another app's path.
    expect((await stack.request('subscriptions', 'DELETE', `/v1/apps/${b.id}/tokens/${a.tokenId}`)).status).toBe(404);
  });

  it('validates token requests', async () => {
    const bad = await stack.request('subscriptions', 'POST', `/v1/apps/${a.id}/tokens`, { expiresInSeconds: 5 });
    expect(bad.status).toBe(400);
    expect(bad.body?.errors?.[0]?.field).toBe('expiresInSeconds');
    expect((await stack.request('subscriptions', 'POST', `/v1/apps/app_nope/tokens`, {})).status).toBe(404);
  });
});
