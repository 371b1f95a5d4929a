import { DynamicModule } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Paths pino replaces with "[redacted]": credentials, secrets and signatures never reach a log. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'req.headers["webhook-signature"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["webhook-signature"]',
  'requestHeaders["webhook-signature"]',
  'secret',
  'token',
  '*.secret',
  '*.token',
  '*.authorization',
  '*.adminToken',
];

const SECRET_QUERY = /([?&](?:token|api_key|secret)=)[^&]*/gi;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** A URL with the values of credential-bearing query parameters removed. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_QUERY, '$1[redacted]');
}

/** The request id of a request (`x-request-id` if the caller sent a usable one), echoed in the answer. */
export function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

/**
 * JSON logs with pino: one line per request with its request id (`x-request-id` if the caller
 * sent a usable one, echoed back), the Nest logger routed through it, and credentials redacted.
 */
export function loggingModule(config: HeraldConfig, app: string): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      level: config.logLevel === 'verbose' ? 'trace' : config.logLevel,
      base: { app },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      genReqId: requestIdOf,
      serializers: {
        req: (req: { id: unknown; method: string; url: string; headers: Record<string, unknown> }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url),
          headers: { ...req.headers },
        }),
      },
      autoLogging: { ignore: (req: IncomingMessage) => /^\/(health|metrics)\b/.test(req.url ?? '') },
    },
  });
}
