import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { AppModule } from '../examples/nest-publisher/src/app.module';
import { buildSdk, SDK_DIR } from './support/sdk';
import { captureSignedRequests, SignedRequest } from './support/signed-requests';
import { eventually, TestStack } from './support/stack';

const run = promisify(execFile);
type Sdk = typeof import('../libs/sdk/src');

// @herald/sdk as a user gets it: built into libs/sdk/dist and loaded from there, against a private stack.
describe('@herald/sdk', () => {
  let sdk: Sdk;
  let stack: TestStack;
  let appId: string;
  let signed: SignedRequest[];

  const eventsOfType = async (eventType: string) =>
    ((await stack.request('subscriptions', 'GET', `/v1/apps/${appId}/events?eventType=${eventType}`)).body!.data as { id: string }[]) ?? [];

  beforeAll(async () => {
    buildSdk();
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the built package, as a CommonJS user loads it
    sdk = require(SDK_DIR) as Sdk;
    stack = await TestStack.start(['subscriptions', 'ingest', 'dispatcher']);
    appId = (await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'SDK', uid: 'sdk-app' })).body!.id as string;
    signed = await captureSignedRequests(stack, appId);
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('is one package for CommonJS and ES modules, with its types', async () => {
    const consumer = mkdtempSync(join(tmpdir(), 'herald-sdk-consumer-'));
    try {
      mkdirSync(join(consumer, 'node_modules/@herald'), { recursive: true });
      symlinkSync(SDK_DIR, join(consumer, 'node_modules/@herald/sdk'), 'dir');
      const names = 'HeraldPublisher,HeraldModule,verifyWebhook,createHeraldClient,WebhookVerificationError';
      const esm = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import * as sdk from '@herald/sdk'; console.log('${names}'.split(',').map((n) => typeof sdk[n]).join(','))`,
        ],
        { cwd: consumer },
      );
      expect(esm.stdout.trim()).toBe('function,function,function,function,function');
      const cjs = await run(
        process.execPath,
        ['-e', `const sdk = require('@herald/sdk'); console.log('${names}'.split(',').map((n) => typeof sdk[n]).join(','))`],
        { cwd: consumer },
      );
      expect(cjs.stdout.trim()).toBe('function,function,function,function,function');
      // A TypeScript user gets the declarations: a wrong call does not compile, a right one does.
      writeFileSync(
        join(consumer, 'good.ts'),
        "import { HeraldPublisher, verifyWebhook } from '@herald/sdk';\n" +
          "const p = new HeraldPublisher({ transport: 'http', ingestUrl: 'http://x', token: 't' });\n" +
          "void p.publish('app', { eventType: 'a.b', payload: {} });\n" +
          "verifyWebhook({ scheme: 'standard', secret: 's', headers: {}, body: '' });\n",
      );
      writeFileSync(
        join(consumer, 'bad.ts'),
        "import { HeraldPublisher } from '@herald/sdk';\nnew HeraldPublisher({ transport: 'carrier-pigeon' });\n",
      );
      const tsc = join(__dirname, '../node_modules/typescript/bin/tsc');
      const flags = [
        '--noEmit',
        '--strict',
        '--module',
        'node16',
        '--moduleResolution',
        'node16',
        '--skipLibCheck',
        '--types',
        'node',
        '--typeRoots',
        join(__dirname, '../node_modules/@types'),
      ];
      await expect(run(process.execPath, [tsc, ...flags, 'good.ts'], { cwd: consumer })).resolves.toBeDefined();
      const bad: { stdout: string } = await run(process.execPath, [tsc, ...flags, 'bad.ts'], { cwd: consumer }).catch(
        (error: { stdout: string }) => error,
      );
      expect(bad.stdout).toContain('Type \'"carrier-pigeon"\' is not assignable to type \'"nats" | "http"\'');
    } finally {
      rmSync(consumer, { recursive: true, force: true });
    }
  });

  it('its typed management client reads the API', async () => {
    const client = sdk.createHeraldClient({ baseUrl: stack.url('subscriptions'), token: () => stack.env.token });
    const { data } = await client.GET('/v1/apps/{appId}', { params: { path: { appId: 'sdk-app' } } });
    expect(data).toMatchObject({ id: appId, uid: 'sdk-app', name: 'SDK' });
  });

  describe('HeraldPublisher over NATS intake', () => {
    let publisher: InstanceType<Sdk['HeraldPublisher']>;
    beforeAll(() => {
      publisher = new sdk.HeraldPublisher({
        transport: 'nats',
        natsUrl: stack.env.config.natsUrl,
        namespace: stack.env.config.natsNamespace,
      });
    });
    afterAll(async () => {
      await publisher.close();
    });

    it('resolves once JetStream stored the event; an id makes a retry a duplicate', async () => {
      const first = await publisher.publish('sdk-app', { eventType: 'nats.one', payload: { n: 1 }, id: 'nats-1' });
      expect(first).toMatchObject({ transport: 'nats', id: 'nats-1', duplicate: false });
      const again = await publisher.publish('sdk-app', { eventType: 'nats.one', payload: { n: 1 }, id: 'nats-1' });
      expect(again).toMatchObject({ duplicate: true });
      await eventually(async () => (await eventsOfType('nats.one')).length === 1);
    });

    it('publishes a batch', async () => {
      const results = await publisher.publishBatch('sdk-app', [
        { eventType: 'nats.batch', payload: { n: 1 } },
        { eventType: 'nats.batch', payload: { n: 2 } },
      ]);
      expect(results).toHaveLength(2);
      await eventually(async () => (await eventsOfType('nats.batch')).length === 2);
    });

    it('retries when nothing takes the message, then fails with no_responders', async () => {
      const nowhere = new sdk.HeraldPublisher({
        transport: 'nats',
        natsUrl: stack.env.config.natsUrl,
        namespace: 'nosuchherald',
        retries: 2,
        backoffMs: 10,
        ackTimeoutMs: 2000,
      });
      try {
        await expect(nowhere.publish('sdk-app', { eventType: 'a.b', payload: {} })).rejects.toMatchObject({
          name: 'HeraldPublishError',
          code: 'no_responders',
        });
      } finally {
        await nowhere.close();
      }
    });
  });

  describe('HeraldPublisher over HTTP', () => {
    it('returns ingest’s answer; a repeat with the same id is a duplicate', async () => {
      const publisher = new sdk.HeraldPublisher({ transport: 'http', ingestUrl: stack.url('ingest'), token: stack.env.token });
      const first = await publisher.publish('sdk-app', { eventType: 'http.one', payload: { n: 1 }, id: 'http-1' });
      expect(first).toMatchObject({ transport: 'http', eventType: 'http.one', duplicate: false });
      const again = await publisher.publish('sdk-app', { eventType: 'http.one', payload: { n: 1 }, id: 'http-1' });
      expect(again).toMatchObject({ id: (first as { id: string }).id, duplicate: true });
      const batch = await publisher.publishBatch('sdk-app', [
        { eventType: 'http.batch', payload: { n: 1 } },
        { eventType: 'http.batch', payload: { n: 2 } },
      ]);
      expect(batch).toEqual([expect.objectContaining({ eventType: 'http.batch' }), expect.objectContaining({ eventType: 'http.batch' })]);
      // The events list is a projection: it follows the stream shortly after the 202.
      await eventually(async () => (await eventsOfType('http.batch')).length === 2);
    });

    it('fails at once, with the status and the problem, when ingest refuses', async () => {
      const publisher = new sdk.HeraldPublisher({ transport: 'http', ingestUrl: stack.url('ingest'), token: stack.env.token });
      const refused = await publisher.publish('sdk-app', { eventType: 'bad type!', payload: {} }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(sdk.HeraldPublishError);
      expect(refused).toMatchObject({ code: 'http_status', status: 400 });
      expect((refused as { problem: { errors: { field: string }[] } }).problem.errors[0].field).toBe('eventType');
    });
  });

  describe('HeraldModule', () => {
    it('forRoot provides the publisher for injection', async () => {
      @Injectable()
      class Signups {
        constructor(@Inject(sdk.HeraldPublisher) private readonly herald: InstanceType<Sdk['HeraldPublisher']>) {}
        signUp(name: string) {
          return this.herald.publish('sdk-app', { eventType: 'nest.signup', payload: { name } });
        }
      }
      const moduleRef = await Test.createTestingModule({
        imports: [
          sdk.HeraldModule.forRoot({ transport: 'nats', natsUrl: stack.env.config.natsUrl, namespace: stack.env.config.natsNamespace }),
        ],
        providers: [Signups],
      }).compile();
      const app = await moduleRef.init();
      await expect(app.get(Signups).signUp('Ada')).resolves.toMatchObject({ transport: 'nats', duplicate: false });
      await app.close();
      await eventually(async () => (await eventsOfType('nest.signup')).length === 1);
    });

    it('forRootAsync builds its options from injected configuration', async () => {
      const SETTINGS = 'SETTINGS';
      @Module({ providers: [{ provide: SETTINGS, useValue: { url: stack.url('ingest'), token: stack.env.token } }], exports: [SETTINGS] })
      class SettingsModule {}
      const moduleRef = await Test.createTestingModule({
        imports: [
          sdk.HeraldModule.forRootAsync({
            imports: [SettingsModule],
            inject: [SETTINGS],
            useFactory: (settings: { url: string; token: string }) => ({
              transport: 'http',
              ingestUrl: settings.url,
              token: settings.token,
            }),
          }),
        ],
      }).compile();
      const publisher = moduleRef.get(sdk.HeraldPublisher);
      await expect(publisher.publish('sdk-app', { eventType: 'nest.async', payload: {} })).resolves.toMatchObject({
        transport: 'http',
        eventType: 'nest.async',
      });
      await moduleRef.close();
    });
  });

  it('runs examples/nest-publisher: a POST to the service becomes an event in Herald', async () => {
    process.env.NATS_URL = stack.env.config.natsUrl;
    process.env.HERALD_NATS_NAMESPACE = stack.env.config.natsNamespace;
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const service = moduleRef.createNestApplication({ logger: false });
    await service.listen(0, '127.0.0.1');
    try {
      const { port } = service.getHttpServer().address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/apps/sdk-app/signups`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: '42', email: 'ada@example.com' }),
      });
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ transport: 'nats', id: 'user-created-42', duplicate: false });
      const [event] = await eventually(async () => {
        const found = await eventsOfType('user.created');
        return found.length > 0 ? found : undefined;
      });
      const stored = (await stack.request('subscriptions', 'GET', `/v1/apps/${appId}/events/${event.id}`)).body!;
      expect(stored.payload).toEqual({ id: '42', email: 'ada@example.com' });
    } finally {
      await service.close();
      delete process.env.HERALD_NATS_NAMESPACE;
    }
  });

  describe('verifyWebhook', () => {
    it('verifies the requests Herald sent with every scheme', () => {
      expect(signed.map((request) => request.name)).toEqual(['standard', 'hmac-hex', 'hmac-base64', 'shared-secret']);
      for (const request of signed) {
        expect(() =>
          sdk.verifyWebhook({ scheme: request.signature as never, secret: request.secret, headers: request.headers, body: request.body }),
        ).not.toThrow();
      }
    });

    it('refuses a changed body, another secret and a missing header', () => {
      for (const request of signed) {
        const verify = (changes: Partial<{ secret: string; body: string; headers: Record<string, string> }>) => () =>
          sdk.verifyWebhook({
            scheme: request.signature as never,
            secret: request.secret,
            headers: request.headers,
            body: request.body,
            ...changes,
          });
        if (request.name !== 'shared-secret')
          expect(verify({ body: request.body.replace('Zoë', 'Zoe') })).toThrow(sdk.WebhookVerificationError);
        const other = request.name === 'standard' ? `whsec_${Buffer.alloc(32, 1).toString('base64')}` : 'another-secret-of-ours';
        expect(verify({ secret: other })).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
        expect(verify({ headers: { 'content-type': 'application/json' } })).toThrow(expect.objectContaining({ code: 'missing_header' }));
      }
    });

    it('agrees with the standardwebhooks library, timestamp tolerance included', () => {
      const [standard] = signed;
      const wh = new Webhook(standard.secret);
      expect(wh.verify(standard.body, standard.headers)).toEqual(JSON.parse(standard.body));
      const sentAt = Number(standard.headers['webhook-timestamp']) * 1000;
      const late = {
        scheme: 'standard' as const,
        secret: standard.secret,
        headers: standard.headers,
        body: standard.body,
        now: sentAt + 301_000,
      };
      expect(() => sdk.verifyWebhook(late)).toThrow(expect.objectContaining({ code: 'timestamp_out_of_range' }));
      expect(() => sdk.verifyWebhook({ ...late, toleranceSeconds: 600 })).not.toThrow();

      // A request the library signed verifies too, and one signature of several (a rotation) is enough.
      const body = '{"type":"x.y","data":{}}';
      const signature = wh.sign('msg_1', new Date(), body);
      const headers = {
        'Webhook-Id': 'msg_1',
        'Webhook-Timestamp': String(Math.floor(Date.now() / 1000)),
        'Webhook-Signature': `v1,${Buffer.alloc(32).toString('base64')} ${signature}`,
      };
      expect(() => sdk.verifyWebhook({ scheme: 'standard', secret: standard.secret, headers, body: Buffer.from(body) })).not.toThrow();
    });
  });
});
