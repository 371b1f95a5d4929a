// `npm run bench`: starts a private Herald (its own database and NATS namespace on the local
// PostgreSQL and NATS, the four apps as separate processes), local receivers and a load
// generator, and measures the scenarios of the delivery-engine issue. Prints a table and writes
// bench/results/<time>.json. Not part of `npm test`. Every loop is bounded in count and time.
import 'reflect-metadata';
import { loadConfig } from '@herald/config';
import { Names } from '@herald/contracts';
import { connectNats, deleteStreams } from '@herald/messaging';
import { dropDatabase } from '@herald/persistence';
import { prepareInfrastructure } from '@herald/platform';
import { jetstreamManager } from '@nats-io/jetstream';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Client } from 'pg';
import { Pool } from 'undici';

const ROOT = join(__dirname, '..', '..');
const PAYLOAD = { filler: 'x'.repeat(1000 - 40) }; // ≈1 KiB events
const only = process.env.BENCH_ONLY?.split(',');

interface Result {
  scenario: string;
  events: number;
  deliveries: number;
  seconds: number;
  deliveriesPerSecond: number;
  latencyMs?: { p50: number; p95: number; p99: number };
  notes?: string;
}

function percentiles(values: number[]): { p50: number; p95: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records when each webhook-id arrived; answers per `behaviour`. */
class BenchReceiver {
  readonly arrivals = new Map<string, number>();
  count = 0;
  private server!: Server;
  port = 0;
  private readonly hanging: ServerResponse[] = [];

  constructor(private readonly behaviour: 'ok' | 'error' | 'hang') {}

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        const now = performance.now();
        const id = String(req.headers['webhook-id']);
        this.count += 1;
        if (!this.arrivals.has(`${id}|${req.url}`)) this.arrivals.set(`${id}|${req.url}`, now);
        if (this.behaviour === 'ok') res.writeHead(200).end();
        else if (this.behaviour === 'error') res.writeHead(500).end();
        else this.hanging.push(res);
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}/${path}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

class Bench {
  readonly token = `bench-${randomBytes(12).toString('hex')}`;
  readonly config = loadConfig({
    DATABASE_URL: (() => {
      const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/herald');
      url.pathname = `/herald_bench_${randomBytes(4).toString('hex')}`;
      return url.toString();
    })(),
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    HERALD_NATS_NAMESPACE: `b${randomBytes(4).toString('hex')}`,
    HERALD_ADMIN_TOKEN: this.token,
    HERALD_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_MAX_PAYLOAD_BYTES: '262144',
  });
  private readonly children: ChildProcess[] = [];
  private ports = { subscriptions: 0, ingest: 0, dispatcher: 0, 'realtime-gateway': 0 };
  ingest!: Pool;
  subscriptions!: Pool;

  async start(): Promise<void> {
    await prepareInfrastructure(this.config, () => undefined);
    const base = 19000 + Math.floor(Math.random() * 500) * 4;
    this.ports = { subscriptions: base, ingest: base + 1, 'realtime-gateway': base + 2, dispatcher: base + 3 };
    for (const [name, port] of Object.entries(this.ports)) {
      const child = spawn(process.execPath, [join(ROOT, `dist/apps/${name}/src/main.js`)], {
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: this.config.databaseUrl,
          NATS_URL: this.config.natsUrl,
          HERALD_NATS_NAMESPACE: this.config.natsNamespace,
          HERALD_ADMIN_TOKEN: this.token,
          HERALD_ALLOW_PRIVATE_NETWORKS: 'true',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'error',
          SUBSCRIPTIONS_PORT: String(this.ports.subscriptions),
          INGEST_PORT: String(this.ports.ingest),
          GATEWAY_PORT: String(this.ports['realtime-gateway']),
          DISPATCHER_PORT: String(this.ports.dispatcher),
          SUBSCRIPTIONS_GRPC_PORT: '0',
          INGEST_GRPC_PORT: '0',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      this.children.push(child);
      const deadline = Date.now() + 30_000;
      while (
        !(await fetch(`http://127.0.0.1:${port}/health/ready`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (Date.now() > deadline) throw new Error(`${name} did not start`);
        await sleep(100);
      }
    }
    this.ingest = new Pool(`http://127.0.0.1:${this.ports.ingest}`, { connections: 64 });
    this.subscriptions = new Pool(`http://127.0.0.1:${this.ports.subscriptions}`, { connections: 16 });
  }

  async call(pool: Pool, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await pool.request({
      method,
      path,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: text ? JSON.parse(text) : null };
  }

  async app(name: string): Promise<string> {
    return (await this.call(this.subscriptions, 'POST', '/v1/apps', { name })).body.id as string;
  }

  async endpoints(appId: string, bodies: object[], concurrency = 16): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < bodies.length) {
          const response = await this.call(this.subscriptions, 'POST', `/v1/apps/${appId}/endpoints`, bodies[next++]);
          if (response.status !== 201) throw new Error(`endpoint not created: ${JSON.stringify(response.body)}`);
        }
      }),
    );
  }

  /** Publishes one event; returns when ingest answered 202. */
  async publish(appId: string, id: string, eventType: string): Promise<void> {
    for (let tries = 0; tries < 50; tries += 1) {
      const response = await this.call(this.ingest, 'POST', `/v1/apps/${appId}/events`, { id, eventType, payload: PAYLOAD });
      if (response.status === 202) return;
      await sleep(50);
    }
    throw new Error(`event ${id} not accepted`);
  }

  async deliveryCounts(appId: string): Promise<{ total: number; succeeded: number; attempted: number }> {
    const db = new Client({ connectionString: this.config.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ total: string; succeeded: string; attempted: string }>(
        `SELECT count(*) AS total, count(*) FILTER (WHERE status = 'succeeded') AS succeeded, count(*) FILTER (WHERE attempt_count > 0) AS attempted FROM deliveries WHERE app_id = $1`,
        [appId],
      );
      return { total: Number(rows[0].total), succeeded: Number(rows[0].succeeded), attempted: Number(rows[0].attempted) };
    } finally {
      await db.end();
    }
  }

  async stop(): Promise<void> {
    await this.ingest?.close();
    await this.subscriptions?.close();
    for (const child of this.children) child.kill('SIGTERM');
    await sleep(1000);
    for (const child of this.children) if (child.exitCode === null) child.kill('SIGKILL');
    const nc = await connectNats(this.config.natsUrl, 'herald-bench-cleanup');
    await deleteStreams(await jetstreamManager(nc), new Names(this.config.natsNamespace));
    await nc.close();
    await dropDatabase(this.config.databaseUrl);
  }
}

/** Sends `count` events with `concurrency` requests in flight; returns each id's send time. */
async function closedLoop(
  bench: Bench,
  appId: string,
  prefix: string,
  count: number,
  eventType: string,
  concurrency = 64,
): Promise<Map<string, number>> {
  const sent = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const id = `${prefix}-${next++}`;
        sent.set(id, performance.now());
        await bench.publish(appId, id, eventType);
      }
    }),
  );
  return sent;
}

