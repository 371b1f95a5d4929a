import { HttpStatus, INestApplication } from '@nestjs/common';
import {
  assertMayWrite,
  Authenticator,
  bearerToken,
  bodyParserProblem,
  findUnsafeJson,
  ProblemDetails,
  ProblemDetailsFilter,
  ProblemException,
  requestIdOf,
  toValidationProblemBody,
  validateGuardedDto,
} from '@herald/platform';
import type { Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { plainPublishEvent, PublishEventDto } from './dto/publish-event.dto';
import { EventsController } from './events.controller';

const ROUTE = /^\/v1\/apps\/([A-Za-z0-9._~-]+)\/events\/?$/;
/** What the JSON body parser takes, in UTF-8 (anything else goes the general way). */
const JSON_TYPE = /^application\/(?:[A-Za-z0-9.+-]+\+)?json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * `POST /v1/apps/{appId}/events` without Express and Nest's per-request pipeline, which cost
 * more CPU than everything else an event takes in ingest. The steps are the pipeline's, in its
 * order, with its code: the request id and log line of the logging module, the body limit and
 * JSON errors of the body parser, the input guard (findUnsafeJson, once: validateGuardedDto does
 * not walk the body again), the AuthGuard's Authenticator, the global pipe's validation,
 * EventsController.publish itself, and ProblemDetailsFilter's answers. Any request outside the
 * plain case (a query string, an escaped path, another content type or encoding, no
 * Content-Length, a body over the limit) goes to Express as before, so every edge keeps its one
 * implementation there.
 */
export class PublishRoute {
  private readonly problems = new ProblemDetailsFilter();

  private constructor(
    private readonly authenticator: Authenticator,
    private readonly controller: EventsController,
  ) {}

  /** Serves the route ahead of `app`'s Express handler on its HTTP server. */
  static attach(app: INestApplication, bodyLimitBytes: number): void {
    new PublishRoute(app.get(Authenticator), app.get(EventsController)).listen(app.getHttpServer() as Server, bodyLimitBytes);
  }

  private listen(server: Server, bodyLimitBytes: number): void {
    const [general] = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const appKey = this.takes(req, bodyLimitBytes);
      if (appKey === null) void general(req, res);
      else void this.serve(req, res, appKey);
    });
  }

  /** The app key when this route serves the request the plain way, else null. */
  private takes(req: IncomingMessage, bodyLimitBytes: number): string | null {
    if (req.method !== 'POST') return null;
    const match = ROUTE.exec(req.url ?? '');
    if (!match) return null;
    const length = Number(req.headers['content-length']);
    if (!Number.isInteger(length) || length > bodyLimitBytes) return null;
    if (req.headers['content-encoding'] !== undefined && req.headers['content-encoding'] !== 'identity') return null;
    if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) return null;
    return match[1];
  }

  private async serve(req: IncomingMessage, res: ServerResponse, appKey: string): Promise<void> {
    (req as IncomingMessage & { id: string }).id = requestIdOf(req, res);
    const started = Date.now();
    const logger = PinoLogger.root;
    if (logger?.isLevelEnabled('info')) {
      res.once('finish', () => logger.child({ req }).info({ res, responseTime: Date.now() - started }, 'request completed'));
    }
    try {
      const body = parseBody(await readBody(req));
      const unsafe = findUnsafeJson(body);
      if (unsafe) return send(res, toValidationProblemBody([unsafe]));
      const principal = await this.authenticator.authenticate(bearerToken(req.headers.authorization));
      if (!principal) throw new ProblemException(HttpStatus.UNAUTHORIZED, 'unauthorized', 'a valid bearer token is required');
      assertMayWrite(principal);
      const dto = (isPlainObject(body) && plainPublishEvent(body)) || validateGuardedDto(PublishEventDto, body);
      const result = await this.controller.publish(
        principal,
        appKey,
        dto,
        req.headers as Record<string, string>,
        res as unknown as Response,
      );
      const json = JSON.stringify(result);
      res.writeHead(HttpStatus.ACCEPTED, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
      res.end(json);
    } catch (error) {
      if (error instanceof ProblemException) for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
      send(res, error instanceof BodyError ? error.problem : this.problems.toProblem(error));
    }
  }
}

/** A problem of the body itself, as the body parser reports it. */
class BodyError extends Error {
  constructor(readonly problem: ProblemDetails) {
    super(problem.detail);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The body parser's strict JSON: an object or array, or nothing (an empty object). */
function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  const text = raw.toString('utf8');
  const first = /^[\s\uFEFF]*(.)/.exec(text)?.[1];
  try {
    if (first !== '{' && first !== '[') throw new SyntaxError('not an object or array');
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError(bodyParserProblem({ type: 'entity.parse.failed' }) as ProblemDetails);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function send(res: ServerResponse, problem: ProblemDetails): void {
  const json = JSON.stringify(problem);
  res.writeHead(problem.status, {
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}
