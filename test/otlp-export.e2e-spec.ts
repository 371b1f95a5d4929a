import { ChildProcess } from 'node:child_process';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { buildOnce, freePort, spawnApp } from './support/processes';
import { createTestEnvironment, eventually, TestEnvironment } from './support/stack';

jest.setTimeout(120_000);

describe('trace export from the OTEL_* variables', () => {
  let env: TestEnvironment;
  let collector: Server;
  const exports: { path: string; headers: IncomingHttpHeaders; bytes: number }[] = [];
  let ingest: ChildProcess | undefined;

  beforeAll(async () => {
    buildOnce();
    env = await createTestEnvironment();
    // A stand-in OTLP/HTTP collector that records what it is sent.
    collector = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => {
        exports.push({ path: req.url ?? '', headers: req.headers, bytes });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    ingest?.kill('SIGTERM');
    await new Promise((resolve) => collector?.close(resolve));
    await env?.destroy();
  });

  it('exports the spans of an ingest request over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const { port } = collector.address() as { port: number };
    const ingestPort = await freePort();
    ingest = spawnApp('ingest', env.config, {
      INGEST_PORT: String(ingestPort),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_SERVICE_NAME: 'herald-ingest',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    const base = `http://127.0.0.1:${ingestPort}`;
    await eventually(async () => (await fetch(`${base}/health/ready`).catch(() => null))?.ok, 30_000, 100);
    const response = await fetch(`${base}/v1/apps/none/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ eventType: 'a.b', payload: {} }),
    });
    expect(response.status).toBe(404); // any request is traced; this one needs no app
    const traces = await eventually(async () => exports.find((e) => e.path === '/v1/traces'), 15_000, 100);
    expect(traces.bytes).toBeGreaterThan(0);
    expect(traces.headers['content-type']).toMatch(/protobuf|json/);
  });
});
