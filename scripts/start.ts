// `npm start`, step two: brings up the whole platform on this machine. Uses the PostgreSQL and
// NATS at DATABASE_URL/NATS_URL if they answer; otherwise starts private instances with their
// data under ./.herald/ (installing Debian's packages first when running as root on Debian or
// Ubuntu), prepares the schema and streams, and runs the four apps until Ctrl-C.
// `npm start -- --reset` first deletes this installation's database and streams.
import 'reflect-metadata';
import { HeraldConfig, loadConfig } from '@herald/config';
import { Names } from '@herald/contracts';
import { connectNats, deleteStreams } from '@herald/messaging';
import { dropDatabase } from '@herald/persistence';
import { prepareInfrastructure } from '@herald/platform';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Client } from 'pg';

const STATE_DIR = resolve('.herald');
const APPS = [
  { name: 'subscriptions', portVar: 'SUBSCRIPTIONS_PORT', port: 8080 },
  { name: 'ingest', portVar: 'INGEST_PORT', port: 8081 },
  { name: 'dispatcher', portVar: 'DISPATCHER_PORT', port: 8083 },
  { name: 'realtime-gateway', portVar: 'GATEWAY_PORT', port: 8082 },
] as const;

const log = (message: string) => console.log(`herald: ${message}`);
const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
let stopping = false;

/** Thrown by fail() so that nothing after it runs; main() knows it was reported already. */
class Stopped extends Error {}

/** An expected failure: one line (no stack), stop what was started, exit non-zero. */
function fail(message: string): never {
  stop(message);
  throw new Stopped(message);
}

/** fail() for callbacks, where a throw would be an uncaught exception. */
function stop(message: string): void {
  console.error(`herald: ${message}`);
  shutdown(1);
}

/** Finds a server binary on PATH or in Debian's usual places. */
function findBinary(name: string): string | null {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/local/sbin', '/usr/local/bin']);
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    dirs.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  }
  for (const dir of dirs) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return null;
}

async function postgresAnswers(databaseUrl: string): Promise<string> {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return 'up';
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'ETIMEDOUT' || /timeout/i.test(String(error))
      ? 'down'
      : String((error as Error).message);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function natsAnswers(natsUrl: string): Promise<string> {
  try {
    const nc = await connect({ servers: natsUrl.split(','), timeout: 2000, reconnect: false });
    const jetStream = nc.info?.jetstream;
    await nc.close();
    return jetStream ? 'up' : 'NATS answers but JetStream is off: start nats-server with -js';
  } catch {
    return 'down';
  }
}

function isDebianRoot(): boolean {
  if (process.getuid?.() !== 0 || !existsSync('/etc/os-release')) return false;
  return /^ID(_LIKE)?=.*\b(debian|ubuntu)\b/m.test(readFileSync('/etc/os-release', 'utf8')) && findBinary('apt-get') !== null;
}

function installPackages(packages: string[]): void {
  log(`installing Debian packages ${packages.join(', ')} with apt-get (running as root)…`);
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...packages]]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) fail(`apt-get ${args[0]} failed`);
  }
}