async function waitForArrivals(receiver: { arrivals: Map<string, number> }, expected: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (receiver.arrivals.size < expected && Date.now() < deadline) await sleep(100);
}

function latencies(sent: Map<string, number>, arrivals: Map<string, number>): number[] {
  const values: number[] = [];
  for (const [key, arrivedAt] of arrivals) {
    const sentAt = sent.get(key.split('|')[0]);
    if (sentAt !== undefined) values.push(arrivedAt - sentAt);
  }
  return values;
}

async function throughput(bench: Bench): Promise<Result> {
  const count = Number(process.env.BENCH_THROUGHPUT_EVENTS ?? 50_000);
  const receiver = await new BenchReceiver('ok').start();
  const appId = await bench.app('throughput');
  await bench.endpoints(appId, [{ url: receiver.url('t'), eventTypes: ['bench.throughput'] }]);
  const started = performance.now();
  const sent = await closedLoop(bench, appId, 'tp', count, 'bench.throughput');
  const ingestSeconds = (performance.now() - started) / 1000;
  await waitForArrivals(receiver, count, 300_000);
  const seconds = (Math.max(...receiver.arrivals.values()) - started) / 1000;
  await receiver.stop();
  return {
    scenario: 'throughput',
    events: count,
    deliveries: receiver.arrivals.size,
    seconds: Math.round(seconds * 10) / 10,
    deliveriesPerSecond: Math.round(receiver.arrivals.size / seconds),
    latencyMs: percentiles(latencies(sent, receiver.arrivals)),
    notes: `ingest accepted ${Math.round(count / ingestSeconds)} events/s; ${count - receiver.arrivals.size} missing`,
  };
}

async function steady(bench: Bench): Promise<Result> {
  const rate = 1000;
  const seconds = Number(process.env.BENCH_STEADY_SECONDS ?? 30);
  const receiver = await new BenchReceiver('ok').start();
  const appId = await bench.app('steady');
  await bench.endpoints(appId, [{ url: receiver.url('s'), eventTypes: ['bench.steady'] }]);
  const sent = new Map<string, number>();
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  let i = 0;
  // Open loop: every 10 ms, send what the schedule says is due, whatever the answers.
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (i < due) {
      const id = `st-${i++}`;
      sent.set(id, performance.now());
      inFlight.push(bench.publish(appId, id, 'bench.steady'));
    }
    await sleep(10);
  }
  await Promise.all(inFlight);
  await waitForArrivals(receiver, i, 120_000);
  await receiver.stop();
  return {
    scenario: 'steady',
    events: i,
    deliveries: receiver.arrivals.size,
    seconds,
    deliveriesPerSecond: Math.round(receiver.arrivals.size / seconds),
    latencyMs: percentiles(latencies(sent, receiver.arrivals)),
    notes: `${rate} events/s offered`,
  };
}

