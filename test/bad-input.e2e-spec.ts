import { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, NatsConnection } from '@nats-io/transport-node';
import { Names } from '@herald/contracts';
import { createDataSource } from '@herald/persistence';
import { DataSource } from 'typeorm';
import { AppName, TestStack } from './support/stack';

interface Route {
  app: AppName;
  method: string;
  /** Express syntax: `/v1/apps/:appId/endpoints/:endpointId`. */
  path: string;
}

/** Every route the running app registered (from its Express router), without the operational ones. */
function routesOf(name: AppName, app: INestApplication): Route[] {
  const express = app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  return express.router.stack
    .filter((layer) => layer.route && layer.route.path.startsWith('/v1/'))
    .flatMap((layer) =>
      Object.keys(layer.route?.methods ?? {}).map((method) => ({ app: name, method: method.toUpperCase(), path: layer.route?.path ?? '' })),
    );
}

const FIELDS = [
  'url',
  'name',
  'uid',
  'metadata',
  'eventTypes',
  'channels',
  'headers',
  'secret',
  'signature',
  'body',
  'batch',
  'rateLimit',
  'maxConcurrency',
  'timeoutMs',
  'retrySchedule',
  'eventType',
  'payload',
  'id',
  'occurredAt',
  'events',
  'since',
  'until',
  'status',
  'description',
  'schema',
  'deprecated',
  'expiresInSeconds',
  'gracePeriodSeconds',
  'disabled',
  'type',
  'limit',
  'cursor',
  'appId',
  '__proto__',
  'constructor',
];

const weird = fc.oneof(
  fc.constantFrom(
    -1,
    0,
    1e308,
    -1e308,
    2 ** 53,
    0.5,
    '',
    ' ',
    '\u0000',
    'ç¥日本',
    '2026-W01',
    '2026-13-45T25:61:00Z',
    '../../etc/passwd',
    '%00',
    'app_',
    'ep_x',
    'whsec_',
    '*',
    'a.*',
    '{{eventId}}',
  ),
  fc.string({ maxLength: 300 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.integer()), { maxLength: 5 }),
);

/** Bodies: random JSON, objects with Herald's field names and odd values, and bytes that are not JSON at all. */
const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc.dictionary(fc.constantFrom(...FIELDS), weird, { maxKeys: 6 }).map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    `{"payload":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`,
    `{"events":[${'['.repeat(3000)}${']'.repeat(3000)}]}`,
    '{',
    '{"a":',
    '[1,2',
    'null',
    '"string"',
    '{"payload":{"__proto__":{"x":1}}}',
    '\u0000\u0001',
    '{"events":' + '['.repeat(500),
  ),
);

const ISO = '2026-01-02T03:04:05.678Z';
const EVENT = { eventType: 'fuzz.type', payload: { a: 1 }, id: 'evt-fuzz', channels: ['c'], occurredAt: ISO };
const ENDPOINT = {
  url: 'https://example.com/hook',
  eventTypes: ['fuzz.*'],
  channels: ['c'],
  headers: { 'x-a': 'b' },
  signature: { scheme: 'hmac-sha256', header: 'x-sig', encoding: 'hex' },
  body: { envelope: 'transform', transform: '{"a": data}', serialization: 'python-sorted' },
  batch: { maxSize: 10, maxWaitMs: 100 },
  rateLimit: 5,
  maxConcurrency: 2,
  timeoutMs: 2000,
  retrySchedule: [1, 2],
  metadata: { k: 'v' },
  type: 'webhook',
  disabled: false,
};
/** A valid body per route: mutated, they reach validation deeper than random JSON does. */
const TEMPLATES: Record<string, unknown> = {
  'POST /v1/apps': { name: 'x', uid: 'u1', metadata: { a: 'b' } },
  'PATCH /v1/apps/:appId': { name: 'y', metadata: {} },
  'POST /v1/apps/:appId/tokens': { description: 'd', expiresInSeconds: 3600 },
  'POST /v1/event-types': { name: 't.x', description: '', schema: { type: 'object' }, deprecated: false },
  'PATCH /v1/event-types/:name': { description: '', schema: null, deprecated: true },
  'POST /v1/apps/:appId/endpoints': ENDPOINT,
  'PATCH /v1/apps/:appId/endpoints/:endpointId': ENDPOINT,
  'POST /v1/apps/:appId/endpoints/:endpointId/secret/rotate': { secret: 'a-secret-of-sixteen+', gracePeriodSeconds: 60 },
  'POST /v1/apps/:appId/endpoints/:endpointId/test': { eventType: 'x', payload: {} },
  'POST /v1/apps/:appId/endpoints/:endpointId/replay': { since: ISO, until: ISO, status: 'all' },
  'POST /v1/apps/:appId/events': EVENT,
  'POST /v1/apps/:appId/events/batch': { events: [EVENT, { eventType: 'a', payload: {} }] },
};