function missingServersHelp(missing: string[]): never {
  fail(
    [
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not reachable and not installed. Either:`,
      '  - on Debian/Ubuntu:  sudo apt-get install -y postgresql nats-server   (then run npm start again)',
      '  - on macOS:          brew install postgresql@16 nats-server',
      '  - with Docker:       docker compose up -d nats postgres',
      '  - or point DATABASE_URL / NATS_URL at servers you already run.',
    ].join('\n'),
  );
}

/** Runs a command as the postgres user when we are root (PostgreSQL refuses to run as root). */
function asPostgres(command: string, args: string[]): ReturnType<typeof spawnSync> {
  if (process.getuid?.() === 0) return spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' });
  return spawnSync(command, args, { encoding: 'utf8' });
}

function startPrivatePostgres(databaseUrl: string): void {
  const pgCtl = findBinary('pg_ctl') as string;
  const initdb = findBinary('initdb') as string;
  const url = new URL(databaseUrl);
  const port = url.port || '5432';
  const dataDir = join(STATE_DIR, 'postgres');
  const root = process.getuid?.() === 0;
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`initialising a private PostgreSQL in ${dataDir}`);
    mkdirSync(dataDir, { recursive: true });
    if (root) chownPostgres(dataDir);
    const result = asPostgres(initdb, ['-D', dataDir, '-U', url.username || 'postgres', '--auth=trust', '--encoding=UTF8']);
    if (result.status !== 0) fail(`initdb failed:\n${String(result.stderr)}`);
  }
  log(`starting the private PostgreSQL on 127.0.0.1:${port}`);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dataDir}`;
  const result = asPostgres(pgCtl, ['-D', dataDir, '-o', options, '-l', join(dataDir, 'server.log'), '-w', 'start']);
  if (result.status !== 0) fail(`PostgreSQL did not start; see ${join(dataDir, 'server.log')}`);
  cleanups.push(() => {
    log('stopping the private PostgreSQL');
    asPostgres(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
  });
}

function chownPostgres(dir: string): void {
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0) fail('the postgres system user does not exist; install the postgresql package');
  chownSync(dir, Number(id.stdout), Number(gid.stdout));
  chmodSync(dir, 0o700);
}

function startPrivateNats(natsUrl: string): void {
  const binary = findBinary('nats-server') as string;
  const url = new URL(natsUrl.split(',')[0]);
  const port = url.port || '4222';
  const dataDir = join(STATE_DIR, 'nats');
  mkdirSync(dataDir, { recursive: true });
  log(`starting a private nats-server with JetStream on 127.0.0.1:${port} (data in ${dataDir})`);
  const logFile = join(dataDir, 'server.log');
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', port, '-js', '-sd', dataDir, '-l', logFile], { stdio: 'ignore' });
  child.on('exit', (code) => {
    if (!stopping) stop(`the private nats-server exited (${code}); see ${logFile}`);
  });
  cleanups.push(() => {
    log('stopping the private nats-server');
    child.kill('SIGTERM');
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) fail(`${what} did not come up within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function ensureServers(databaseUrl: string, natsUrl: string): Promise<void> {
  let pg = await postgresAnswers(databaseUrl);
  let nats = await natsAnswers(natsUrl);
  if (pg !== 'up' && pg !== 'down') fail(`PostgreSQL at ${databaseUrl} answers but refuses us: ${pg}`);
  if (nats !== 'up' && nats !== 'down') fail(nats);
  const needed: string[] = [];
  if (pg === 'down' && (!findBinary('pg_ctl') || !findBinary('initdb'))) needed.push('postgresql');
  if (nats === 'down' && !findBinary('nats-server')) needed.push('nats-server');
  if (needed.length > 0) {
    if (isDebianRoot()) installPackages(needed);
    else missingServersHelp(needed.map((p) => (p === 'postgresql' ? 'PostgreSQL' : 'NATS')));
  }
  if (pg === 'down') {
    startPrivatePostgres(databaseUrl);
    await waitFor('PostgreSQL', async () => (pg = await postgresAnswers(databaseUrl)) === 'up');
  }
  if (nats === 'down') {
    startPrivateNats(natsUrl);
    await waitFor('NATS', async () => (nats = await natsAnswers(natsUrl)) === 'up');
  }
}

function adminToken(): string {
  if (process.env.HERALD_ADMIN_TOKEN) return process.env.HERALD_ADMIN_TOKEN;
  const file = join(STATE_DIR, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = `hrld_admin_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  log(`generated an admin token, kept in ${file}`);
  return token;
}

/** HERALD_ENCRYPTION_KEY, or the one generated for this checkout (lose it and stored secrets cannot be opened). */
function encryptionKey(): string {
  if (process.env.HERALD_ENCRYPTION_KEY) return process.env.HERALD_ENCRYPTION_KEY;
  const file = join(STATE_DIR, 'encryption-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomBytes(32).toString('base64');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  log(`generated an encryption key for secrets at rest, kept in ${file}`);
  return key;
}

/** Fails, naming the variable to change, if another program holds a port one of the apps needs. */
async function checkPorts(config: HeraldConfig): Promise<void> {
  const wanted: [string, number][] = [
    ['SUBSCRIPTIONS_PORT', config.ports.subscriptions],
    ['SUBSCRIPTIONS_GRPC_PORT', config.ports.subscriptionsGrpc],
    ['INGEST_PORT', config.ports.ingest],
    ['INGEST_GRPC_PORT', config.ports.ingestGrpc],
    ['GATEWAY_PORT', config.ports.gateway],
    ['DISPATCHER_PORT', config.ports.dispatcher],
  ];
  for (const [variable, port] of wanted) {
    if (port === 0) continue;
    const error = await new Promise<NodeJS.ErrnoException | null>((done) => {
      const server = createServer();
      server.once('error', done);
      server.listen(port, config.host, () => server.close(() => done(null)));
    });
    if (error?.code === 'EADDRINUSE')
      fail(`port ${port} on ${config.host} is in use by another program: stop it, or set ${variable} to a free port`);
    if (error) fail(`cannot listen on ${config.host}:${port} (${variable}): ${error.message}`);
  }
}

/** `--reset`: deletes this installation's database and NATS streams, after saying exactly which. */
async function resetData(config: HeraldConfig): Promise<void> {
  const database = decodeURIComponent(new URL(config.databaseUrl).pathname.slice(1));
  const names = new Names(config.natsNamespace);
  const nc = await connectNats(config.natsUrl, 'herald-reset');
  try {
    const jsm = await jetstreamManager(nc);
    const present: string[] = [];
    for (const stream of Object.values(names.streams))
      if (
        await jsm.streams.info(stream).then(
          () => true,
          () => false,
        )
      )
        present.push(stream);
    log(
      `--reset: deleting PostgreSQL database "${database}" and ` +
        (present.length ? `the NATS streams ${present.join(', ')}` : `no NATS streams (none of namespace "${config.natsNamespace}" exist)`),
    );
    await deleteStreams(jsm, names);
  } finally {
    await nc.close();
  }
  await dropDatabase(config.databaseUrl);
}

function startApp(name: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', resolve(`dist/apps/${name}/src/main.js`)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Log lines name their app already (and stay parseable JSON when not on a terminal); what an
  // app writes to stderr before its logger runs gets the app's name in front.
  for (const [stream, prefix] of [
    [child.stdout, ''],
    [child.stderr, `[${name}] `],
  ] as const) {
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (buffered + chunk.toString()).split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`herald: ${name} exited (${signal ?? code}); stopping everything`);
      shutdown(1);
    }
  });
  children.push(child);
  return child;
}

function shutdown(code: number): void {
  if (stopping) return;
  stopping = true;
  const alive = children.filter((child) => child.exitCode === null && child.signalCode === null);
  for (const child of alive) child.kill('SIGTERM');
  const finish = () => {
    for (const cleanup of cleanups.reverse()) cleanup();
    process.exit(code);
  };
  if (alive.length === 0) return finish();
  let left = alive.length;
  for (const child of alive) child.once('exit', () => --left === 0 && finish());
  setTimeout(() => {
    for (const child of alive) child.kill('SIGKILL');
    finish();
  }, 10_000).unref();
}

/** The uid of the operations app `npm start` creates unless HERALD_OPERATIONS_APP names another. */
const OPERATIONS_APP_UID = 'herald-operations';

/**
 * Creates the operations app (operational webhooks) named by HERALD_OPERATIONS_APP unless it
 * exists; an `app_…` id must exist already (ids are not chosen). Returns how it is known.
 */
async function ensureOperationsApp(base: string, token: string, key: string): Promise<string> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const existing = await fetch(`${base}/v1/apps/${encodeURIComponent(key)}`, { headers });
  if (existing.ok) return key;
  if (key.startsWith('app_'))
    throw new Error(`HERALD_OPERATIONS_APP names ${key}, which does not exist: set it to an existing app or to a uid`);
  const created = await fetch(`${base}/v1/apps`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'Herald operations', uid: key, metadata: { purpose: 'operational webhooks' } }),
  });
  if (!created.ok && created.status !== 409)
    throw new Error(`could not create the operations app "${key}": HTTP ${created.status} ${await created.text()}`);
  log(`created the operations app "${key}"`);
  return key;
}

