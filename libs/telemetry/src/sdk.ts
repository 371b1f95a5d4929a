import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';

let sdk: NodeSDK | undefined;

/** True when the environment configures a trace exporter (OTLP endpoint or OTEL_TRACES_EXPORTER). */
export function telemetryConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER;
  if (exporter && exporter !== 'none') return true;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Starts the Node SDK (exporter, resource and W3C propagation from the OTEL_* variables) with
 * HTTP, undici, pg and NestJS instrumentation, if configured. Flushes spans on shutdown.
 */
export function startTelemetry(env: NodeJS.ProcessEnv = process.env): boolean {
  if (sdk || !telemetryConfigured(env)) return false;
  sdk = new NodeSDK({
    instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation(), new PgInstrumentation(), new NestInstrumentation()],
  });
  sdk.start();
  const stop = () => void sdk?.shutdown().catch(() => undefined);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return true;
}
