// Builds the console (apps/console, React + Vite) into static files the subscriptions app serves
// at /console, each text file also pre-compressed (.br, .gz) so serving it costs no CPU.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const COMPRESSIBLE = /\.(js|css|html|svg|json|txt)$/;

/** Builds apps/console into `outDir` (default dist/console); quiet unless it fails. */
export async function buildConsole(root = process.cwd(), outDir = join(root, 'dist', 'console')) {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: join(root, 'apps', 'console'),
    base: '/console/',
    logLevel: 'warn',
    resolve: { alias: { '@herald/client': join(root, 'libs', 'client', 'src', 'index.ts') } },
    oxc: { jsx: { runtime: 'automatic' } },
    build: {
      outDir,
      emptyOutDir: true,
      sourcemap: true,
      chunkSizeWarningLimit: 1024,
      rollupOptions: {
        // React libraries mark modules "use client" for server components; a browser bundle has no use for it.
        onwarn(warning, warn) {
          if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
        },
      },
    },
  });
  let compressed = 0;
  for (const entry of await readdir(outDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const raw = await readFile(path);
    await writeFile(`${path}.br`, await promisify(brotliCompress)(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    await writeFile(`${path}.gz`, await promisify(gzip)(raw, { level: 9 }));
    compressed += 1;
  }
  return { outDir, compressed };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { outDir, compressed } = await buildConsole(process.cwd(), process.argv[2]);
  console.log(`built the console into ${outDir} (${compressed} files compressed)`);
}