async function main(): Promise<void> {
  mkdirSync(STATE_DIR, { recursive: true });
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  const token = adminToken();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HERALD_ADMIN_TOKEN: token,
    HERALD_ENCRYPTION_KEY: encryptionKey(),
    HERALD_ALLOW_PRIVATE_NETWORKS: process.env.HERALD_ALLOW_PRIVATE_NETWORKS ?? 'true',
    HOST: process.env.HOST ?? '127.0.0.1',
    // The apps write to a pipe (ours), so they cannot see the terminal: tell them.
    LOG_FORMAT: process.env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    HERALD_OPERATIONS_APP: process.env.HERALD_OPERATIONS_APP || OPERATIONS_APP_UID,
  };
  const config = loadConfig(env);
  await ensureServers(config.databaseUrl, config.natsUrl);
  await checkPorts(config);
  if (process.argv.includes('--reset')) await resetData(config);
  // Throws EncryptionKeyMismatchError (one line, with the ways out) if the data has another key.
  await prepareInfrastructure(config, log);

  for (const app of APPS) startApp(app.name, env);
  const ports = {
    subscriptions: config.ports.subscriptions,
    ingest: config.ports.ingest,
    dispatcher: config.ports.dispatcher,
    'realtime-gateway': config.ports.gateway,
  };
  for (const app of APPS) {
    const url = `http://127.0.0.1:${ports[app.name]}/health/ready`;
    await waitFor(app.name, async () => (await fetch(url).catch(() => null))?.ok === true, 60_000);
  }
  const operations = await ensureOperationsApp(`http://127.0.0.1:${ports.subscriptions}`, token, config.operationsApp as string);
  console.log(
    [
      '',
      'Herald is running.',
      `  management API (subscriptions)  http://127.0.0.1:${ports.subscriptions}, gRPC 127.0.0.1:${config.ports.subscriptionsGrpc}`,
      `  console (operator and portal)   http://127.0.0.1:${ports.subscriptions}/console`,
      `  API docs (OpenAPI, Swagger UI)  http://127.0.0.1:${ports.subscriptions}/docs`,
      `  event intake (ingest)           http://127.0.0.1:${ports.ingest}, gRPC 127.0.0.1:${config.ports.ingestGrpc}`,
      `  live feed (realtime-gateway)    ws://127.0.0.1:${ports['realtime-gateway']}/ws?token=<admin token>`,
      `  dispatcher health               http://127.0.0.1:${ports.dispatcher}/health/ready`,
      `  admin token                     ${token}`,
      `  operations app                  ${operations} (HERALD_OPERATIONS_APP): its endpoints may subscribe to herald.endpoint.* and herald.delivery.exhausted`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  if (!(error instanceof Stopped)) stop(error instanceof Error ? error.message : String(error));
});
