import { credentials, loadPackageDefinition, Metadata, ServiceError, status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import { Receiver } from './support/receiver';
import { eventually, TestStack } from './support/stack';

// An outside client: the project's .proto files, loaded with the options grpc.io recommends.
const PROTO_DIR = join(__dirname, '..', 'libs', 'contracts', 'proto');
const LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
const herald = (
  loadPackageDefinition(
    loadSync(['herald/v1/ingest.proto', 'herald/v1/subscriptions.proto'], { ...LOADER_OPTIONS, includeDirs: [PROTO_DIR] }),
  ) as any
).herald.v1;
const reflectionProto = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
const reflection = (loadPackageDefinition(loadSync(reflectionProto, LOADER_OPTIONS)) as any).grpc.reflection.v1;

type Json = Record<string, any>;

/** A JSON value as google.protobuf.Value. */
function toValue(value: unknown): Json {
  if (value === null) return { nullValue: 'NULL_VALUE' };
  if (Array.isArray(value)) return { listValue: { values: value.map(toValue) } };
  if (typeof value === 'object') return { structValue: toStruct(value) };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'string') return { stringValue: value };
  throw new Error(`not JSON: ${typeof value}`);
}

/** A JSON object as google.protobuf.Struct. */
function toStruct(object: Json): Json {
  return { fields: Object.fromEntries(Object.entries(object).map(([key, value]) => [key, toValue(value)])) };
}

/** The problem+json body a failed call carries in its `herald-problem` trailing metadata. */
function problemOf(error: ServiceError): Json {
  const [value] = error.metadata.get('herald-problem');
  return JSON.parse(String(value)) as Json;
}

