import { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { join } from 'node:path';
import { buildOnce, freePort, spawnApp } from './support/processes';
import { Receiver } from './support/receiver';
import { AppName, createTestEnvironment, eventually, TestEnvironment } from './support/stack';

jest.setTimeout(120_000);

/** One span as an OTLP/HTTP JSON export carries it, with its resource's attributes beside it. */
interface ExportedSpan {
  resource: Record<string, unknown>;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

type OtlpAttributes = { key: string; value: Record<string, unknown> }[] | undefined;
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;
const { version } = JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')) as { version: string };

const attributes = (list: OtlpAttributes): Record<string, unknown> =>
  Object.fromEntries((list ?? []).map(({ key, value }) => [key, Object.values(value)[0]]));

describe('trace export from the OTEL_* variables', () => {
  let env: TestEnvironment;
  let collector: Server;
  let receiver: Receiver;
  const spans: ExportedSpan[] = [];
  const contentTypes: string[] = [];
  const children: ChildProcess[] = [];
  const urls = new Map<string, string>();

  /** Starts an app that exports its traces to the collector as OTLP/HTTP JSON; resolves when it is ready. */
  async function start(name: AppName, extra: NodeJS.ProcessEnv = {}): Promise<{ url: string; pid: number }> {
    const { port: collectorPort } = collector.address() as { port: number };
    const port = await freePort();
    const portVariable = {
      subscriptions: 'SUBSCRIPTIONS_PORT',
      ingest: 'INGEST_PORT',
      dispatcher: 'DISPATCHER_PORT',
      'realtime-gateway': 'GATEWAY_PORT',
    };
    const child = spawnApp(name, env.config, {
      [portVariable[name]]: String(port),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      ...extra,
    });
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await eventually(async () => (await fetch(`${url}/health/ready`).catch(() => null))?.ok, 30_000, 100);
    return { url, pid: child.pid! };
  }

  /** The service name of the spans a process (by pid) exported, once it has exported some. */
  const serviceOf = (pid: number) =>
    eventually(async () => spans.find((s) => Number(s.resource['process.pid']) === pid)?.resource['service.name'], 15_000, 100);

  beforeAll(async () => {
    buildOnce();
    env = await createTestEnvironment();
    receiver = await new Receiver().start();
    // A stand-in OTLP/HTTP collector that keeps every span it is sent.
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/v1/traces') {
          contentTypes.push(req.headers['content-type'] ?? '');
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            resourceSpans?: {
              resource?: { attributes?: OtlpAttributes };
              scopeSpans?: { spans?: (Omit<ExportedSpan, 'resource' | 'attributes'> & { attributes?: OtlpAttributes })[] }[];
            }[];
          };
          for (const { resource, scopeSpans } of body.resourceSpans ?? []) {
            for (const span of (scopeSpans ?? []).flatMap((scope) => scope.spans ?? [])) {
              spans.push({ ...span, resource: attributes(resource?.attributes), attributes: attributes(span.attributes) });
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        // An app still starting up has no shutdown hooks yet, and the SDK's SIGTERM listener keeps it alive.
        const stuck = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(stuck);
      }),
    );
    await receiver?.stop();
    await new Promise((resolve) => collector?.close(resolve));
    await env?.destroy();
  });

  it('names each app’s spans after the app, with the package version, unless OTEL_* says otherwise', async () => {
    const apps: AppName[] = ['subscriptions', 'ingest', 'dispatcher', 'realtime-gateway'];
    const started = await Promise.all([
      ...apps.map(async (name) => ({ name, ...(await start(name)) })),
      start('ingest', {
        OTEL_SERVICE_NAME: 'acme-intake',
        OTEL_RESOURCE_ATTRIBUTES: 'service.name=not-this,deployment.environment.name=e2e',
      }),
      start('realtime-gateway', { OTEL_RESOURCE_ATTRIBUTES: 'service.name=acme-feed' }),
    ]);
    const [overridden, attributed] = started.slice(apps.length);
    for (const { name, url } of started.slice(0, apps.length) as { name: AppName; url: string }[]) urls.set(name, url);

    for (const { name, pid } of started.slice(0, apps.length) as { name: AppName; pid: number }[]) {
      expect([name, await serviceOf(pid)]).toEqual([name, `herald-${name}`]);
    }
    expect(await serviceOf(overridden.pid)).toBe('acme-intake');
    expect(await serviceOf(attributed.pid)).toBe('acme-feed');
    const ofOverridden = spans.find((s) => Number(s.resource['process.pid']) === overridden.pid);
    expect(ofOverridden?.resource['deployment.environment.name']).toBe('e2e');
    expect(new Set(spans.map((s) => s.resource['service.version']))).toEqual(new Set([version]));
    expect(contentTypes.every((type) => type.startsWith('application/json'))).toBe(true);
  });

  it('gives the receiver one traceparent: the dispatcher’s POST span, in the ingest request’s trace', async () => {
    const api = async (app: AppName, path: string, body: unknown) => {
      const response = await fetch(`${urls.get(app)}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect([path, response.status]).toEqual([path, app === 'ingest' ? 202 : 201]);
    };
    await api('subscriptions', '/v1/apps', { name: 'Traced', uid: 'traced' });
    await api('subscriptions', '/v1/apps/traced/endpoints', { url: receiver.url, eventTypes: ['traced.*'] });
    await api('ingest', '/v1/apps/traced/events', { eventType: 'traced.event', payload: { n: 1 } });

    const [request] = await eventually(async () => (receiver.requests.length > 0 ? receiver.requests : undefined), 15_000, 100);
    // Two headers would arrive joined as "00-…-01, 00-…-01", which W3C Trace Context ignores.
    const traceparent = String(request.headers.traceparent);
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const [, traceId, parentId] = traceparent.split('-');

    const ingestRequest = await eventually(
      async () =>
        spans.find(
          (s) =>
            s.resource['service.name'] === 'herald-ingest' &&
            s.kind === SPAN_KIND_SERVER &&
            Object.values(s.attributes).some((value) => String(value).endsWith('/v1/apps/traced/events')),
        ),
      15_000,
      100,
    );
    expect(traceId).toBe(ingestRequest.traceId);
    const post = await eventually(async () => spans.find((s) => s.spanId === parentId), 15_000, 100);
    expect(post).toMatchObject({ traceId, name: 'POST', kind: SPAN_KIND_CLIENT });
    expect(post.resource['service.name']).toBe('herald-dispatcher');
    // Its ancestors, across JetStream (fan-out, delivery), lead back to the ingest request.
    const ancestry = await eventually(
      async () => {
        const names: string[] = [];
        for (let span: ExportedSpan | undefined = post; span; span = spans.find((s) => s.spanId === span?.parentSpanId)) {
          names.push(`${String(span.resource['service.name'])} ${span.name}`);
          if (span.spanId === ingestRequest.spanId) return names;
        }
        return undefined;
      },
      15_000,
      100,
    );
    expect(ancestry).toEqual(expect.arrayContaining(['herald-dispatcher herald.delivery', 'herald-dispatcher herald.fanout']));
  });
});
