// The harness of `npm run bench`: a private Herald (its own database and NATS namespace on the
// local PostgreSQL and NATS, the four apps as separate processes from dist/) and the shape of a
// scenario's result. The scenarios live in run.ts and gateway.ts.
import 'reflect-metadata';
import { loadConfig } from '@herald/config';
import { Names } from '@herald/contracts';
import { connectNats, deleteStreams } from '@herald/messaging';
import { dropDatabase } from '@herald/persistence';
import { prepareInfrastructure } from '@herald/platform';
import { jetstreamManager } from '@nats-io/jetstream';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { Pool } from 'undici';
import { IngestClient } from './load';

export const ROOT = join(__dirname, '..', '..');

export type Percentiles = { p50: number; p95: number; p99: number };

/** The bare loops every figure is compared with (ceilings.ts), measured in the same run. */
export type CeilingName = 'delivery' | 'ingest' | 'ingestBatch' | 'gateway';

/** What a figure must reach: a share of its ceiling, or an absolute bound. */
export type Target = { ratioAtLeast: number; notDoneBelow?: number } | { atLeast: number } | { atMost: number };

/** One headline figure of a scenario. */
export interface Result {
  scenario: string;
  /** The headline figure, in `unit` (deliveries/s, events/s, messages/s, ms). */
  value: number;
  unit: string;
  /** The ceiling of the same run it is divided by, when there is one. */
  ceiling?: CeilingName;
  target?: Target;
  events?: number;
  deliveries?: number;
  seconds?: number;
  latencyMs?: Percentiles;
  notes?: string;
  /** The notes' figures, for the JSON file. */
  figures?: Record<string, number>;
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type AppName = 'subscriptions' | 'ingest' | 'dispatcher' | 'realtime-gateway';
export const APPS: AppName[] = ['subscriptions', 'ingest', 'realtime-gateway', 'dispatcher'];

/** A process's resident set (VmRSS) in MiB, 0 if it is gone. */
export function rssMiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a process has used so far, 0 if it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th, in ticks of 1/100 s.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * False for a backend of another database: a client backend's title is
 * `postgres: <cluster>: <user> <database> <host>(<port>) <state>`; PostgreSQL's own processes
 * have no client address.
 */
function servesDatabase(pid: number, database: string): boolean {
  try {
    const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return !title.includes('(') || title.includes(` ${database} `);
  } catch {
    return false;
  }
}

/** The pids of every process whose command is `comm` (postgres backends, nats-server). */
function pidsOf(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * CPU time used during a measurement by the named processes, PostgreSQL, nats-server and this
 * process (load generator and receiver): unlike a rate, CPU per delivery hardly moves when
 * something else takes the machine's cores. Given the measurement's `database`, PostgreSQL
 * counts its own processes (WAL writer, checkpointer…) and the backends of that database only,
 * not those of test suites running beside the benchmark.
 */
export class CpuMeter {
  private readonly before = new Map<string, Map<number, number>>();
  private readonly selfBefore = process.cpuUsage();

  constructor(
    private readonly named: Record<string, number>,
    private readonly database?: string,
  ) {
    for (const [label, pids] of this.groups()) this.before.set(label, new Map(pids.map((pid) => [pid, cpuSeconds(pid)])));
  }

  /** CPU milliseconds per unit of work (`units`: deliveries, events) of each process, and their total. */
  perUnit(units: number): Record<string, number> {
    const used: Record<string, number> = {};
    for (const [label, pids] of this.groups()) {
      const before = this.before.get(label) ?? new Map<number, number>();
      used[label] = pids.reduce((sum, pid) => sum + cpuSeconds(pid) - (before.get(pid) ?? 0), 0);
    }
    const self = process.cpuUsage(this.selfBefore);
    used.bench = (self.user + self.system) / 1e6;
    const perUnit = Object.fromEntries(Object.entries(used).map(([label, seconds]) => [label, Math.round((seconds * 1e6) / units) / 1000]));
    perUnit.total = Math.round(Object.values(perUnit).reduce((sum, ms) => sum + ms, 0) * 1000) / 1000;
    return perUnit;
  }

  private groups(): [string, number[]][] {
    return [
      ...Object.entries(this.named).map(([label, pid]): [string, number[]] => [label, [pid]]),
      ['postgres', pidsOf('postgres').filter((pid) => this.database === undefined || servesDatabase(pid, this.database))],
      ['nats', pidsOf('nats-server')],
    ];
  }
}

/** "dispatcher 0.123, postgres 0.045, …" for a result's notes. */
export function cpuNote(perUnit: Record<string, number>, unit: string): string {
  return `CPU ms per ${unit}: ${Object.entries(perUnit)
    .map(([label, ms]) => `${label} ${ms.toFixed(3)}`)
    .join(', ')}`;
}

/** A private Herald for one scenario; `stop()` removes its database and streams. */
export class Bench {
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
    HERALD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    HERALD_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_MAX_PAYLOAD_BYTES: '262144',
  });
  private readonly children = new Map<AppName, ChildProcess>();
  private ports: Record<AppName, number> = { subscriptions: 0, ingest: 0, dispatcher: 0, 'realtime-gateway': 0 };
  ingest!: IngestClient;
  subscriptions!: Pool;

