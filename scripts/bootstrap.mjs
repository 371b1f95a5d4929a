// `npm start`, step one. Runs on whatever Node the machine has (the project's own Node 24
// comes from node_modules): installs dependencies when they are missing or stale, builds,
// then hands over to dist/scripts/start.js on the project's Node.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const run = (command, args) => {
  const result = spawnSync(command, args, { stdio: 'inherit', env: process.env });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

const installed = 'node_modules/.package-lock.json';
const stale =
  !existsSync(installed) ||
  !existsSync('node_modules/node/bin/node') ||
  statSync('package-lock.json').mtimeMs > statSync(installed).mtimeMs;
if (stale) {
  console.log('herald: installing dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
// A fresh npm process puts node_modules/.bin first on PATH, so `node` is the project's Node 24.
run('npm', ['run', '--silent', 'platform']);