describe('gRPC: the ingest and subscriptions services, called like an outside client would', () => {
  let stack: TestStack;
  let receiver: Receiver;
  let ingest: any;
  let subscriptions: any;
  let appId: string;
  let otherAppId: string;
  let appToken: string;

  /** One unary call; `token` null sends no authorization metadata. */
  function call<T = Json>(client: any, method: string, request: object, token: string | null = stack.env.token, raw?: string): Promise<T> {
    const metadata = new Metadata();
    if (raw !== undefined) metadata.set('authorization', raw);
    else if (token !== null) metadata.set('authorization', `Bearer ${token}`);
    return new Promise((resolve, reject) =>
      client[method](request, metadata, (error: ServiceError | null, response: T) => (error ? reject(error) : resolve(response))),
    );
  }

  /** The error of a call that must fail. */
  async function failure(promise: Promise<unknown>): Promise<ServiceError> {
    const outcome = await promise.then(
      () => null,
      (error: ServiceError) => error,
    );
    if (!outcome) throw new Error('the call succeeded');
    return outcome;
  }

  beforeAll(async () => {
    // A rate limit of 50 events/s (bursts of 100) that only the rate-limit test reaches.
    stack = await TestStack.start(['subscriptions', 'ingest', 'dispatcher'], { HERALD_INGEST_RATE_LIMIT: '50' });
    receiver = await new Receiver().start();
    ingest = new herald.IngestService(stack.grpcAddress('ingest'), credentials.createInsecure());
    subscriptions = new herald.SubscriptionsService(stack.grpcAddress('subscriptions'), credentials.createInsecure());
    appId = (await call(subscriptions, 'CreateApp', { name: 'gRPC tests', uid: 'grpc' })).id;
    otherAppId = (await call(subscriptions, 'CreateApp', { name: 'Someone else' })).id;
    appToken = (await stack.request('subscriptions', 'POST', `/v1/apps/${appId}/tokens`, {})).body?.token as string;
  });

  afterAll(async () => {
    ingest?.close();
    subscriptions?.close();
    await receiver?.stop();
    await stack?.close();
  });

  it('binds both servers to 127.0.0.1 on ports of their own', () => {
    expect(stack.grpcAddress('ingest')).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(stack.grpcAddress('subscriptions')).not.toBe(stack.grpcAddress('ingest'));
  });

  it('lists each service, and serves its descriptor, through server reflection', async () => {
    for (const [name, service] of [
      ['ingest', 'herald.v1.IngestService'],
      ['subscriptions', 'herald.v1.SubscriptionsService'],
    ] as const) {
      const client = new reflection.ServerReflection(stack.grpcAddress(name), credentials.createInsecure());
      const stream = client.ServerReflectionInfo();
      const answers: Json[] = [];
      const done = new Promise<void>((resolve, reject) => {
        stream.on('data', (answer: Json) => answers.push(answer));
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      stream.write({ list_services: '' });
      stream.write({ file_containing_symbol: service });
      stream.end();
      await done;
      client.close();
      expect(answers.map((a) => a.message_response)).toEqual(['list_services_response', 'file_descriptor_response']);
      const services = (answers[0].list_services_response.service as { name: string }[]).map((s) => s.name);
      expect(services).toContain(service);
      expect(services.filter((s) => s.startsWith('herald.'))).toEqual([service]);
      const files = answers[1].file_descriptor_response.file_descriptor_proto as Buffer[];
      expect(files.length).toBeGreaterThan(0);
      expect(Buffer.concat(files).toString('latin1')).toContain(service.split('.').pop());
    }
  });

  describe('auth, as in REST', () => {
    it('answers UNAUTHENTICATED without a valid bearer token', async () => {
      for (const [client, method, request] of [
        [subscriptions, 'ListApps', {}],
        [subscriptions, 'GetApp', { app_id: appId }],
        [ingest, 'Publish', { app_id: appId, event_type: 'user.created', payload: toStruct({}) }],
      ] as const) {
        for (const attempt of [
          call(client, method, request, null),
          call(client, method, request, 'wrong-token-wrong-token'),
          call(client, method, request, null, `Basic ${stack.env.token}`),
          call(client, method, request, null, stack.env.token),
        ]) {
          const error = await failure(attempt);
          expect({ method, code: error.code }).toEqual({ method, code: status.UNAUTHENTICATED });
          expect(error.details).toBe('a valid bearer token is required');
          expect(problemOf(error)).toMatchObject({ status: 401, type: 'urn:herald:problem:unauthorized' });
        }
      }
    });

    it('refuses an app token on admin-only methods with PERMISSION_DENIED', async () => {
      for (const [method, request] of [
        ['CreateApp', { name: 'nope' }],
        ['ListApps', {}],
        ['UpdateApp', { app_id: appId, name: 'nope' }],
        ['DeleteApp', { app_id: appId }],
      ] as const) {
        const error = await failure(call(subscriptions, method, request, appToken));
        expect({ method, code: error.code }).toEqual({ method, code: status.PERMISSION_DENIED });
        expect(problemOf(error).status).toBe(403);
      }
      expect((await call(subscriptions, 'GetApp', { app_id: appId })).name).toBe('gRPC tests');
    });

    it("answers NOT_FOUND to an app token for another app's objects, and serves its own", async () => {
      for (const [client, method, request] of [
        [subscriptions, 'GetApp', { app_id: otherAppId }],
        [subscriptions, 'ListEndpoints', { app_id: otherAppId }],
        [subscriptions, 'CreateEndpoint', { app_id: otherAppId, url: 'https://example.com/hook' }],
        [subscriptions, 'ListDeliveries', { app_id: otherAppId }],
        [ingest, 'Publish', { app_id: otherAppId, event_type: 'user.created', payload: toStruct({}) }],
        [ingest, 'PublishBatch', { app_id: otherAppId, events: [{ event_type: 'user.created', payload: toStruct({}) }] }],
      ] as const) {
        const error = await failure(call(client, method, request, appToken));
        expect({ method, code: error.code }).toEqual({ method, code: status.NOT_FOUND });
        expect(error.details).toBe('app not found');
      }
      expect((await call(subscriptions, 'GetApp', { app_id: 'grpc' }, appToken)).id).toBe(appId);
      const published = await call(ingest, 'Publish', { app_id: appId, event_type: 'audit.checked', payload: toStruct({}) }, appToken);
      expect(published).toMatchObject({ event_type: 'audit.checked', duplicate: false });
    });
  });

  describe('validation, as in REST', () => {
    /** The REST answer to the same input: status and field errors. */
    async function rest(app: 'subscriptions' | 'ingest', path: string, body: unknown) {
      const response = await stack.request(app, 'POST', path, body);
      return { status: response.status, detail: response.body?.detail, errors: response.body?.errors };
    }

    it('answers INVALID_ARGUMENT naming the field with the REST message', async () => {
      const cases: [any, string, Json, 'subscriptions' | 'ingest', string, unknown, string][] = [
        [subscriptions, 'CreateApp', {}, 'subscriptions', '/v1/apps', {}, 'name'],
        [
          subscriptions,
          'CreateApp',
          { name: 'x', uid: 'app_looks_like_an_id' },
          'subscriptions',
          '/v1/apps',
          { name: 'x', uid: 'app_looks_like_an_id' },
          'uid',
        ],
        [
          subscriptions,
          'CreateEndpoint',
          { app_id: appId, url: 'ftp://example.com' },
          'subscriptions',
          `/v1/apps/${appId}/endpoints`,
          { url: 'ftp://example.com' },
          'url',
        ],
        [
          subscriptions,
          'CreateEndpoint',
          { app_id: appId, url: 'https://example.com', timeout_ms: 10, event_types: ['user created'] },
          'subscriptions',
          `/v1/apps/${appId}/endpoints`,
          { url: 'https://example.com', timeoutMs: 10, eventTypes: ['user created'] },
          'timeoutMs',
        ],
        [
          subscriptions,
          'CreateEndpoint',
          { app_id: appId, url: 'https://example.com', headers: { 'webhook-id': 'x' } },
          'subscriptions',
          `/v1/apps/${appId}/endpoints`,
          { url: 'https://example.com', headers: { 'webhook-id': 'x' } },
          'headers',
        ],
        [
          subscriptions,
          'CreateEndpoint',
          { app_id: appId, url: 'https://example.com', signature: { scheme: 'hmac-sha256' } },
          'subscriptions',
          `/v1/apps/${appId}/endpoints`,
          { url: 'https://example.com', signature: { scheme: 'hmac-sha256' } },
          'signature',
        ],
        [
          ingest,
          'Publish',
          { app_id: appId, event_type: 'user..created', payload: toStruct({}) },
          'ingest',
          `/v1/apps/${appId}/events`,
          { eventType: 'user..created', payload: {} },
          'eventType',
        ],
        [
          ingest,
          'Publish',
          { app_id: appId, event_type: 'user.created' },
          'ingest',
          `/v1/apps/${appId}/events`,
          { eventType: 'user.created' },
          'payload',
        ],
        [
          ingest,
          'Publish',
          { app_id: appId, event_type: 'user.created', payload: toStruct({}), occurred_at: 'yesterday' },
          'ingest',
          `/v1/apps/${appId}/events`,
          { eventType: 'user.created', payload: {}, occurredAt: 'yesterday' },
          'occurredAt',
        ],
      ];
      for (const [client, method, request, app, path, body, field] of cases) {
        const error = await failure(call(client, method, request));
        const expected = await rest(app, path, body);
        expect(expected.status).toBe(400);
        expect({ method, field, code: error.code }).toEqual({ method, field, code: status.INVALID_ARGUMENT });
        expect(error.details).toBe(expected.detail);
        const problem = problemOf(error);
        expect(problem).toMatchObject({ status: 400, title: 'Bad Request', detail: expected.detail });
        expect(problem.errors).toEqual(expected.errors);
        expect((problem.errors as { field: string }[]).map((e) => e.field)).toContain(field);
      }
    });

    it('checks list parameters and update masks', async () => {
      const limit = await failure(call(subscriptions, 'ListApps', { limit: 0 }));
      expect(limit.code).toBe(status.INVALID_ARGUMENT);
      const restLimit = await stack.request('subscriptions', 'GET', '/v1/apps?limit=0');
      expect(problemOf(limit).errors).toEqual(restLimit.body?.errors);

      const status_ = await failure(call(subscriptions, 'ListDeliveries', { app_id: appId, status: 'lost' }));
      expect(status_.code).toBe(status.INVALID_ARGUMENT);
      expect(problemOf(status_).errors.map((e: Json) => e.field)).toEqual(['status']);

      const cursor = await failure(call(subscriptions, 'ListEndpoints', { app_id: appId, cursor: 'bm90LWEtY3Vyc29y' }));
      expect(cursor.code).toBe(status.INVALID_ARGUMENT);
      expect(problemOf(cursor).errors).toEqual([{ field: 'cursor', message: 'cursor is not one this API returned' }]);

      const mask = await failure(call(subscriptions, 'UpdateApp', { app_id: appId, update_mask: { paths: ['colour'] } }));
      expect(mask.code).toBe(status.INVALID_ARGUMENT);
      expect(problemOf(mask).errors.map((e: Json) => e.field)).toEqual(['updateMask']);
    });

    it('answers INVALID_ARGUMENT (413 in the problem) to a payload over HERALD_MAX_PAYLOAD_BYTES', async () => {
      const error = await failure(
        call(ingest, 'Publish', { app_id: appId, event_type: 'user.created', payload: toStruct({ blob: 'x'.repeat(70_000) }) }),
      );
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(problemOf(error)).toMatchObject({ status: 413, errors: [{ field: 'payload', message: 'must be at most 65536 bytes' }] });
    });

    it('answers RESOURCE_EXHAUSTED with retry-after past the rate limit, as REST answers 429 with Retry-After', async () => {
      // An app of its own, so its bucket is full (50/s, bursts of 100) whatever the other tests sent:
      // the first batch passes into debt, and the next ones are refused for about two seconds.
      const limited = (await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'rate limited' })).body?.id as string;
      const events = Array.from({ length: 101 }, () => ({ event_type: 'user.created', payload: toStruct({}) }));
      await call(ingest, 'PublishBatch', { app_id: limited, events });
      const error = await failure(call(ingest, 'PublishBatch', { app_id: limited, events }));
      expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(Number(error.metadata.get('retry-after')[0])).toBeGreaterThanOrEqual(1);
      expect(problemOf(error).status).toBe(429);
      const response = await stack.request('ingest', 'POST', `/v1/apps/${limited}/events/batch`, {
        events: events.map(() => ({ eventType: 'user.created', payload: {} })),
      });
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Gone again: the app listing below counts this file's apps.
      expect((await stack.request('subscriptions', 'DELETE', `/v1/apps/${limited}`)).status).toBe(204);
    });
  });

  it('manages apps: create, get by id or uid, list, update (also through an update mask), delete', async () => {
    const created = await call(subscriptions, 'CreateApp', { name: 'Shop', uid: 'grpc-shop', metadata: { team: 'payments' } });
    expect(created).toMatchObject({ name: 'Shop', uid: 'grpc-shop', metadata: { team: 'payments' } });
    expect(created.id).toMatch(/^app_/);
    expect(new Date(created.created_at).toISOString()).toBe(created.created_at);
    expect(await call(subscriptions, 'GetApp', { app_id: 'grpc-shop' })).toEqual(created);
    expect((await stack.request('subscriptions', 'GET', `/v1/apps/${created.id}`)).body).toEqual({
      id: created.id,
      uid: 'grpc-shop',
      name: 'Shop',
      metadata: { team: 'payments' },
      createdAt: created.created_at,
      updatedAt: created.updated_at,
    });

    const taken = await failure(call(subscriptions, 'CreateApp', { name: 'Copy', uid: 'grpc-shop' }));
    expect(taken.code).toBe(status.ALREADY_EXISTS);
    expect(problemOf(taken).errors).toEqual([{ field: 'uid', message: 'uid is already used by another app' }]);

    const page = await call(subscriptions, 'ListApps', { limit: 2 });
    expect(page.apps.map((a: Json) => a.id)).toEqual([created.id, otherAppId]);
    expect(page.next_cursor).toEqual(expect.any(String));
    const rest = await call(subscriptions, 'ListApps', { limit: 250, cursor: page.next_cursor });
    expect(rest.apps.map((a: Json) => a.id)).toContain(appId);
    expect(rest.next_cursor).toBeUndefined();

    const renamed = await call(subscriptions, 'UpdateApp', { app_id: created.id, name: 'Shop 2' });
    expect(renamed).toMatchObject({ name: 'Shop 2', uid: 'grpc-shop', metadata: { team: 'payments' } });
    const emptied = await call(subscriptions, 'UpdateApp', { app_id: created.id, update_mask: { paths: ['metadata', 'uid'] } });
    expect(emptied).toMatchObject({ name: 'Shop 2', metadata: {} });
    expect(emptied.uid).toBeUndefined();
    expect((await stack.request('subscriptions', 'GET', `/v1/apps/${created.id}`)).body).toMatchObject({ uid: null, metadata: {} });

    expect(await call(subscriptions, 'DeleteApp', { app_id: created.id })).toEqual({});
    expect((await failure(call(subscriptions, 'GetApp', { app_id: created.id }))).code).toBe(status.NOT_FOUND);
  });

  it('manages endpoints: create with defaults, get, list with filters, update, delete', async () => {
    const created = await call(subscriptions, 'CreateEndpoint', {
      app_id: 'grpc',
      url: 'https://example.com/orders',
      event_types: ['order.*'],
      metadata: { owner: 'ops' },
      headers: { 'x-source': 'herald' },
      signature: { scheme: 'hmac-sha256', header: 'X-Signature', encoding: 'hex' },
      batch: { max_size: 10, max_wait_ms: 500 },
      rate_limit: 5,
      retry_schedule: [1, 2],
      name: 'Orders',
      id_header: 'X-Event-Id',
      retry_jitter: 0,
      disable_on_exhaustion: true,
    });
    expect(created).toMatchObject({
      name: 'Orders',
      id_header: 'X-Event-Id',
      retry_jitter: 0,
      disable_on_exhaustion: true,
      app_id: appId,
      url: 'https://example.com/orders',
      type: 'webhook',
      signature: { scheme: 'hmac-sha256', header: 'X-Signature', encoding: 'hex' },
      body: { envelope: 'standard' },
      batch: { max_size: 10, max_wait_ms: 500 },
      description: '',
      metadata: { owner: 'ops' },
      event_types: ['order.*'],
      channels: [],
      disabled: false,
      headers: { 'x-source': 'herald' },
      rate_limit: 5,
      max_concurrency: 16,
      timeout_ms: 15000,
      retry_schedule: [1, 2],
    });
    expect(created.id).toMatch(/^ep_/);
    expect(created.disabled_reason).toBeUndefined();
    expect(created).not.toHaveProperty('secret');
    const secret = await stack.request('subscriptions', 'GET', `/v1/apps/${appId}/endpoints/${created.id}/secret`);
    expect(secret.body?.secret).toMatch(/^whsec_/);
    expect(await call(subscriptions, 'GetEndpoint', { app_id: appId, endpoint_id: created.id })).toEqual(created);

    const ids = async (request: Json) =>
      (await call(subscriptions, 'ListEndpoints', { app_id: appId, ...request })).endpoints.map((e: Json) => e.id);
    expect(await ids({ event_type: 'order.*' })).toContain(created.id);
    expect(await ids({ event_type: 'user.*' })).not.toContain(created.id);
    expect(await ids({ disabled: true })).not.toContain(created.id);

    const updated = await call(subscriptions, 'UpdateEndpoint', {
      app_id: appId,
      endpoint_id: created.id,
      description: 'orders',
      disabled: true,
    });
    expect(updated).toMatchObject({
      description: 'orders',
      disabled: true,
      disabled_reason: 'manual',
      rate_limit: 5,
      event_types: ['order.*'],
    });
    expect(await ids({ disabled: true })).toContain(created.id);

    const cleared = await call(subscriptions, 'UpdateEndpoint', {
      app_id: appId,
      endpoint_id: created.id,
      channels: ['eu'],
      update_mask: { paths: ['rate_limit', 'batch', 'retry_schedule', 'channels', 'metadata'] },
    });
    expect(cleared).toMatchObject({ channels: ['eu'], retry_schedule: [], metadata: {}, description: 'orders' });
    expect(cleared.rate_limit).toBeUndefined();
    expect(cleared.batch).toBeNull();
    expect((await stack.request('subscriptions', 'GET', `/v1/apps/${appId}/endpoints/${created.id}`)).body).toMatchObject({
      rateLimit: null,
      batch: null,
      retrySchedule: [],
      channels: ['eu'],
      metadata: {},
    });

    const invalid = await failure(call(subscriptions, 'UpdateEndpoint', { app_id: appId, endpoint_id: created.id, max_concurrency: 0 }));
    expect(invalid.code).toBe(status.INVALID_ARGUMENT);
    expect(problemOf(invalid).errors.map((e: Json) => e.field)).toEqual(['maxConcurrency']);

    expect(await call(subscriptions, 'DeleteEndpoint', { app_id: appId, endpoint_id: created.id })).toEqual({});
    const gone = await failure(call(subscriptions, 'GetEndpoint', { app_id: appId, endpoint_id: created.id }));
    expect(gone.code).toBe(status.NOT_FOUND);
    expect(gone.details).toBe('endpoint not found');
  });

  it('publishes an event that reaches the endpoint, then lists, gets and retries its delivery', async () => {
    const endpoint = await call(subscriptions, 'CreateEndpoint', { app_id: appId, url: receiver.url, event_types: ['user.*'] });
    const payload = { id: 42, email: 'ada@example.com', tags: ['a', 1, true, null, 0, false, ''], address: { city: 'London' } };
    const published = await call(ingest, 'Publish', {
      app_id: 'grpc',
      event_type: 'user.created',
      payload: toStruct(payload),
      occurred_at: '2026-01-02T03:04:05.678Z',
    });
    expect(published).toMatchObject({ event_type: 'user.created', occurred_at: '2026-01-02T03:04:05.678Z', duplicate: false });
    const eventId = published.id as string;
    expect(eventId).toMatch(/^evt_/);
    expect(new Date(published.created_at).toISOString()).toBe(published.created_at);

    const first = await eventually(async () => receiver.requests.find((r) => r.headers['webhook-id'] === eventId));
    expect(JSON.parse(first.body)).toEqual({ type: 'user.created', timestamp: '2026-01-02T03:04:05.678Z', data: payload });

    // A repeat with the event's id is a duplicate and delivers nothing again.
    const again = await call(ingest, 'Publish', { app_id: appId, event_type: 'user.created', payload: toStruct(payload), id: eventId });
    expect(again).toMatchObject({ id: eventId, duplicate: true });

    const delivery = await eventually(async () => {
      const page = await call(subscriptions, 'ListDeliveries', { app_id: appId, event_id: eventId });
      return page.deliveries.length === 1 && page.deliveries[0].status === 'succeeded' ? page.deliveries[0] : null;
    });
    expect(delivery).toMatchObject({
      app_id: appId,
      event_id: eventId,
      endpoint_id: endpoint.id,
      event_type: 'user.created',
      attempt_count: 1,
    });
    expect(delivery.id).toMatch(/^dlv_/);
    expect(delivery.attempts).toEqual([]);
    const byEndpoint = await call(subscriptions, 'ListDeliveries', { app_id: appId, endpoint_id: endpoint.id, status: 'succeeded' });
    expect(byEndpoint.deliveries.map((d: Json) => d.id)).toEqual([delivery.id]);

    const detail = await call(subscriptions, 'GetDelivery', { app_id: appId, delivery_id: delivery.id });
    expect(detail.attempts).toHaveLength(1);
    expect(detail.attempts[0]).toMatchObject({ attempt: 1, outcome: 'success', response_status: 200, response_body: 'received 1' });
    expect(detail.attempts[0].error).toBeUndefined();
    expect(detail.attempts[0].request_headers['webhook-id']).toBe(eventId);

    const retry = await call(subscriptions, 'RetryDelivery', { app_id: appId, delivery_id: delivery.id });
    expect(retry).toEqual({ id: delivery.id, attempt: 2 });
    await eventually(async () => receiver.requests.filter((r) => r.headers['webhook-id'] === eventId).length === 2);
    const retried = await eventually(async () => {
      const d = await call(subscriptions, 'GetDelivery', { app_id: appId, delivery_id: delivery.id });
      return d.attempts.length === 2 ? d : null;
    });
    expect(retried.attempts.map((a: Json) => [a.attempt, a.outcome])).toEqual([
      [1, 'success'],
      [2, 'success'],
    ]);

    for (const method of ['GetDelivery', 'RetryDelivery']) {
      const missing = await failure(call(subscriptions, method, { app_id: appId, delivery_id: 'dlv_nope' }));
      expect({ method, code: missing.code, details: missing.details }).toEqual({
        method,
        code: status.NOT_FOUND,
        details: 'delivery not found',
      });
    }
    await call(subscriptions, 'DeleteEndpoint', { app_id: appId, endpoint_id: endpoint.id });
  });

  it('publishes a batch: a result or an error per event, in order, like the REST batch', async () => {
    const events = [
      { event_type: 'order.created', payload: toStruct({ n: 1 }), id: 'evt-batch-1', channels: ['eu'] },
      { event_type: 'order..created', payload: toStruct({ n: 2 }) },
      { event_type: 'order.created', payload: toStruct({ n: 3 }), id: 'evt-batch-1' },
    ];
    const response = await call(ingest, 'PublishBatch', { app_id: appId, events });
    expect(response.results.map((r: Json) => r.result)).toEqual(['published', 'error', 'published']);
    expect(response.results[0].published).toMatchObject({ id: 'evt-batch-1', event_type: 'order.created', duplicate: false });
    expect(response.results[2].published).toMatchObject({ id: 'evt-batch-1', duplicate: true });

    const rest = await stack.request('ingest', 'POST', `/v1/apps/${appId}/events/batch`, {
      events: [{ eventType: 'order..created', payload: { n: 2 } }],
    });
    const restError = rest.body?.data[0].error as Json;
    expect(response.results[1].error).toEqual({
      code: status.INVALID_ARGUMENT,
      http_status: 400,
      detail: restError.detail,
      errors: [{ field: 'events.1.eventType', message: restError.errors[0].message }],
    });

    const empty = await failure(call(ingest, 'PublishBatch', { app_id: appId, events: [] }));
    expect(empty.code).toBe(status.INVALID_ARGUMENT);
    const restEmpty = await stack.request('ingest', 'POST', `/v1/apps/${appId}/events/batch`, { events: [] });
    expect(problemOf(empty).errors).toEqual(restEmpty.body?.errors);
  });
});