async function fanout(bench: Bench): Promise<Result> {
  const receiver = await new BenchReceiver('ok').start();
  const appId = await bench.app('fanout');
  const registered = 5000;
  const matching = 50;
  const bodies = Array.from({ length: registered }, (_, n) =>
    n < matching
      ? { url: receiver.url(`f${n}`), eventTypes: ['bench.fanout'] }
      : { url: receiver.url(`other${n}`), eventTypes: [`bench.other${n}.*`] },
  );
  await bench.endpoints(appId, bodies);
  const events = 1000;
  const started = performance.now();
  const sent = await closedLoop(bench, appId, 'fo', events, 'bench.fanout', 32);
  await waitForArrivals(receiver, events * matching, 300_000);
  const seconds = (Math.max(...receiver.arrivals.values()) - started) / 1000;
  await receiver.stop();
  return {
    scenario: 'fan-out',
    events,
    deliveries: receiver.arrivals.size,
    seconds: Math.round(seconds * 10) / 10,
    deliveriesPerSecond: Math.round(receiver.arrivals.size / seconds),
    latencyMs: percentiles(latencies(sent, receiver.arrivals)),
    notes: `${matching} matching of ${registered} endpoints`,
  };
}

async function isolation(bench: Bench): Promise<Result> {
  const healthy = await new BenchReceiver('ok').start();
  const failing = await new BenchReceiver('error').start();
  const hanging = await new BenchReceiver('hang').start();
  const appId = await bench.app('isolation');
  const bodies = [
    ...Array.from({ length: 100 }, (_, n) => ({ url: healthy.url(`h${n}`), eventTypes: ['bench.isolation'] })),
    ...Array.from({ length: 50 }, (_, n) => ({ url: failing.url(`e${n}`), eventTypes: ['bench.isolation'] })),
    ...Array.from({ length: 50 }, (_, n) => ({ url: hanging.url(`t${n}`), eventTypes: ['bench.isolation'], timeoutMs: 1000 })),
  ];
  await bench.endpoints(appId, bodies);
  const events = 150;
  const started = performance.now();
  const sent = new Map<string, number>();
  // 5 events/s for 30 s: 1,000 deliveries/s offered, half of them to healthy endpoints, within
  // what this machine sustains, so the healthy latency shows the effect of the bad endpoints.
  const publishing: Promise<void>[] = [];
  for (let i = 0; i < events; i += 1) {
    const id = `iso-${i}`;
    sent.set(id, performance.now());
    publishing.push(bench.publish(appId, id, 'bench.isolation'));
    await sleep(200);
  }
  await Promise.all(publishing);
  await waitForArrivals(healthy, events * 100, 120_000);
  const seconds = (Math.max(...healthy.arrivals.values()) - started) / 1000;
  const counts = await bench.deliveryCounts(appId);
  await Promise.all([healthy.stop(), failing.stop(), hanging.stop()]);
  const lost = events * 200 - counts.total + (events * 100 - healthy.arrivals.size);
  return {
    scenario: 'isolation',
    events,
    deliveries: healthy.arrivals.size,
    seconds: Math.round(seconds * 10) / 10,
    deliveriesPerSecond: Math.round(healthy.arrivals.size / seconds),
    latencyMs: percentiles(latencies(sent, healthy.arrivals)),
    notes: `healthy endpoints only; ${counts.total} delivery records of ${events * 200}; lost ${lost}; bad endpoints attempted ${failing.count + hanging.count} times`,
  };
}

async function main(): Promise<void> {
  const scenarios: [string, (bench: Bench) => Promise<Result>][] = [
    ['throughput', throughput],
    ['steady', steady],
    ['fan-out', fanout],
    ['isolation', isolation],
  ];
  const results: Result[] = [];
  for (const [name, run] of scenarios) {
    if (only && !only.includes(name)) continue;
    const bench = new Bench();
    try {
      console.log(`bench: ${name}…`);
      await bench.start();
      results.push(await run(bench));
    } finally {
      await bench.stop();
    }
  }
  console.log('\n| scenario | events | deliveries | seconds | deliveries/s | p50 ms | p95 ms | p99 ms | notes |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of results) {
    console.log(
      `| ${r.scenario} | ${r.events} | ${r.deliveries} | ${r.seconds} | ${r.deliveriesPerSecond} | ${r.latencyMs?.p50 ?? ''} | ${r.latencyMs?.p95 ?? ''} | ${r.latencyMs?.p99 ?? ''} | ${r.notes ?? ''} |`,
    );
  }
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ node: process.version, cpus: (await import('node:os')).cpus().length, results }, null, 2));
  console.log(`\nwritten to ${file}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