/** A template with some values kept, some replaced by odd ones, some dropped, nested ones mutated in turn. */
function mutated(template: unknown, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 2) return fc.oneof(fc.constant(template), weird);
  if (Array.isArray(template)) return fc.tuple(...template.map((item) => fc.oneof(mutated(item, depth + 1), weird))).map((items) => items);
  if (template && typeof template === 'object') {
    const entries = Object.entries(template).map(([key, value]) =>
      fc.oneof(mutated(value, depth + 1), weird, fc.constant(undefined)).map((v) => [key, v] as const),
    );
    return fc
      .tuple(fc.tuple(...entries), fc.option(fc.tuple(fc.constantFrom(...FIELDS, 'unknownField'), weird), { nil: undefined }))
      .map(([pairs, extra]) => {
        const out: Record<string, unknown> = {};
        for (const [key, value] of pairs) if (value !== undefined) out[key] = value;
        if (extra) out[extra[0]] = extra[1];
        return out;
      });
  }
  return fc.oneof(fc.constant(template), weird);
}

const token = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom('', '.', '..', 'a\u0000b', '%2e%2e', 'app_00000000000000000000000000', 'x'.repeat(2000)),
);

const query = fc
  .dictionary(
    fc.constantFrom(...FIELDS, 'eventType', 'endpointId', 'eventId', 'status', 'disabled'),
    fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('-1', '0', '251', 'nul\u0000', '1e9', 'true', 'garbage')),
    { maxKeys: 4 },
  )
  .map((params) => new URLSearchParams(params).toString());

const printable = fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));
const contentType = fc.oneof(
  { weight: 5, arbitrary: fc.constant('application/json') },
  fc.constantFrom(
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/json; charset=utf-16',
    'multipart/form-data; boundary=x',
    'application/merge-patch+json',
  ),
);
const headers = fc.record({ contentType, idempotencyKey: fc.option(printable, { nil: undefined }) }, { requiredKeys: ['contentType'] });

