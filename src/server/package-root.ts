import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of Parley's package.json, found by walking up from this module. It is the same answer whether the
 * server runs from src/ (tsx), from tsc's dist/server/, or from the bundle (where every module shares one
 * import.meta.url, so paths relative to a module's own file would point elsewhere).
 */
function findPackageRoot(start: string): string {
  // Bounded by the depth of the path: dirname() of the root is the root.
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in ${start} or above`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
