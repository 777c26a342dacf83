/**
 * `skip-dirs` as every scanner reads it. The input is workspace-relative;
 * scanners match it against paths under their scan root, so entries inside
 * the scan root are rebased onto it and every other entry (a bare `vendor`,
 * a `fixtures/**` glob) is kept as written and matched from the scan
 * root — the way Trivy's `--skip-dirs` behaves. Pure.
 */
import picomatch from 'picomatch';

/**
 * Rebases workspace-relative `skip-dirs` entries onto the scan root
 * `pathPrefix` (workspace-relative, `''` for the workspace itself).
 */
export function rebaseSkipDirs(skipDirs: readonly string[], pathPrefix: string): string[] {
  const prefix = pathPrefix.replace(/\/+$/, '');
  return skipDirs.map((entry) => {
    const clean = entry.replace(/^\.\//, '');
    return prefix !== '' && clean.startsWith(`${prefix}/`) ? clean.slice(prefix.length + 1) : clean;
  });
}

/**
 * A test for directories relative to the scan root (forward slashes), true
 * when `skip-dirs` skips them. `dir/**` also skips `dir` itself.
 */
export function createSkipDirMatcher(
  skipDirs: readonly string[],
  pathPrefix: string,
): (relativeToRoot: string) => boolean {
  const patterns = rebaseSkipDirs(skipDirs, pathPrefix).filter((entry) => entry !== '');
  return patterns.length > 0 ? picomatch(patterns, { dot: true }) : () => false;
}
