// Compiles apps/, libs/ and scripts/ (and bench/ when present) to CommonJS in dist/ with swc, rewriting the
// @herald/<lib> aliases to relative paths so `node dist/...` needs no loader. The .proto files
// of libs/ are copied beside the code that loads them. Then Vite builds the console (apps/console)
// into dist/console.
import { transformFile } from '@swc/core';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { buildConsole } from './console-build.mjs';
import { buildSdk } from './sdk-build.mjs';

const root = process.cwd();
const out = join(root, 'dist');
// bench/ is a development tool: the Docker image does not copy it, so it is built only where it exists.
const sources = ['apps', 'libs', 'scripts', ...(existsSync(join(root, 'bench')) ? ['bench'] : [])];

async function* filesIn(dir, wanted) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesIn(path, wanted);
    else if (wanted(entry.name)) yield path;
  }
}

const isSource = (name) => name.endsWith('.ts') && !name.endsWith('.d.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(name);
// The SDK's own package build (libs/sdk/dist) is not a source.
const sdkBuild = join(root, 'libs', 'sdk', 'dist');
// The console is a browser app: Vite builds it below.
const consoleSources = join(root, 'apps', 'console');

await rm(out, { recursive: true, force: true });
let count = 0;
for (const source of sources) {
  for await (const file of filesIn(join(root, source), isSource)) {
    if (file.startsWith(consoleSources) || file.startsWith(sdkBuild)) continue;
    const { code, map } = await transformFile(file, {
      swcrc: false,
      sourceMaps: true,
      module: { type: 'commonjs', strict: true },
      jsc: {
        target: 'es2023',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        baseUrl: root,
        paths: { '@herald/telemetry/instrument': ['libs/telemetry/src/instrument'], '@herald/*': ['libs/*/src'] },
        keepClassNames: true,
      },
    });
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, `${code}\n//# sourceMappingURL=${target.split('/').pop()}.map`);
    if (map) await writeFile(`${target}.map`, map);
    count += 1;
  }
}
for await (const file of filesIn(join(root, 'libs'), (name) => name.endsWith('.proto'))) {
  const target = join(out, relative(root, file));
  await mkdir(dirname(target), { recursive: true });
  await copyFile(file, target);
}
// `--no-console`: the server code only (tests that spawn the apps and never open the console).
if (process.argv.includes('--no-console')) console.log(`built ${count} files into dist/ (no console)`);
else {
  const built = await buildConsole(root);
  await buildSdk();
  console.log(`built ${count} files into dist/, the console into ${relative(root, built.outDir)}/ and @herald/sdk into libs/sdk/dist/`);
}
