import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm start`'s first step on a fresh clone, with an `npm` stand-in on PATH that behaves as npm
 * does under the system Node before Node 24 is installed: `npm ci` prints EBADENGINE warnings
 * (or fails), `npm run platform` starts the platform.
 */
describe('npm start on a fresh clone (scripts/bootstrap.mjs)', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-bootstrap-'));
    mkdirSync(join(dir, 'scripts'));
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(__dirname, '..', 'scripts', 'bootstrap.mjs'), join(dir, 'scripts', 'bootstrap.mjs'));
    writeFileSync(join(dir, 'package-lock.json'), '{}');
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function bootstrap(ciExit: number) {
    const warning = 'npm warn EBADENGINE Unsupported engine {\\n  required: { node: \\">=24\\" }\\n}';
    writeFileSync(
      join(dir, 'bin', 'npm'),
      [
        '#!/bin/sh',
        'if [ "$1" = ci ]; then',
        `  for i in $(seq 1 20); do printf "${warning}\\n" >&2; done`,
        `  [ ${ciExit} -eq 0 ] || { echo "npm error could not reach the registry" >&2; exit ${ciExit}; }`,
        '  exit 0',
        'fi',
        'echo "Herald is running."',
      ].join('\n'),
    );
    chmodSync(join(dir, 'bin', 'npm'), 0o755);
    return spawnSync(process.execPath, ['scripts/bootstrap.mjs'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` },
    });
  }

  it('installs quietly: a few lines saying what happens, no npm warnings', () => {
    const result = bootstrap(0);
    const output = `${result.stdout}${result.stderr}`;
    expect(result.status).toBe(0);
    expect(output).not.toContain('EBADENGINE');
    expect(output).toContain('herald: installing dependencies');
    expect(output).toContain('Herald is running.');
    expect(output.trim().split('\n').length).toBeLessThanOrEqual(5);
  });

  it('shows what npm said, and exits non-zero, when the install fails', () => {
    const result = bootstrap(3);
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('npm error could not reach the registry');
    expect(result.stderr).toMatch(/herald: npm ci .* failed \(exit 3\)/);
    expect(result.stdout).not.toContain('Herald is running.');
  });
});
