import { INestApplication, Logger } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import { sendProblem } from '@herald/platform';
import type { NextFunction, Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Where the console's pages are served. */
export const CONSOLE_PATH = '/console';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

interface StaticFile {
  type: string;
  etag: string;
  raw: Buffer;
  br?: Buffer;
  gzip?: Buffer;
}

/**
 * The built console (dist/console from `npm run build`): HERALD_CONSOLE_DIR, or beside the
 * compiled app (dist/apps/subscriptions/src/console → dist/console), or dist/console of the
 * repository when the app runs from its sources (tests).
 */
export function consoleDirectory(): string {
  // This file is apps/subscriptions/src/console/ (or the same under dist/): four levels below the root.
  const candidates = [process.env.HERALD_CONSOLE_DIR, join(__dirname, '../../../../console'), join(__dirname, '../../../../dist/console')];
  return candidates.find((dir): dir is string => Boolean(dir) && existsSync(join(dir as string, 'index.html'))) ?? '';
}

function loadFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (!name.endsWith('.br') && !name.endsWith('.gz')) {
        const raw = readFileSync(path);
        files.set(`/${relative(dir, path).split('\\').join('/')}`, {
          type: TYPES[extname(name)] ?? 'application/octet-stream',
          etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 22)}"`,
          raw,
          br: existsSync(`${path}.br`) ? readFileSync(`${path}.br`) : undefined,
          gzip: existsSync(`${path}.gz`) ? readFileSync(`${path}.gz`) : undefined,
        });
      }
    }
  };
  walk(dir);
  return files;
}

/** The feed URL the page connects to: HERALD_GATEWAY_PUBLIC_URL, or the gateway's port on the host the page came from. */
function gatewayUrl(config: HeraldConfig, request: Request): string {
  if (config.console.gatewayUrl) return config.console.gatewayUrl;
  const scheme = request.protocol === 'https' ? 'wss' : 'ws';
  return `${scheme}://${request.hostname}:${config.ports.gateway || 8082}/ws`;
}

/**
 * Serves the console at /console: hashed assets with a year's immutable caching, every other
 * path the page itself (no-cache; the router picks the page), pre-compressed brotli or gzip as the
 * browser accepts, and a Content-Security-Policy whose `frame-ancestors` is
 * HERALD_PORTAL_FRAME_ANCESTORS, so only the products named may frame the portal.
 */
export function serveConsole(app: INestApplication, config: HeraldConfig, dir = consoleDirectory()): void {
  const files = dir ? loadFiles(dir) : new Map<string, StaticFile>();
  const index = files.get('/index.html');
  if (!index) new Logger('console').warn('the console is not built (npm run build): /console answers 503');
  app.use(CONSOLE_PATH, (request: Request, response: Response, next: NextFunction) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    const feed = gatewayUrl(config, request);
    response.setHeader(
      'content-security-policy',
      [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        `connect-src 'self' ${new URL(feed).origin}`,
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
        `frame-ancestors ${config.console.frameAncestors}`,
      ].join('; '),
    );
    response.setHeader('x-content-type-options', 'nosniff');
    response.setHeader('referrer-policy', 'no-referrer');
    if (!index) {
      return sendProblem(response, {
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
        detail: 'the console is not built: run npm run build',
      });
    }
    const file = files.get(request.path);
    if (file && request.path !== '/index.html') return send(request, response, file, request.path.startsWith('/assets/'));
    // A page's path (no extension): the page, whose router shows it; a missing asset: 404.
    if (extname(request.path) !== '' && request.path !== '/index.html') {
      return sendProblem(response, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no such file' });
    }
    const html = Buffer.from(
      index.raw.toString('utf8').replace('<meta name="herald-gateway" content="" />', `<meta name="herald-gateway" content="${feed}" />`),
    );
    return send(
      request,
      response,
      {
        type: index.type,
        etag: `"${createHash('sha256').update(html).digest('base64url').slice(0, 22)}"`,
        raw: html,
        gzip: gzipSync(html),
      },
      false,
    );
  });
}

function send(request: Request, response: Response, file: StaticFile, immutable: boolean): void {
  response.setHeader('content-type', file.type);
  response.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  response.setHeader('etag', file.etag);
  response.setHeader('vary', 'accept-encoding');
  if (request.headers['if-none-match'] === file.etag) {
    response.status(304).end();
    return;
  }
  const accepted = String(request.headers['accept-encoding'] ?? '');
  let body = file.raw;
  if (file.br && /\bbr\b/.test(accepted)) {
    response.setHeader('content-encoding', 'br');
    body = file.br;
  } else if (file.gzip && /\bgzip\b/.test(accepted)) {
    response.setHeader('content-encoding', 'gzip');
    body = file.gzip;
  }
  response.setHeader('content-length', String(body.length));
  response.status(200).end(request.method === 'HEAD' ? undefined : body);
}