/** API.md: bad input is always 4xx problem+json naming the field; never a 5xx, never a crash. */
describe('random and malformed input on every REST route', () => {
  let stack: TestStack;
  let db: DataSource;
  let nc: NatsConnection;
  let routes: Route[];
  // Real objects, so some requests reach the deeper validation of existing resources.
  const real: Record<string, string> = {};

  beforeAll(async () => {
    stack = await TestStack.start(['subscriptions', 'ingest']);
    db = await createDataSource(stack.env.config.databaseUrl, 1).initialize();
    nc = await connect({ servers: stack.env.config.natsUrl });
    const app = await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Fuzz', uid: 'fuzz' });
    real.appId = app.body?.id as string;
    real.endpointId = (await stack.request('subscriptions', 'POST', '/v1/apps/fuzz/endpoints', { url: 'https://example.com/hook' })).body
      ?.id as string;
    real.tokenId = (await stack.request('subscriptions', 'POST', '/v1/apps/fuzz/tokens', {})).body?.id as string;
    real.name = (await stack.request('subscriptions', 'POST', '/v1/event-types', { name: 'fuzz.type', schema: { type: 'object' } })).body
      ?.name as string;
    routes = (['subscriptions', 'ingest'] as AppName[]).flatMap((name) => routesOf(name, stack.apps.get(name)!.app));
  });

  afterAll(async () => {
    await nc?.close();
    await db?.destroy();
    await stack?.close();
  });

  /** What a rejected request must not change: rows of every table a request can create, and stored events. */
  async function footprint(): Promise<string> {
    const [rows] = await db.query<Record<string, string>[]>(
      `SELECT (SELECT count(*) FROM apps) AS apps, (SELECT count(*) FROM endpoints) AS endpoints,
              (SELECT count(*) FROM app_tokens) AS tokens, (SELECT count(*) FROM event_types) AS types,
              (SELECT count(*) FROM deliveries) AS deliveries, (SELECT max(version) FROM endpoints) AS version,
              (SELECT max(updated_at) FROM apps) AS apps_updated, (SELECT max(updated_at) FROM event_types) AS types_updated`,
    );
    const events = (await (await jetstreamManager(nc)).streams.info(new Names(stack.env.config.natsNamespace).streams.events)).state
      .messages;
    return JSON.stringify({ ...rows, events });
  }

  it('finds the routes to exercise', () => {
    expect(routes.length).toBeGreaterThanOrEqual(30);
    expect(routes).toContainEqual({ app: 'ingest', method: 'POST', path: '/v1/apps/:appId/events/batch' });
    expect(routes).toContainEqual({ app: 'subscriptions', method: 'PATCH', path: '/v1/apps/:appId/endpoints/:endpointId' });
  });

  it('never answers 5xx, always answers errors as problem+json, and a rejected request changes nothing', async () => {
    const failures: string[] = [];
    let requests = 0;
    const statuses: Record<string, number> = {};
    await fc
      .assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 10_000 }).chain((pick) => {
            const route = routes[pick % routes.length];
            const template = TEMPLATES[`${route.method} ${route.path}`];
            const payload =
              template === undefined
                ? body
                : fc.oneof(body, { weight: 3, arbitrary: mutated(template).map((value) => JSON.stringify(value)) });
            return fc.tuple(fc.constant(route), payload);
          }),
          fc.array(fc.oneof(token, fc.constant('<real>')), { minLength: 4, maxLength: 4 }),
          query,
          headers,
          async ([route, payload], params, search, { contentType: type, idempotencyKey }) => {
            let i = 0;
            // A real id sometimes, never for DELETE (the fixtures must survive).
            const path = route.path.replace(/:(\w+)/g, (_match, name: string) => {
              const value = params[i++];
              return encodeURIComponent(
                value === '<real>' && route.method !== 'DELETE' && real[name] ? real[name] : value === '<real>' ? 'x' : value,
              );
            });
            const before = await footprint();
            const response = await fetch(`${stack.url(route.app)}${path}${search ? `?${search}` : ''}`, {
              method: route.method,
              headers: {
                authorization: `Bearer ${stack.env.token}`,
                'content-type': type,
                ...(idempotencyKey !== undefined ? { 'idempotency-key': idempotencyKey } : {}),
              },
              body: route.method === 'GET' || route.method === 'DELETE' ? undefined : payload,
            });
            requests += 1;
            statuses[`${route.method} ${route.path} ${response.status}`] =
              (statuses[`${route.method} ${route.path} ${response.status}`] ?? 0) + 1;
            const text = await response.text();
            const what = `${route.method} ${path}?${search} ${String(payload).slice(0, 200)} → ${response.status} ${text.slice(0, 200)}`;
            if (response.status >= 500) failures.push(what);
            if (response.status >= 400) {
              const problem = (() => {
                try {
                  return JSON.parse(text) as Record<string, unknown>;
                } catch {
                  return null;
                }
              })();
              if (
                !response.headers.get('content-type')?.startsWith('application/problem+json') ||
                problem?.status !== response.status ||
                typeof problem?.detail !== 'string'
              ) {
                failures.push(`not problem+json: ${what}`);
              }
              if ((await footprint()) !== before) failures.push(`rejected but changed something: ${what}`);
            }
            return failures.length === 0;
          },
        ),
        {
          numRuns: Number(process.env.FUZZ_RUNS ?? 2000),
          seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
          endOnFailure: true,
        },
      )
      .catch((error: Error) => {
        throw new Error(`${failures.join('\n')}\n${error.message.split('\n').slice(0, 4).join('\n')}`);
      });
    if (process.env.FUZZ_REPORT) console.log(JSON.stringify(statuses, null, 1));
    expect(requests).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });
});
