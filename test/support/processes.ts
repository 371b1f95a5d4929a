import { HeraldConfig } from '@herald/config';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../..');

/** Compiles the apps to dist/ so tests can run them as real processes (and kill them). */
export function buildOnce(options: { console?: boolean } = {}): void {
  // The console's Vite build takes a while: only the tests that open it pay for it.
  const args = options.console ? [] : ['--no-console'];
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), ...args], { cwd: root, stdio: 'ignore' });
}

/** The environment that makes a spawned app use this config. */
export function envFor(config: HeraldConfig): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    DATABASE_URL: config.databaseUrl,
    NATS_URL: config.natsUrl,
    HERALD_NATS_NAMESPACE: config.natsNamespace,
    HERALD_ADMIN_TOKEN: config.adminToken,
    HERALD_ENCRYPTION_KEY: config.encryptionKey,
    HERALD_INGEST_RATE_LIMIT: String(config.ingestRateLimit),
    HERALD_ALLOW_PRIVATE_NETWORKS: String(config.allowPrivateNetworks),
    HERALD_ACK_WAIT_SECONDS: String(config.ackWaitSeconds),
    ...(config.operationsApp ? { HERALD_OPERATIONS_APP: config.operationsApp } : {}),
    HOST: '127.0.0.1',
    DISPATCHER_PORT: '0',
    SUBSCRIPTIONS_GRPC_PORT: '0',
    INGEST_GRPC_PORT: '0',
    LOG_LEVEL: 'error',
  };
}

/** Runs dist/apps/<name>/src/main.js as a child process; `output` gets its stdout and stderr if given. */
export function spawnApp(name: string, config: HeraldConfig, env: NodeJS.ProcessEnv = {}, output?: (text: string) => void): ChildProcess {
  const child = spawn(process.execPath, [join(root, `dist/apps/${name}/src/main.js`)], {
    env: { ...envFor(config), ...env },
    stdio: ['ignore', output ? 'pipe' : 'ignore', output ? 'pipe' : 'inherit'],
  });
  if (output) {
    child.stdout?.on('data', (chunk: Buffer) => output(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => output(chunk.toString('utf8')));
  }
  return child;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A private nats-server with JetStream on a free port, restartable on the same port and store. */
export class PrivateNats {
  private child?: ChildProcess;
  readonly storeDir = mkdtempSync(join(tmpdir(), 'herald-nats-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateNats> {
    const nats = new PrivateNats(await freePort());
    await nats.restart();
    return nats;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    const binary = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((path) => {
      try {
        execFileSync(path, ['--version'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    });
    if (!binary) throw new Error('nats-server is not installed');
    this.child = spawn(binary, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], { stdio: 'ignore' });
    await waitForPort(this.port);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
