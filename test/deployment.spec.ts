import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative } from 'node:path';
import { parse } from 'yaml';
import { heraldVersion } from '@herald/telemetry';
import { copyLikeDocker, dockerignore, parseDockerfile, Stage, wordsOf } from './support/dockerfile';

// No Docker engine here: the compose file is checked by reading it, and the Dockerfile's stages
// are run in temporary folders that stand in for each stage's filesystem.
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
});

describe('Dockerfile', () => {
  const stages = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
  const final = stages.at(-1)!;
  const scratch = mkdtempSync(join(tmpdir(), 'herald-image-'));
  /** Each built stage's filesystem root, by stage name. */
  const built = new Map<string, string>();
  let workdir = '/';
  /** A path of the final image, as the CMD's working directory sees it. */
  const inImage = (path: string) => join(built.get('final')!, posix.resolve(workdir, path));

  beforeAll(() => {
    for (const [index, stage] of stages.entries()) {
      const name = stage === final ? 'final' : (stage.name ?? String(index));
      const fsRoot = join(scratch, name);
      mkdirSync(fsRoot);
      workdir = runStage(stage, fsRoot, built);
      built.set(name, fsRoot);
    }
  }, 120_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('uses Node 24 images', () => {
    expect(stages.length).toBeGreaterThan(0);
    for (const stage of stages) expect(stage.from).toMatch(/^node:24/);
  });

  it('builds the file its CMD runs into the final image', () => {
    const cmd = final.instructions.findLast((i) => i.keyword === 'CMD');
    const entry = wordsOf(cmd?.args ?? '').find((word) => word.endsWith('.js'));
    expect(entry).toBe('dist/apps/subscriptions/src/main.js');
    expect(existsSync(inImage(entry!))).toBe(true);
  });

  it('builds every script docker-compose.yml and the Helm chart run', () => {
    const fromCompose = Object.values(compose.services)
      .filter((service) => service.build === '.')
      .flatMap((service) => [...(service.command ?? []), ...(service.healthcheck?.test ?? [])]);
    const templates = join(root, 'deploy/helm/herald/templates');
    const fromHelm = readdirSync(templates).flatMap(
      (file) => readFileSync(join(templates, file), 'utf8').match(/\bdist\/\S+\.js\b/g) ?? [],
    );
    const scripts = new Set([...fromCompose, ...fromHelm].filter((word) => /^dist\/\S+\.js$/.test(word)));
    for (const app of Object.keys(APPS)) expect(scripts).toContain(`dist/apps/${app}/src/main.js`);
    for (const script of ['dist/scripts/migrate.js', 'dist/scripts/healthcheck.js']) expect(scripts).toContain(script);
    expect([...scripts].filter((script) => !existsSync(inImage(script)))).toEqual([]);
  });

  it('carries the console the subscriptions app serves at /console, built and pre-compressed', () => {
    const assets = readdirSync(inImage('dist/console/assets'));
    expect(existsSync(inImage('dist/console/index.html'))).toBe(true);
    expect(assets.filter((name) => name.endsWith('.js')).length).toBeGreaterThan(0);
    expect(assets.filter((name) => name.endsWith('.js.br')).length).toBeGreaterThan(0);
  });

  it('carries the package.json the traces take service.version from', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(heraldVersion(inImage('dist/libs/telemetry/src'))).toBe(version);
  });

  it('carries the .proto files the gRPC servers load at run time', () => {
    const protos = execSync('git ls-files "libs/*.proto"', { cwd: root, encoding: 'utf8' }).trim().split('\n');
    expect(protos).toContain('libs/contracts/proto/herald/v1/ingest.proto');
    expect(protos.filter((proto) => !existsSync(inImage(`dist/${proto}`)))).toEqual([]);
  });
});

/**
 * Runs one stage with `fsRoot` standing in for its filesystem root and returns its WORKDIR.
 * COPY takes paths from the repository (minus .dockerignore) or from a built stage; each command
 * of a RUN runs in the WORKDIR, as the image's shell would run it.
 */
function runStage(stage: Stage, fsRoot: string, built: Map<string, string>): string {
  let workdir = '/';
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  const host = (path: string) => join(fsRoot, posix.resolve(workdir, path)) + (path.endsWith('/') ? '/' : '');
  const ignored = dockerignore(root);
  for (const { keyword, flags, args } of stage.instructions) {
    switch (keyword) {
      case 'WORKDIR':
        workdir = posix.resolve(workdir, args);
        mkdirSync(host('.'), { recursive: true });
        break;
      case 'ENV':
        for (const [, name, value] of args.matchAll(/(\w+)=(\S+)/g)) env[name] = value;
        break;
      case 'COPY': {
        const words = wordsOf(args);
        const dest = host(words.pop()!);
        if (!flags.from) copyLikeDocker(root, words, dest, ignored);
        else
          copyLikeDocker(
            built.get(flags.from)!,
            words.map((word) => relative('/', word)),
            dest,
          );
        break;
      }
      case 'RUN':
        for (const command of args.split(/\s*&&\s*/)) {
          // `npm ci` would install the whole tree again (minutes): the repository's node_modules,
          // installed from the same package-lock.json, is linked instead.
          if (/^npm ci\b/.test(command)) symlinkSync(join(root, 'node_modules'), host('node_modules'), 'dir');
          // `npm prune` through that link would delete the repository's own dev dependencies: skipped.
          // It only removes packages, so it cannot make a file the build wrote appear or vanish.
          else if (/^npm prune\b/.test(command)) continue;
          else execSync(command, { cwd: host('.'), env, stdio: 'pipe' });
        }
        break;
      case 'USER':
      case 'CMD':
        break;
      default:
        throw new Error(`Dockerfile ${keyword}: teach test/deployment.spec.ts what it does`);
    }
  }
  return workdir;
}
