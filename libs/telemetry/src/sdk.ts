import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let sdk: NodeSDK | undefined;

/** True when the environment configures a trace exporter (OTLP endpoint or OTEL_TRACES_EXPORTER). */
export function telemetryConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER;
  if (exporter && exporter !== 'none') return true;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** The version in Herald's package.json, the nearest one above this file (in the sources and in dist/ alike). */
export function heraldVersion(from: string = __dirname): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Starts the Node SDK (exporter, resource and W3C propagation from the OTEL_* variables) with
 * HTTP, undici, pg and NestJS instrumentation, if configured. Spans name `serviceName` and
 * Herald's version as their service unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say
 * otherwise. Flushes spans on shutdown.
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (sdk || !telemetryConfigured(env)) return false;
  const version = heraldVersion();
  sdk = new NodeSDK({
    // The base the SDK's detectors merge onto, so the OTEL_* variables they read still win.
    resource: defaultResource().merge(
      resourceFromAttributes({ 'service.name': serviceName, ...(version ? { 'service.version': version } : {}) }),
    ),
    instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation(), new PgInstrumentation(), new NestInstrumentation()],
  });
  sdk.start();
  const stop = (signal: NodeJS.Signals) => {
    // Nobody else listening (Nest's shutdown hooks are not registered yet): after the flush the
    // signal must still end the process, as it would have without this listener.
    const alone = process.listenerCount(signal) === 0;
    void sdk
      ?.shutdown()
      .catch(() => undefined)
      .finally(() => alone && process.kill(process.pid, signal));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return true;
}
