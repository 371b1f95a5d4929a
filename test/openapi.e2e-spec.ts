import { INestApplication } from '@nestjs/common';
import { TestStack } from './support/stack';

type Document = Record<string, any>;
const APPS = ['subscriptions', 'ingest'] as const;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * Every route the app's Express router serves, as `METHOD /path/{param}`: read from the running
 * app, so a new controller route shows up here whether or not the document has it. Left out: the
 * docs routes themselves and the catch-all (`{/*splat}`) Nest mounts its middleware on.
 */
function servedRoutes(app: INestApplication): string[] {
  const router = (app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: object } }[] } }).router;
  return router.stack
    .flatMap((layer) => (layer.route ? Object.keys(layer.route.methods).map((method) => [method, layer.route!.path]) : []))
    .filter(([, path]) => !path.startsWith('/docs') && path !== '/openapi.json' && !path.includes('*'))
    .map(([method, path]) => `${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`);
}

/** Every operation of a document, as `METHOD /path` → operation. */
function operations(document: Document): Map<string, Document> {
  const result = new Map<string, Document>();
  for (const [path, item] of Object.entries<Document>(document.paths)) {
    for (const method of METHODS) if (item[method]) result.set(`${method.toUpperCase()} ${path}`, item[method]);
  }
  return result;
}

function refs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => (key === '$ref' ? [child as string] : refs(child)));
}

