import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

/** One instruction: its keyword (upper case), its `--flag=value` options and its arguments. */
export interface Instruction {
  keyword: string;
  flags: Record<string, string>;
  args: string;
}

/** One `FROM` stage and the instructions under it. */
export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** The stages of a Dockerfile, with continuation lines joined and comments dropped. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  for (const line of lines) {
    const [, keyword, rest] = /^(\S+)\s*(.*)$/.exec(line)!;
    const flags: Record<string, string> = {};
    let args = rest;
    for (let flag = /^--(\S+?)=(\S+)\s+/.exec(args); flag; flag = /^--(\S+?)=(\S+)\s+/.exec(args)) {
      flags[flag[1]] = flag[2];
      args = args.slice(flag[0].length);
    }
    if (keyword.toUpperCase() === 'FROM') {
      const [from, as, name] = args.split(/\s+/);
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`${keyword} before FROM`);
      stages.at(-1)!.instructions.push({ keyword: keyword.toUpperCase(), flags, args });
    }
  }
  return stages;
}

/** The words of an exec-form (`["a", "b"]`) or shell-form (`a b`) argument list. */
export function wordsOf(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
}

/**
 * Copies `sources` (relative to `context`) to `dest` the way COPY does: a directory's contents
 * into `dest`, a file into `dest` when it ends in `/` (or is a directory), else as `dest`.
 * `ignored` decides which paths of the context are left out (.dockerignore).
 */
export function copyLikeDocker(context: string, sources: string[], dest: string, ignored: (path: string) => boolean = () => false): void {
  for (const source of sources) {
    const from = join(context, source);
    if (!existsSync(from) || ignored(relative(context, from))) throw new Error(`COPY ${source}: not found in the build context`);
    const filter = (path: string) => !ignored(relative(context, path));
    if (statSync(from).isDirectory()) {
      mkdirSync(dirname(dest), { recursive: true });
      cpSync(from, dest, { recursive: true, filter });
    } else {
      const into = dest.endsWith('/') || (existsSync(dest) && statSync(dest).isDirectory());
      const target = into ? join(dest, basename(source)) : dest;
      mkdirSync(dirname(target), { recursive: true });
      cpSync(from, target);
    }
  }
}

/**
 * The context paths a `.dockerignore` leaves out. Only plain paths (a file or a folder with all
 * below it) are understood; a pattern with wildcards throws rather than being half-honoured.
 */
export function dockerignore(context: string): (path: string) => boolean {
  const file = join(context, '.dockerignore');
  const patterns = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => line.trim().replace(/^\/+|\/+$/g, ''))
        .filter((line) => line && !line.startsWith('#'))
    : [];
  for (const pattern of patterns) {
    if (/[*?[\]!]/.test(pattern)) throw new Error(`.dockerignore pattern ${pattern}: teach test/support/dockerfile.ts wildcards`);
  }
  return (path) => patterns.some((pattern) => path === pattern || path.startsWith(`${pattern}/`));
}