  /** Starts `apps` (all four by default; the others can follow with startApp). */
  async start(apps: AppName[] = APPS): Promise<void> {
    await prepareInfrastructure(this.config, () => undefined);
    const base = 19000 + Math.floor(Math.random() * 500) * 4;
    this.ports = { subscriptions: base, ingest: base + 1, 'realtime-gateway': base + 2, dispatcher: base + 3 };
    for (const name of apps) await this.startApp(name);
    this.ingest = new IngestClient(`http://127.0.0.1:${this.ports.ingest}`, this.token);
    this.subscriptions = new Pool(`http://127.0.0.1:${this.ports.subscriptions}`, { connections: 16 });
  }

  /** Starts one app as a child process; resolves when it reports ready. */
  async startApp(name: AppName): Promise<void> {
    // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each app there when it exits.
    const dir = process.env.BENCH_CPU_PROF;
    const profile = dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
    // BENCH_NODE_FLAGS="--trace-gc …" passes V8 flags to every app (their stdout goes to bench/results/<app>.log).
    const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
    if (flags.length > 0) mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    const child = spawn(process.execPath, [...flags, ...profile, join(ROOT, `dist/apps/${name}/src/main.js`)], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: this.config.databaseUrl,
        NATS_URL: this.config.natsUrl,
        HERALD_NATS_NAMESPACE: this.config.natsNamespace,
        HERALD_ADMIN_TOKEN: this.token,
        HERALD_ENCRYPTION_KEY: this.config.encryptionKey,
        // The load generator publishes far past the default per-app limit on purpose.
        HERALD_INGEST_RATE_LIMIT: '0',
        HERALD_ALLOW_PRIVATE_NETWORKS: 'true',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'error',
        SUBSCRIPTIONS_PORT: String(this.ports.subscriptions),
        INGEST_PORT: String(this.ports.ingest),
        GATEWAY_PORT: String(this.ports['realtime-gateway']),
        DISPATCHER_PORT: String(this.ports.dispatcher),
        // Free ports: a running `npm start` holds the default gRPC ones.
        SUBSCRIPTIONS_GRPC_PORT: '0',
        INGEST_GRPC_PORT: '0',
      },
      stdio: ['ignore', flags.length > 0 ? openSync(join(ROOT, 'bench', 'results', `${name}.log`), 'w') : 'ignore', 'inherit'],
    });
    this.children.set(name, child);
    const deadline = Date.now() + 30_000;
    while (
      !(await fetch(`http://127.0.0.1:${this.ports[name]}/health/ready`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${name} did not start`);
      await sleep(100);
    }
  }

  /** Every running app's process id. */
  /** Its database's name (a CpuMeter counts only its PostgreSQL backends). */
  get database(): string {
    return new URL(this.config.databaseUrl).pathname.slice(1);
  }

  pids(): Partial<Record<AppName, number>> {
    const pids: Partial<Record<AppName, number>> = {};
    for (const [name, child] of this.children) if (child.pid !== undefined && child.exitCode === null) pids[name] = child.pid;
    return pids;
  }

  /** Every running app's VmRSS in MiB. */
  rss(): Partial<Record<AppName, number>> {
    const rss: Partial<Record<AppName, number>> = {};
    for (const [name, child] of this.children) if (child.pid !== undefined) rss[name] = rssMiB(child.pid);
    return rss;
  }

  /** The gateway's live feed, authorised with the admin token. */
  get feedUrl(): string {
    return `ws://127.0.0.1:${this.ports['realtime-gateway']}/ws?token=${this.token}`;
  }

  /** The process id of one of the apps, to read its figures from /proc. */
  pid(app: AppName): number {
    const pid = this.children.get(app)?.pid;
    if (pid === undefined) throw new Error(`${app} is not running`);
    return pid;
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
  publish(appId: string, id: string, eventType: string): Promise<void> {
    return this.ingest.publish(appId, id, eventType);
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
    const exited = [...this.children.values()].map((child) =>
      child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : Promise.resolve(),
    );
    for (const child of this.children.values()) child.kill('SIGTERM');
    await Promise.race([Promise.all(exited), sleep(10_000)]);
    for (const child of this.children.values()) if (child.exitCode === null) child.kill('SIGKILL');
    const nc = await connectNats(this.config.natsUrl, 'herald-bench-cleanup');
    await deleteStreams(await jetstreamManager(nc), new Names(this.config.natsNamespace));
    await nc.close();
    await dropDatabase(this.config.databaseUrl);
  }
}
