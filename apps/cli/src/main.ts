import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './cli-error';
import { heraldProgram } from './program';

/** The package's version (package.json at the repository's root, from src/ or dist/apps/cli/src/). */
function version(): string {
  for (const up of ['../../..', '../../../..']) {
    try {
      return (JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // not this level
    }
  }
  return '0.0.0';
}

async function main(): Promise<void> {
  try {
    await heraldProgram(version()).parseAsync(process.argv);
    process.exit(0);
  } catch (error) {
    // One clear line, never a stack trace: what failed and, where it helps, what to do.
    const message = error instanceof CliError ? error.message : `unexpected error: ${(error as Error).message}`;
    process.stderr.write(`herald: ${message}\n`);
    process.exit(error instanceof CliError ? error.exitCode : 1);
  }
}

void main();
