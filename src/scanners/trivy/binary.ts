/**
 * Locating the Trivy executable: the `trivy-path` input when set, else
 * `trivy` on PATH, searched here (no shell, no `which`). Downloading a pinned
 * release when it is missing is a separate step that plugs in through
 * `createTrivyScanner({ resolveBinary })`.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { ScannerError } from '../../config/errors.js';
import type { ScanContext } from '../types.js';

/** True when `path` is a regular file this process may execute. */
async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return false;
    await access(path, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` in the directories of `pathValue`, like a shell's lookup. */
export async function findOnPath(
  name: string,
  pathValue: string | undefined,
): Promise<string | undefined> {
  const names = process.platform === 'win32' ? [`${name}.exe`, name] : [name];
  for (const dir of (pathValue ?? '').split(delimiter)) {
    // An empty or relative PATH entry would search the (untrusted) checkout.
    if (dir === '' || !isAbsolute(dir)) continue;
    for (const candidate of names) {
      const path = join(dir, candidate);
      if (await isExecutableFile(path)) return path;
    }
  }
  return undefined;
}

/**
 * The default binary resolution. Throws a `ScannerError` that says how to fix
 * a missing binary.
 */
export async function resolveTrivyBinary(context: ScanContext): Promise<string> {
  const configured = context.config.trivyPath;
  if (configured !== '') {
    const path = resolve(context.workspace, configured);
    if (await isExecutableFile(path)) return path;
    throw new ScannerError(
      'trivy',
      `the 'trivy-path' input points to ${JSON.stringify(configured)}, which is not an executable file.`,
    );
  }
  const found = await findOnPath('trivy', process.env.PATH);
  if (found !== undefined) return found;
  throw new ScannerError(
    'trivy',
    "the trivy binary was not found on PATH. Install Trivy before this step (e.g. with aquasecurity/setup-trivy), or set the 'trivy-path' input to its location.",
  );
}
