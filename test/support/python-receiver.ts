import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/** A receiver written in Python (test/receivers/*.py) that prints one JSON line per request. */
export class PythonReceiver {
  readonly received: Record<string, any>[] = [];
  private child?: ChildProcess;
  port = 0;

  constructor(
    private readonly script: string,
    private readonly args: string[],
  ) {}

  async start(): Promise<this> {
    const child = spawn('python3', [join(__dirname, '..', 'receivers', this.script), ...this.args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child = child;
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.stdout?.on('data', (chunk: Buffer) => {
        const lines = (buffered + chunk.toString('utf8')).split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          // A receiver may print lines of its own (Marzban's guide does): kept as `{line}`.
          let message: Record<string, any>;
          try {
            message = JSON.parse(line) as Record<string, any>;
          } catch {
            message = { line };
          }
          if (typeof message.port === 'number' && this.port === 0) {
            this.port = message.port;
            resolve();
          } else this.received.push(message);
        }
      });
    });
    return this;
  }

  url(path = '/webhook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  stop(): void {
    this.child?.kill('SIGTERM');
  }
}
