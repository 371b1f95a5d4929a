#!/usr/bin/env node
// The `herald` command of this package (`npx herald …` in a checkout): the CLI built by `npm run build`.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point */
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`herald: the CLI is not built yet; run \`npm run build\` in ${join(__dirname, '..')}\n`);
  process.exit(1);
}
require(main);
