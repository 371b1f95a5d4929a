import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../..');
/** The package directory of @herald/sdk, as it would be published. */
export const SDK_DIR = join(root, 'libs/sdk');

/** Builds @herald/sdk into libs/sdk/dist (scripts/sdk-build.mjs; nothing else is touched). */
export function buildSdk(): void {
  execFileSync(process.execPath, [join(root, 'scripts/sdk-build.mjs')], { cwd: root, stdio: 'ignore' });
}
