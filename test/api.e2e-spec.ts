import { Receiver } from './support/receiver';
import { AppName, eventually, TestStack } from './support/stack';

const PROBLEM = 'application/problem+json';

describe('the management and ingest APIs: auth, validation and errors', () => {
  let stack: TestStack;
  let appId: string;

  beforeAll(async () => {
    stack = await TestStack.start();
    appId = (await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'API tests', uid: 'api' })).body?.id as string;
  });

  afterAll(async () => {
    await stack?.close();
  });

  const routes: [AppName, string, string][] = [
    ['subscriptions', 'GET', '/v1/apps'],
    ['subscriptions', 'POST', '/v1/apps'],
    ['subscriptions', 'GET', '/v1/apps/api/endpoints'],
    ['subscriptions', 'GET', '/v1/apps/api/deliveries'],
    ['ingest', 'POST', '/v1/apps/api/events'],
  ];

  it.each(routes)('%s %s %s answers 401 without a valid token', async (app, method, path) => {
    for (const authorization of [undefined, 'Bearer wrong-token-wrong-token', `Basic ${stack.env.token}`]) {
      const response = await fetch(`${stack.url(app)}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: method === 'POST' ? '{}' : undefined,
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain(PROBLEM);
    }
  });

  it('serves health routes without a token on every app', async () => {
    for (const app of ['subscriptions', 'ingest', 'dispatcher', 'realtime-gateway'] as AppName[]) {
      expect((await fetch(`${stack.url(app)}/health/live`)).status).toBe(200);
      const ready = await fetch(`${stack.url(app)}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', info: { nats: { status: 'up' } } });
    }
    const dispatcher = (await (await fetch(`${stack.url('dispatcher')}/health/ready`)).json()) as { info: Record<string, unknown> };
    expect(Object.keys(dispatcher.info).sort()).toEqual(['delivery-consumer', 'endpoint-config', 'fanout-consumer', 'nats', 'postgres']);
  });

  it('names the bad field in a 400 problem+json', async () => {
    const cases: [AppName, string, unknown, string][] = [
      ['subscriptions', '/v1/apps', {}, 'name'],
      ['subscriptions', '/v1/apps', { name: 'x', uid: 'app_looks_like_an_id' }, 'uid'],
      ['subscriptions', '/v1/apps', { name: 'x', metadata: { a: 1 } }, 'metadata'],
      ['subscriptions', '/v1/apps/api/endpoints', { url: 'ftp://example.com' }, 'url'],
      ['subscriptions', '/v1/apps/api/endpoints', { url: 'not a url' }, 'url'],
      ['subscriptions', '/v1/apps/api/endpoints', { url: 'https://example.com', eventTypes: ['user created'] }, 'eventTypes'],
      ['subscriptions', '/v1/apps/api/endpoints', { url: 'https://example.com', eventTypes: [] }, 'eventTypes'],
      ['subscriptions', '/v1/apps/api/endpoints', { url: 'https://example.com', timeoutMs: 10 }, 'timeoutMs'],
      ['subscriptions', '/v1/apps/api/endpoints', { url: 'https://example.com', secret: 'short' }, 'secret'],
      ['subscriptions', '/v1/apps/api/endpoints', { url: 'https://example.com', headers: { 'webhook-id': 'x' } }, 'headers'],
      ['subscriptions', '/v1/apps/api/endpoints', { url: 'https://example.com', unknownField: true }, 'unknownField'],
      ['ingest', '/v1/apps/api/events', { eventType: 'user.created', payload: [1, 2] }, 'payload'],
      ['ingest', '/v1/apps/api/events', { eventType: 'user..created', payload: {} }, 'eventType'],
      ['ingest', '/v1/apps/api/events', { eventType: 'user.created', payload: {}, occurredAt: 'yesterday' }, 'occurredAt'],
      ['ingest', '/v1/apps/api/events', 'not json', 'body'],
    ];
    for (const [app, path, body, field] of cases) {
      const response = await stack.request(app, 'POST', path, body);
      expect({ path, body, status: response.status }).toEqual({ path, body, status: 400 });
      expect(response.headers.get('content-type')).toContain(PROBLEM);
      expect(response.body).toMatchObject({ status: 400, type: expect.any(String), title: 'Bad Request' });
      expect((response.body?.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    }
  });

  it('answers 400 naming the fields when the body is missing or not JSON', async () => {
    for (const [app, path, required] of [
      ['subscriptions', '/v1/apps', 'name'],
      ['ingest', '/v1/apps/api/events', 'eventType'],
    ] as [AppName, string, string][]) {
      for (const headers of [{}, { 'content-type': 'text/plain' }]) {
        const response = await fetch(`${stack.url(app)}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${stack.env.token}`, ...headers },
          body: 'content' in headers ? 'name=x' : undefined,
        });
        expect({ path, headers, status: response.status }).toEqual({ path, headers, status: 400 });
        expect(response.headers.get('content-type')).toContain(PROBLEM);
        const problem = (await response.json()) as { errors: { field: string }[] };
        expect(problem.errors.map((e) => e.field)).toContain(required);
      }
    }
  });

  it('answers 413 for a body over HERALD_MAX_PAYLOAD_BYTES', async () => {
    const payload = { blob: 'x'.repeat(stack.env.config.maxPayloadBytes) };
    const response = await stack.request('ingest', 'POST', '/v1/apps/api/events', { eventType: 'big.one', payload });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain(PROBLEM);
  });

  it('answers 404 for unknown apps, endpoints and deliveries', async () => {
    const paths: [AppName, string, string][] = [
      ['subscriptions', 'GET', '/v1/apps/app_00000000000000000000000000'],
      ['subscriptions', 'GET', '/v1/apps/no-such-app/endpoints'],
      ['subscriptions', 'GET', '/v1/apps/api/endpoints/ep_00000000000000000000000000'],
      ['subscriptions', 'GET', '/v1/apps/api/endpoints/whatever/secret'],
      ['subscriptions', 'GET', '/v1/apps/api/deliveries/dlv_00000000000000000000000000'],
      ['subscriptions', 'DELETE', '/v1/apps/api/endpoints/ep_00000000000000000000000000'],
      ['ingest', 'POST', '/v1/apps/no-such-app/events'],
    ];
    for (const [app, method, path] of paths) {
      const response = await stack.request(app, method, path, method === 'POST' ? { eventType: 'a.b', payload: {} } : undefined);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expect(response.headers.get('content-type')).toContain(PROBLEM);
    }
  });

  it('pages apps newest first with a cursor and rejects a forged cursor', async () => {
    for (const name of ['p1', 'p2', 'p3']) await stack.request('subscriptions', 'POST', '/v1/apps', { name });
    const first = await stack.request('subscriptions', 'GET', '/v1/apps?limit=2');
    expect(first.body?.data.map((a: { name: string }) => a.name)).toEqual(['p3', 'p2']);
    const second = await stack.request('subscriptions', 'GET', `/v1/apps?limit=2&cursor=${first.body?.nextCursor}`);
    expect(second.body?.data.map((a: { name: string }) => a.name)).toEqual(['p1', 'API tests']);
    expect(second.body?.nextCursor).toBeNull();
    const forged = await stack.request('subscriptions', 'GET', '/v1/apps?cursor=bm9wZQ');
    expect(forged.status).toBe(400);
    expect(forged.body?.errors[0].field).toBe('cursor');
    expect((await stack.request('subscriptions', 'GET', '/v1/apps?limit=251')).status).toBe(400);
  });

  it('refuses a duplicate uid with 409 and resolves apps by uid', async () => {
    const clash = await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'again', uid: 'api' });
    expect(clash.status).toBe(409);
    expect((await stack.request('subscriptions', 'GET', '/v1/apps/api')).body?.id).toBe(appId);
    const renamed = await stack.request('subscriptions', 'PATCH', '/v1/apps/api', { name: 'Renamed' });
    expect(renamed.body).toMatchObject({ id: appId, name: 'Renamed', uid: 'api' });
  });

  it('updates, filters, disables and deletes endpoints, and the dispatcher follows each change', async () => {
    const receiver = await new Receiver().start();
    try {
      const created = await stack.request('subscriptions', 'POST', '/v1/apps/api/endpoints', {
        url: receiver.url,
        eventTypes: ['a.*'],
        description: 'first',
      });
      const id = created.body?.id as string;
      expect(created.body).toMatchObject({
        eventTypes: ['a.*'],
        disabled: false,
        disabledReason: null,
        timeoutMs: 15000,
        maxConcurrency: 16,
      });

      const filtered = await stack.request('subscriptions', 'GET', '/v1/apps/api/endpoints?eventType=a.*&disabled=false');
      expect(filtered.body?.data.map((e: { id: string }) => e.id)).toEqual([id]);

      const patched = await stack.request('subscriptions', 'PATCH', `/v1/apps/api/endpoints/${id}`, { eventTypes: ['b.*'] });
      expect(patched.body?.eventTypes).toEqual(['b.*']);
      await stack.request('ingest', 'POST', '/v1/apps/api/events', { eventType: 'a.one', payload: {} });
      await stack.request('ingest', 'POST', '/v1/apps/api/events', { eventType: 'b.one', payload: {} });
      await eventually(async () => receiver.requests.length === 1);

      const disabled = await stack.request('subscriptions', 'PATCH', `/v1/apps/api/endpoints/${id}`, { disabled: true });
      expect(disabled.body).toMatchObject({ disabled: true, disabledReason: 'manual' });
      await stack.request('ingest', 'POST', '/v1/apps/api/events', { eventType: 'b.two', payload: {} });

      await stack.request('subscriptions', 'PATCH', `/v1/apps/api/endpoints/${id}`, { disabled: false });
      expect((await stack.request('subscriptions', 'DELETE', `/v1/apps/api/endpoints/${id}`)).status).toBe(204);
      expect((await stack.request('subscriptions', 'GET', `/v1/apps/api/endpoints/${id}`)).status).toBe(404);
      await stack.request('ingest', 'POST', '/v1/apps/api/events', { eventType: 'b.three', payload: {} });

      // A marker endpoint proves the dispatcher processed everything published before it.
      const marker = await new Receiver().start();
      await stack.request('subscriptions', 'POST', '/v1/apps/api/endpoints', { url: marker.url, eventTypes: ['marker'] });
      await stack.request('ingest', 'POST', '/v1/apps/api/events', { eventType: 'marker', payload: {} });
      await eventually(async () => marker.requests.length === 1);
      await marker.stop();
      expect(receiver.requests.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual(['b.one']);
    } finally {
      await receiver.stop();
    }
  });

  it('treats a repeated event id as a duplicate and delivers it once', async () => {
    const receiver = await new Receiver().start();
    try {
      await stack.request('subscriptions', 'POST', '/v1/apps/api/endpoints', { url: receiver.url, eventTypes: ['dup.*'] });
      const first = await stack.request('ingest', 'POST', '/v1/apps/api/events', {
        id: 'order-42',
        eventType: 'dup.check',
        payload: { n: 1 },
      });
      const again = await stack.request('ingest', 'POST', '/v1/apps/api/events', {
        id: 'order-42',
        eventType: 'dup.check',
        payload: { n: 1 },
      });
      expect(first.body).toMatchObject({ id: 'order-42', duplicate: false });
      expect(again.body).toMatchObject({ id: 'order-42', duplicate: true });
      await eventually(async () => receiver.requests.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });

  it('deletes an app with its endpoints', async () => {
    const app = await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'short-lived' });
    await stack.request('subscriptions', 'POST', `/v1/apps/${app.body?.id}/endpoints`, { url: 'https://example.com/hook' });
    expect((await stack.request('subscriptions', 'DELETE', `/v1/apps/${app.body?.id}`)).status).toBe(204);
    expect((await stack.request('subscriptions', 'GET', `/v1/apps/${app.body?.id}/endpoints`)).status).toBe(404);
    expect((await stack.request('ingest', 'POST', `/v1/apps/${app.body?.id}/events`, { eventType: 'a.b', payload: {} })).status).toBe(404);
  });

  it('never answers 5xx to random input', async () => {
    // A deterministic generator keeps failures reproducible.
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
    const values = [
      null,
      true,
      0,
      -1,
      1e308,
      '',
      'x'.repeat(3000),
      '\u0000',
      '../../etc',
      [],
      [null],
      {},
      { a: { b: [] } },
      'https://example.com',
      '*',
    ];
    const fields = [
      'name',
      'uid',
      'metadata',
      'url',
      'eventTypes',
      'channels',
      'disabled',
      'headers',
      'secret',
      'timeoutMs',
      'retrySchedule',
      'rateLimit',
      'eventType',
      'payload',
      'id',
      'occurredAt',
    ];
    const targets: [AppName, string, string][] = [
      ['subscriptions', 'POST', '/v1/apps'],
      ['subscriptions', 'PATCH', '/v1/apps/api'],
      ['subscriptions', 'POST', '/v1/apps/api/endpoints'],
      ['subscriptions', 'GET', '/v1/apps/api/deliveries'],
      ['subscriptions', 'GET', '/v1/apps/api/endpoints'],
      ['ingest', 'POST', '/v1/apps/api/events'],
    ];
    for (let i = 0; i < 120; i += 1) {
      const [app, method, path] = pick(targets);
      const body = Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 4) }, () => [pick(fields), pick(values)]));
      const query = `?${pick(['limit', 'cursor', 'status', 'eventType', 'disabled'])}=${encodeURIComponent(JSON.stringify(pick(values)))}`;
      const target = method === 'GET' ? `${path}${query}` : path;
      const response = await stack.request(app, method, target, method === 'GET' ? undefined : body);
      expect({ target, body, status: response.status < 500 }).toEqual({ target, body, status: true });
    }
  });
});