describe('the OpenAPI documents at /openapi.json and Swagger UI at /docs', () => {
  let stack: TestStack;
  const documents: Record<string, Document> = {};

  beforeAll(async () => {
    stack = await TestStack.start([...APPS]);
    for (const name of APPS) {
      const response = await fetch(`${stack.url(name)}/openapi.json`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/json');
      documents[name] = (await response.json()) as Document;
    }
  });

  afterAll(async () => {
    await stack?.close();
  });

  it.each(APPS)('%s: every route the app serves is in its document, and every operation it documents as its own is served', (name) => {
    const served = servedRoutes(stack.apps.get(name)!.app);
    expect(served.length).toBeGreaterThanOrEqual(name === 'subscriptions' ? 30 : 5);
    const documented = operations(documents[name]);
    expect(served.filter((route) => !documented.has(route))).toEqual([]);
    const own = [...documented].filter(([, operation]) => !operation.servers).map(([route]) => route);
    expect(own.filter((route) => !served.includes(route))).toEqual([]);
  });

  it('the management document also has the ingest routes, each marked as served by the ingest app', () => {
    const documented = operations(documents.subscriptions);
    const managementRoutes = servedRoutes(stack.apps.get('subscriptions')!.app);
    const ingestOnly = servedRoutes(stack.apps.get('ingest')!.app).filter((route) => !managementRoutes.includes(route));
    expect(ingestOnly.sort()).toEqual(['POST /v1/apps/{appId}/events', 'POST /v1/apps/{appId}/events/batch']);
    for (const route of ingestOnly) {
      const operation = documented.get(route);
      expect(operation).toBeDefined();
      expect(operation!.servers).toEqual([
        expect.objectContaining({ url: 'http://{host}:{port}', description: expect.stringContaining('ingest') as string }),
      ]);
      expect(operation!.servers[0].variables.port.default).toBe('8081');
      expect(operation!.operationId).toBe(operations(documents.ingest).get(route)!.operationId);
    }
    // The read routes on the same path stay the management app's.
    expect(documented.get('GET /v1/apps/{appId}/events')!.servers).toBeUndefined();
  });

  it.each(APPS)(
    '%s: every operation has a success response with a schema, problem+json errors and the bearer scheme unless public',
    (name) => {
      const document = documents[name];
      expect(document.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
      expect(document.security).toEqual([{ bearer: [] }]);
      for (const [route, operation] of operations(document)) {
        const success = Object.keys(operation.responses).filter((status) => status.startsWith('2'));
        expect([route, success.length]).toEqual([route, 1]);
        if (success[0] !== '204') {
          const content = Object.values<Document>(operation.responses[success[0]].content ?? {});
          expect([route, content.length]).toEqual([route, 1]);
          expect(content[0].schema).toBeDefined();
        }
        const isPublic = route.startsWith('GET /health/') || route === 'GET /metrics';
        expect([route, operation.security]).toEqual([route, isPublic ? [] : undefined]);
        const errors = Object.keys(operation.responses).filter((status) => status.startsWith('4'));
        if (!isPublic) expect([route, errors]).toEqual([route, expect.arrayContaining(['401'])]);
        for (const status of errors) {
          expect(operation.responses[status].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
        }
      }
      expect(document.components.schemas.Problem.required).toEqual(['type', 'title', 'status', 'detail']);
    },
  );

  it.each(APPS)('%s: every $ref resolves to a schema with content', (name) => {
    const document = documents[name];
    const names = new Set(refs(document).map((ref) => ref.replace('#/components/schemas/', '')));
    expect(names.size).toBeGreaterThan(3);
    for (const schema of names) {
      expect([schema, document.components.schemas[schema]]).toEqual([schema, expect.any(Object)]);
      expect([schema, Object.keys(document.components.schemas[schema]).length > 0]).toEqual([schema, true]);
    }
  });

  it('request bodies are the DTOs with their class-validator constraints', () => {
    const document = documents.subscriptions;
    const schemas = document.components.schemas;
    for (const [route, operation] of operations(document)) {
      if (!operation.requestBody) continue;
      const ref = operation.requestBody.content['application/json'].schema.$ref as string;
      const schema = schemas[ref.replace('#/components/schemas/', '')];
      expect([route, Object.keys(schema.properties ?? {}).length > 0]).toEqual([route, true]);
    }
    const createEndpoint = operations(document).get('POST /v1/apps/{appId}/endpoints')!;
    expect(createEndpoint.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateEndpointDto' });
    const endpoint = schemas.CreateEndpointDto;
    expect(endpoint.required).toEqual(['url']);
    expect(endpoint.properties.url).toMatchObject({ type: 'string', maxLength: 2048, format: 'uri' });
    expect(endpoint.properties.timeoutMs).toMatchObject({ type: 'integer', minimum: 1000, maximum: 30000 });
    expect(endpoint.properties.type).toMatchObject({ enum: ['webhook', 'discord', 'slack', 'relay'] });
    expect(endpoint.properties.channels).toMatchObject({ type: 'array', maxItems: 10, nullable: true });
    expect(endpoint.properties.signature.allOf).toEqual([{ $ref: '#/components/schemas/EndpointSignature' }]);
    expect(schemas.UpdateEndpointDto.required).toBeUndefined();
    expect(schemas.CreateAppDto).toMatchObject({ required: ['name'], properties: { name: { minLength: 1, maxLength: 256 } } });
    expect(schemas.PublishEventDto.required).toEqual(['eventType', 'payload']);
    expect(schemas.PublishBatchDto.properties.events).toMatchObject({
      maxItems: 500,
      items: { $ref: '#/components/schemas/PublishEventDto' },
    });
  });

  it('query DTOs become query parameters with their constraints and defaults', () => {
    const ops = operations(documents.subscriptions);
    const parameters = (route: string) => Object.fromEntries(ops.get(route)!.parameters.map((p: Document) => [`${p.in}:${p.name}`, p]));
    expect(parameters('GET /v1/apps')).toEqual({
      'query:limit': { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 250, default: 50 } },
      'query:cursor': { name: 'cursor', in: 'query', required: false, schema: { type: 'string', maxLength: 200 } },
      'query:withTotal': { name: 'withTotal', in: 'query', required: false, schema: { type: 'boolean' } },
    });
    const deliveries = parameters('GET /v1/apps/{appId}/deliveries');
    expect(Object.keys(deliveries).sort()).toEqual([
      'path:appId',
      'query:cursor',
      'query:endpointId',
      'query:eventId',
      'query:eventType',
      'query:limit',
      'query:since',
      'query:status',
      'query:until',
      'query:withTotal',
    ]);
    expect(deliveries['query:since'].schema).toMatchObject({ type: 'string' });
    expect(deliveries['query:status'].schema).toMatchObject({ enum: ['pending', 'succeeded', 'failed'] });
    expect(Object.keys(parameters('GET /v1/apps/{appId}/events')).sort()).toEqual([
      'path:appId',
      'query:cursor',
      'query:eventType',
      'query:limit',
      'query:since',
      'query:until',
      'query:withTotal',
    ]);
    expect(Object.keys(parameters('GET /compat/bedolaga/webhooks')).sort()).toEqual([
      'query:app',
      'query:event_type',
      'query:is_active',
      'query:limit',
      'query:offset',
    ]);
    expect(parameters('POST /v1/apps')['header:Idempotency-Key']).toMatchObject({ in: 'header', required: false });
  });

  it.each(APPS)('%s: /docs is Swagger UI, served with its assets from the app itself and without a token', async (name) => {
    const page = await fetch(`${stack.url(name)}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const response = await fetch(new URL(asset, `${stack.url(name)}/docs`));
      const body = await response.arrayBuffer();
      expect([asset, response.status, body.byteLength > 0]).toEqual([asset, 200, true]);
    }
  });
});
