import { INestApplication } from '@nestjs/common';
import { HeraldConfig, loadConfig } from '@herald/config';
import { Names } from '@herald/contracts';
import { connectNats, deleteStreams } from '@herald/messaging';
import { dropDatabase } from '@herald/persistence';
import { createHttpApp, GrpcServer, prepareInfrastructure } from '@herald/platform';
import { jetstreamManager } from '@nats-io/jetstream';
import { randomBytes } from 'node:crypto';
import { DispatcherModule } from '../../apps/dispatcher/src/dispatcher.module';
import { createIngestApp } from '../../apps/ingest/src/ingest-app';
import { createGatewayApp } from '../../apps/realtime-gateway/src/gateway-app';
import { createSubscriptionsApp } from '../../apps/subscriptions/src/subscriptions-app';

export type AppName = 'subscriptions' | 'ingest' | 'dispatcher' | 'realtime-gateway';

/**
 * A private Herald for one test file: its own database and NATS namespace on the machine's
 * PostgreSQL and NATS, its own admin token, apps listening on free 127.0.0.1 ports.
 */
export interface TestEnvironment {
  config: HeraldConfig;
  token: string;
  /** Removes the database and the streams. */
  destroy(): Promise<void>;
}

/** Creates the database and streams of a fresh, uniquely named environment. */
export async function createTestEnvironment(overrides: Record<string, string> = {}): Promise<TestEnvironment> {
  const suffix = randomBytes(5).toString('hex');
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/herald');
  base.pathname = `/herald_test_${suffix}`;
  const token = `test-admin-${randomBytes(12).toString('hex')}`;
  const config = loadConfig({
    DATABASE_URL: base.toString(),
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    HERALD_NATS_NAMESPACE: `t${suffix}`,
    HERALD_ADMIN_TOKEN: token,
    HERALD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    HERALD_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_MAX_PAYLOAD_BYTES: '65536',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    HOST: '127.0.0.1',
    SUBSCRIPTIONS_PORT: '0',
    INGEST_PORT: '0',
    GATEWAY_PORT: '0',
    DISPATCHER_PORT: '0',
    SUBSCRIPTIONS_GRPC_PORT: '0',
    INGEST_GRPC_PORT: '0',
    // Short, so a killed dispatcher's messages come back within the test's patience.
    HERALD_ACK_WAIT_SECONDS: '5',
    ...overrides,
  });
  await prepareInfrastructure(config, () => undefined);
  return {
    config,
    token,
    destroy: async () => {
      const nc = await connectNats(config.natsUrl, 'herald-test-cleanup');
      await deleteStreams(await jetstreamManager(nc), new Names(config.natsNamespace));
      await nc.close();
      await dropDatabase(config.databaseUrl);
    },
  };
}

/** Builds and starts one app on a free port; returns it with its base URL. */
export async function startApp(name: AppName, config: HeraldConfig): Promise<{ app: INestApplication; url: string }> {
  const app =
    name === 'realtime-gateway'
      ? await createGatewayApp(config)
      : name === 'ingest'
        ? await createIngestApp(config)
        : name === 'subscriptions'
          ? await createSubscriptionsApp(config)
          : await createHttpApp(DispatcherModule.register(config), config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}` };
}

/** All four apps of one environment. */
export class TestStack {
  readonly apps = new Map<AppName, { app: INestApplication; url: string }>();

  constructor(readonly env: TestEnvironment) {}

  static async start(
    apps: AppName[] = ['subscriptions', 'ingest', 'dispatcher', 'realtime-gateway'],
    overrides: Record<string, string> = {},
  ): Promise<TestStack> {
    const stack = new TestStack(await createTestEnvironment(overrides));
    for (const name of apps) await stack.start(name);
    return stack;
  }

  url(name: AppName): string {
    const entry = this.apps.get(name);
    if (!entry) throw new Error(`${name} is not running`);
    return entry.url;
  }

  /** The `host:port` of an app's gRPC server. */
  grpcAddress(name: 'subscriptions' | 'ingest'): string {
    const entry = this.apps.get(name);
    if (!entry) throw new Error(`${name} is not running`);
    return `127.0.0.1:${entry.app.get(GrpcServer).port}`;
  }

  async start(name: AppName): Promise<void> {
    this.apps.set(name, await startApp(name, this.env.config));
  }

  async stop(name: AppName): Promise<void> {
    await this.apps.get(name)?.app.close();
    this.apps.delete(name);
  }

  /** An authenticated JSON request to one app. */
  async request(name: AppName, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.url(name)}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.env.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, any>) : null };
  }

  async close(): Promise<void> {
    for (const name of [...this.apps.keys()].reverse()) await this.stop(name);
    await this.env.destroy();
  }
}

/** Polls `check` until it returns a truthy value or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 15000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
