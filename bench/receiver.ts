// The receiver of every delivery in the benchmark, for the apps and the bare delivery loop alike.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';

/** Records when each webhook-id arrived; answers per `behaviour`. */
export class BenchReceiver {
  readonly arrivals = new Map<string, number>();
  count = 0;
  private server!: Server;
  port = 0;
  private readonly hanging: ServerResponse[] = [];

  constructor(private readonly behaviour: 'ok' | 'error' | 'hang') {}

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        const now = performance.now();
        const id = String(req.headers['webhook-id']);
        this.count += 1;
        if (!this.arrivals.has(`${id}|${req.url}`)) this.arrivals.set(`${id}|${req.url}`, now);
        if (this.behaviour === 'ok') res.writeHead(200).end();
        else if (this.behaviour === 'error') res.writeHead(500).end();
        else this.hanging.push(res);
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}/${path}`;
  }

  /** The time of the last arrival (performance.now()), or NaN when nothing arrived. */
  lastArrival(): number {
    let last = NaN;
    for (const at of this.arrivals.values()) if (!(at <= last)) last = at;
    return last;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
