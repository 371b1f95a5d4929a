import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

// No Docker engine here: the compose file and Dockerfile are checked by reading them.
const root = join(__dirname, '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      build?: string;
      image?: string;
      command?: string[];
      ports?: string[];
      environment?: Record<string, string>;
      depends_on?: Record<string, { condition: string }>;
      healthcheck?: { test: string[] };
    }
  >;
};

const APPS: Record<string, number> = { subscriptions: 8080, ingest: 8081, 'realtime-gateway': 8082, dispatcher: 8083 };
/** The gRPC ports (SUBSCRIPTIONS_GRPC_PORT, INGEST_GRPC_PORT defaults). */
const GRPC: Record<string, number> = { subscriptions: 50051, ingest: 50052 };

describe('docker-compose.yml', () => {
  it('runs NATS with JetStream and PostgreSQL, each with a health check', () => {
    const { nats, postgres } = compose.services;
    expect(nats.image).toMatch(/^nats:/);
    expect(nats.command).toContain('-js');
    expect(nats.ports).toContain('4222:4222');
    expect(postgres.image).toMatch(/^postgres:/);
    expect(postgres.ports).toContain('5432:5432');
    expect(nats.healthcheck?.test.length).toBeGreaterThan(0);
    expect(postgres.healthcheck?.test.length).toBeGreaterThan(0);
  });

  it('ships traces to an OpenTelemetry collector that forwards them to Jaeger', () => {
    const { 'otel-collector': collector, jaeger } = compose.services;
    expect(collector.image).toMatch(/opentelemetry-collector/);
    expect(jaeger.image).toMatch(/^jaegertracing\//);
    expect(jaeger.ports).toContain('16686:16686');
    const mounted = (collector as { volumes?: string[] }).volumes?.[0].split(':')[0] ?? '';
    const config = parse(readFileSync(join(root, mounted), 'utf8')) as {
      receivers: { otlp: { protocols: { http: { endpoint: string } } } };
      exporters: Record<string, { endpoint: string }>;
      service: { pipelines: { traces: { receivers: string[]; exporters: string[] } } };
    };
    expect(config.receivers.otlp.protocols.http.endpoint).toMatch(/:4318$/);
    const [exporter] = config.service.pipelines.traces.exporters;
    expect(config.exporters[exporter].endpoint).toBe('jaeger:4317');
    for (const app of Object.keys(APPS)) {
      expect(compose.services[app].environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
      expect(compose.services[app].environment?.OTEL_SERVICE_NAME).toBe(`herald-${app}`);
    }
  });

  it('migrates before the apps start', () => {
    const { migrate } = compose.services;
    expect(migrate.command?.join(' ')).toContain('dist/scripts/migrate.js');
    expect(existsSync(join(root, 'scripts/migrate.ts'))).toBe(true);
  });

  it.each(Object.entries(APPS))('runs %s from the one Dockerfile on port %d with its dependencies', (name, port) => {
    const service = compose.services[name];
    expect(service).toBeDefined();
    expect(service.build).toBe('.');
    const entry = service.command?.find((part) => part.startsWith('dist/')) ?? '';
    expect(entry).toBe(`dist/apps/${name}/src/main.js`);
    expect(existsSync(join(root, `apps/${name}/src/main.ts`))).toBe(true);
    const grpc = GRPC[name];
    expect(service.ports).toEqual(grpc ? [`${port}:${port}`, `${grpc}:${grpc}`] : [`${port}:${port}`]);
    expect(Object.keys(service.depends_on ?? {}).sort()).toEqual(['migrate', 'nats', 'otel-collector', 'postgres']);
    expect(service.depends_on?.migrate.condition).toBe('service_completed_successfully');
    expect(service.environment?.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(service.environment?.NATS_URL).toBe('nats://nats:4222');
    expect(service.environment?.HERALD_ADMIN_TOKEN).toBeDefined();
    expect(service.environment?.HERALD_ENCRYPTION_KEY).toMatch(/^\$\{HERALD_ENCRYPTION_KEY:\?/);
    expect(service.healthcheck?.test).toEqual(['CMD', 'node', 'dist/scripts/healthcheck.js', String(port)]);
  });

  it('uses Node 24 images and builds every entry point the compose file runs', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(/^node:24/);
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/npm run build/);
    for (const dir of ['apps', 'libs', 'scripts']) expect(dockerfile).toContain(`COPY ${dir} ./${dir}`);
    // The gRPC servers load libs/contracts/proto at run time: the build copies it into dist/.
    expect(dockerfile).toContain('COPY --from=build /app/dist ./dist');
    expect(readFileSync(join(root, 'scripts/build.mjs'), 'utf8')).toMatch(/name\.endsWith\('\.proto'\)/);
    expect(existsSync(join(root, 'libs/contracts/proto/herald/v1/ingest.proto'))).toBe(true);
  });
});
