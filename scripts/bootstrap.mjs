// `npm start`, step one. Runs on whatever Node the machine has (the project's own Node 24
// comes from node_modules): installs dependencies when they are missing or stale, builds,
// then hands over to dist/scripts/start.js on the project's Node.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const run = (command, args) => {
  const result = spawnSync(command, args, { stdio: 'inherit', env: process.env });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

// npm ci runs under the system Node, older than the engines field wants until node_modules brings
// Node 24: its EBADENGINE warnings are expected noise, so the output is kept and shown only if it fails.
const quietly = (command, args) => {
  const result = spawnSync(command, args, { encoding: 'utf8', env: process.env, maxBuffer: 64 * 1024 * 1024 });
  if (result.status === 0) return;
  process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
  console.error(`herald: ${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal}); its output is above`);
  process.exit(result.status ?? 1);
};

const installed = 'node_modules/.package-lock.json';
const stale =
  !existsSync(installed) ||
  !existsSync('node_modules/node/bin/node') ||
  statSync('package-lock.json').mtimeMs > statSync(installed).mtimeMs;
if (stale) {
  console.log('herald: installing dependencies with npm ci (this brings Node 24; a minute or two the first time)…');
  quietly('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  console.log('herald: dependencies installed');
}
console.log('herald: building (swc) and starting…');
// A fresh npm process puts node_modules/.bin first on PATH, so `node` is the project's Node 24.
run('npm', ['run', '--silent', 'platform']);
