import { SecretBox } from '@herald/config';
import { Names } from '@herald/contracts';
import { connectNats, deleteStreams } from '@herald/messaging';
import { dropDatabase } from '@herald/persistence';
import { jetstreamManager } from '@nats-io/jetstream';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:net';
import { join } from 'node:path';
import { buildOnce, freePort } from './support/processes';
import { eventually } from './support/stack';

jest.setTimeout(180_000);

const root = join(__dirname, '..');
/** A stack trace's frame, as Node prints them. */
const STACK_FRAME = /^\s+at /m;

/** The built `npm start` (dist/scripts/start.js), with its output collected. */
class StartRun {
  output = '';
  exitCode: number | null | undefined;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(env: NodeJS.ProcessEnv, args: string[] = []) {
    this.child = spawn(process.execPath, [join(root, 'dist/scripts/start.js'), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) stream?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve((this.exitCode = code))));
  }

  async stop(): Promise<void> {
    if (this.exitCode === undefined) this.child.kill('SIGTERM');
    await this.exited;
  }
}

describe('npm start', () => {
  const suffix = randomBytes(5).toString('hex');
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/herald');
  base.pathname = `/herald_start_${suffix}`;
  const namespace = `s${suffix}`;
  const runs: StartRun[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    buildOnce({ console: true });
    env = {
      DATABASE_URL: base.toString(),
      NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      HERALD_NATS_NAMESPACE: namespace,
      HERALD_ADMIN_TOKEN: `test-admin-${suffix}`,
      LOG_LEVEL: 'warn',
      SUBSCRIPTIONS_PORT: String(await freePort()),
      INGEST_PORT: String(await freePort()),
      GATEWAY_PORT: String(await freePort()),
      DISPATCHER_PORT: String(await freePort()),
      SUBSCRIPTIONS_GRPC_PORT: String(await freePort()),
      INGEST_GRPC_PORT: String(await freePort()),
    };
  });

  afterAll(async () => {
    for (const run of runs) await run.stop();
    const nc = await connectNats(env.NATS_URL as string, 'herald-test-cleanup');
    await deleteStreams(await jetstreamManager(nc), new Names(namespace));
    await nc.close();
    await dropDatabase(base.toString());
  });

  function start(extra: NodeJS.ProcessEnv, args: string[] = []): StartRun {
    const run = new StartRun({ ...env, ...extra }, args);
    runs.push(run);
    return run;
  }

  it('stops a second start with another HERALD_ENCRYPTION_KEY within seconds, with one message; --reset recovers', async () => {
    const original = randomBytes(32).toString('base64');
    const first = start({ HERALD_ENCRYPTION_KEY: original });
    await eventually(async () => first.output.includes('Herald is running.') || first.exitCode !== undefined, 90_000, 100);
    expect(first.output).toContain('Herald is running.');
    try {
      // npm start creates the operations app (HERALD_OPERATIONS_APP, default uid herald-operations).
      expect(first.output).toContain('operations app                  herald-operations');
      const operations = await fetch(`http://127.0.0.1:${env.SUBSCRIPTIONS_PORT}/v1/apps/herald-operations`, {
        headers: { authorization: `Bearer ${env.HERALD_ADMIN_TOKEN}` },
      });
      expect(operations.status).toBe(200);
      expect(await operations.json()).toMatchObject({ uid: 'herald-operations', name: 'Herald operations' });
      // The console URL it prints serves the page, and a portal session's link opens it too.
      const consoleUrl = /console \(operator and portal\)\s+(\S+)/.exec(first.output)?.[1];
      expect(consoleUrl).toBe(`http://127.0.0.1:${env.SUBSCRIPTIONS_PORT}/console`);
      const page = await fetch(consoleUrl!);
      expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
      expect(await page.text()).toContain('<div id="root"></div>');
      const headers = { authorization: `Bearer ${env.HERALD_ADMIN_TOKEN}`, 'content-type': 'application/json' };
      const app = await fetch(`${consoleUrl!.replace('/console', '')}/v1/apps`, { method: 'POST', headers, body: '{"name":"start"}' });
      const { id } = (await app.json()) as { id: string };
      const session = await fetch(`${consoleUrl!.replace('/console', '')}/v1/apps/${id}/portal-sessions`, {
        method: 'POST',
        headers,
        body: '{}',
      });
      const { url } = (await session.json()) as { url: string };
      expect(url).toMatch(new RegExp(`^${consoleUrl}/portal#token=hrld_`));
      expect((await fetch(url)).status).toBe(200);
    } finally {
      // A failed check must not leave this run holding the ports the next test needs.
      await first.stop();
    }

    const other = randomBytes(32).toString('base64');
    const started = Date.now();
    const second = start({ HERALD_ENCRYPTION_KEY: other });
    const code = await second.exited;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(code).not.toBe(0);
    expect(second.output).toContain('was sealed with a different HERALD_ENCRYPTION_KEY');
    expect(second.output).toContain(`expected key fingerprint ${new SecretBox(original).fingerprint()}`);
    expect(second.output).toContain(`this key's is ${new SecretBox(other).fingerprint()}`);
    expect(second.output).toContain('npm start -- --reset');
    expect(second.output).not.toMatch(STACK_FRAME);
    expect(second.output).not.toContain('unreachable');
    expect(second.output).not.toContain(original);

    const reset = start({ HERALD_ENCRYPTION_KEY: other }, ['--reset']);
    await eventually(async () => reset.output.includes('Herald is running.') || reset.exitCode !== undefined, 90_000, 100);
    const streams = Object.values(new Names(namespace).streams);
    expect(reset.output).toContain(`deleting PostgreSQL database "${base.pathname.slice(1)}" and the NATS streams ${streams.join(', ')}`);
    expect(reset.output).toContain('Herald is running.');
    await reset.stop();
  });

  it('names the port and the variable to change when a port is taken, in one line', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(Number(env.INGEST_PORT), '127.0.0.1', resolve));
    try {
      // Checked before anything is deleted or migrated: with --reset, nothing is lost.
      const run = start({ HERALD_ENCRYPTION_KEY: randomBytes(32).toString('base64') }, ['--reset']);
      expect(await run.exited).not.toBe(0);
      expect(run.output).toContain(
        `port ${env.INGEST_PORT} on 127.0.0.1 is in use by another program: stop it, or set INGEST_PORT to a free port`,
      );
      expect(run.output).not.toMatch(STACK_FRAME);
      expect(run.output).not.toContain('--reset: deleting');
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
