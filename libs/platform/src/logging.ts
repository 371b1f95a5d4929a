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

const LEVELS: Record<number, { name: string; colour: string }> = {
  10: { name: 'TRACE', colour: '\x1b[90m' },
  20: { name: 'DEBUG', colour: '\x1b[36m' },
  30: { name: 'INFO', colour: '\x1b[32m' },
  40: { name: 'WARN', colour: '\x1b[33m' },
  50: { name: 'ERROR', colour: '\x1b[31m' },
  60: { name: 'FATAL', colour: '\x1b[35m' },
};
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
/** Fields the readable line shows in its own place, or not at all (the same on every line). */
const PLACED = new Set(['level', 'time', 'pid', 'hostname', 'app', 'context', 'msg', 'req', 'res', 'responseTime', 'err']);

/**
 * One pino JSON line made readable: time, app, level, message, then the other fields as
 * key=value. It formats what pino already serialized, so redaction holds here too.
 */
export function prettyLine(json: string, colour: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const paint = (code: string, text: string) => (colour ? `${code}${text}${RESET}` : text);
  const level = LEVELS[entry.level as number] ?? { name: String(entry.level), colour: '' };
  const time = new Date(typeof entry.time === 'number' ? entry.time : Date.now()).toTimeString().slice(0, 8);
  const parts = [paint(DIM, time), typeof entry.app === 'string' ? entry.app : '', paint(level.colour, level.name.padEnd(5))];
  if (typeof entry.context === 'string') parts.push(paint(DIM, `[${entry.context}]`));
  const req = entry.req as { id?: unknown; method?: string; url?: string } | undefined;
  const res = entry.res as { statusCode?: number } | undefined;
  // pino-http's request line reads as the request itself.
  if (req && res)
    parts.push(`${req.method} ${req.url} ${res.statusCode} ${String(entry.responseTime)} ms`, paint(DIM, `req=${String(req.id)}`));
  else parts.push(typeof entry.msg === 'string' ? entry.msg : '');
  for (const [key, value] of Object.entries(entry)) {
    if (PLACED.has(key) || value === undefined || value === null) continue;
    const text = typeof value === 'string' && /^[^\s"]*$/.test(value) ? value : JSON.stringify(value);
    parts.push(paint(DIM, `${key}=`) + text);
  }
  const err = entry.err as { message?: string; stack?: string } | undefined;
  if (err) parts.push(`${err.message ?? ''}${err.stack ? `\n  ${err.stack.split('\n').slice(1).join('\n  ')}` : ''}`);
  return parts.filter(Boolean).join(' ');
}

/** Where pino writes: stdout as it is (JSON), or through prettyLine. */
function destination(config: HeraldConfig): { write(line: string): void } {
  const pretty = (config.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty';
  if (!pretty) return process.stdout;
  const colour = !process.env.NO_COLOR;
  return { write: (line: string) => void process.stdout.write(`${prettyLine(line, colour)}\n`) };
}

/**
 * Logs with pino: one line per request with its request id (`x-request-id` if the caller sent a
 * usable one, echoed back), the Nest logger routed through it, and credentials redacted. JSON
 * lines, or readable ones (LOG_FORMAT=pretty, or unset on a terminal).
 */
export function loggingModule(config: HeraldConfig, app: string): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: [
      {
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
      destination(config),
    ],
  });
}
