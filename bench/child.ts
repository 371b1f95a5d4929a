// A bench script run as a child process (a bare loop of ceilings.ts), spoken to over IPC: its
// options go in argv[2] as JSON, and it answers with typed messages.
import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

type Waiter = { resolve: (message: never) => void; reject: (error: Error) => void };

export class BenchChild<M extends { type: string }> {
  private readonly child: ChildProcess;
  private readonly early: M[] = [];
  private readonly waiting = new Map<string, Waiter>();
  private exited?: Error;

  /** Forks dist/bench/`script`.js. */
  constructor(script: string, options: object) {
    this.child = fork(join(__dirname, `${script}.js`), [JSON.stringify(options)], {
      execArgv: ['--enable-source-maps'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: M) => {
      const waiter = this.waiting.get(message.type);
      if (!waiter) return void this.early.push(message);
      this.waiting.delete(message.type);
      waiter.resolve(message as never);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = new Error(`${script} exited (${code ?? signal})`);
      for (const waiter of this.waiting.values()) waiter.reject(this.exited);
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  send(message: object): void {
    this.child.send(message);
  }

  /** The child's next message of `type` (or one it sent already); rejects after `timeoutMs` or if it exits. */
  async next<T extends M['type']>(type: T, timeoutMs: number): Promise<Extract<M, { type: T }>> {
    const index = this.early.findIndex((message) => message.type === type);
    if (index !== -1) return this.early.splice(index, 1)[0] as Extract<M, { type: T }>;
    if (this.exited) throw this.exited;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<Extract<M, { type: T }>>((resolve, reject) => {
        this.waiting.set(type, { resolve, reject });
        timer = setTimeout(() => reject(new Error(`no "${type}" from the child in ${timeoutMs} ms`)), timeoutMs);
      });
    } finally {
      clearTimeout(timer);
      this.waiting.delete(type);
    }
  }

  /** Ends the child (SIGTERM, then SIGKILL after 5 s); resolves when it is gone. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}

/** In a child: its options, from argv[2]. */
export function childOptions<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/** In a child: sends one message to the parent; resolves once it is handed over. */
export function tellParent<M extends { type: string }>(message: M): Promise<void> {
  return new Promise((resolve) => (process.send ? process.send(message, () => resolve()) : resolve()));
}
