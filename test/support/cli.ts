import { ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../..');
/** The `herald` bin of the package, as `npx herald` runs it. */
export const HERALD_BIN = join(root, 'bin/herald.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `herald <args>` to its end. */
export function runHerald(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [HERALD_BIN, ...args],
      { env: { PATH: process.env.PATH, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** A long-running `herald` (listen, tail) whose output is kept and can be awaited. */
export class HeraldProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly watchers: (() => void)[] = [];

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [HERALD_BIN, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString('utf8');
      for (const watcher of this.watchers) watcher();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
      for (const watcher of this.watchers) watcher();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Resolves with the first match of `pattern` in the output (stdout, then stderr); rejects if the process ends first. */
  waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} in time; stdout: ${this.stdout} stderr: ${this.stderr}`)), timeoutMs);
      const check = () => {
        const match = pattern.exec(this.stdout) ?? pattern.exec(this.stderr);
        if (match) {
          clearTimeout(timer);
          resolve(match);
        }
      };
      this.watchers.push(check);
      check();
      void this.exited.then(() => {
        check();
        clearTimeout(timer);
        reject(new Error(`herald exited before ${pattern}; stdout: ${this.stdout} stderr: ${this.stderr}`));
      });
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}
