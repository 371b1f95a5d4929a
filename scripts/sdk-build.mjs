// Builds the publishable @herald/sdk into libs/sdk/dist: CommonJS (libs/sdk and the typed client
// of libs/client it re-exports, side by side as in libs/), an ES module entry over it, and the type
// declarations. Touches nothing outside libs/sdk/dist. Run by `npm run build` and by the tests
// that use the package (test/support/sdk.ts).
import { transformFile } from '@swc/core';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'libs', 'sdk', 'dist');
const libs = ['sdk', 'client'];

async function* filesIn(dir, wanted) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesIn(path, wanted);
    else if (wanted(entry.name)) yield path;
  }
}

const isSource = (name) => name.endsWith('.ts') && !name.endsWith('.d.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(name);

/** Builds the package; resolves with its dist directory. */
export async function buildSdk() {
  await rm(out, { recursive: true, force: true });
  for (const lib of libs) {
    for await (const file of filesIn(join(root, 'libs', lib, 'src'), isSource)) {
      const { code } = await transformFile(file, {
        swcrc: false,
        module: { type: 'commonjs', strict: true },
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          baseUrl: root,
          paths: { '@herald/*': ['libs/*/src'] },
          keepClassNames: true,
        },
      });
      const target = join(out, 'cjs', relative(join(root, 'libs'), file)).replace(/\.ts$/, '.js');
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, code);
    }
  }
  // The ES module entry re-exports the CommonJS build by name, so both share one set of classes.
  const require = createRequire(import.meta.url);
  const names = Object.keys(require(join(out, 'cjs', 'sdk', 'src', 'index.js'))).filter(
    (name) => name !== 'default' && name !== '__esModule',
  );
  await mkdir(join(out, 'esm'), { recursive: true });
  await writeFile(
    join(out, 'esm', 'index.mjs'),
    `import sdk from '../cjs/sdk/src/index.js';\nexport const { ${names.join(', ')} } = sdk;\nexport default sdk;\n`,
  );
  // Declarations; the client's alias becomes the relative path it has in dist/types.
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'libs', 'sdk', 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  for await (const file of filesIn(join(out, 'types', 'sdk'), (name) => name.endsWith('.d.ts'))) {
    const text = await readFile(file, 'utf8');
    const client = relative(dirname(file), join(out, 'types', 'client', 'src', 'index'));
    await writeFile(file, text.replaceAll("'@herald/client'", `'${client.startsWith('.') ? client : `./${client}`}'`));
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await buildSdk();
  console.log(`built @herald/sdk into ${relative(root, built)}/`);
}
