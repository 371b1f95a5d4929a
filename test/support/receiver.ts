import { createServer, IncomingHttpHeaders, Server } from 'node:http';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/** How the receiver answers one request. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Waits this long before answering (a slow or hanging endpoint). */
  delayMs?: number;
}

/**
 * A local webhook receiver on 127.0.0.1 that records every request and answers `status`, or
 * whatever `respond` returns for the n-th request (1-based).
 */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  status = 200;
  respond?: (request: ReceivedRequest, n: number) => Reply;
  /** Requests being answered right now, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          receivedAt: Date.now(),
        };
        this.requests.push(request);
        const n = this.requests.length;
        const reply = this.respond?.(request, n) ?? { status: this.status };
        this.inFlight += 1;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        const answer = () => {
          this.inFlight -= 1;
          if (!res.destroyed) res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers }).end(`received ${n}`);
        };
        if (reply.delayMs) setTimeout(answer, reply.delayMs);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}/hook`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
