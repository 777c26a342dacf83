/**
 * Release lines: scanners list one fixed version per maintained branch
 * (`2.12.7.1, 2.13.4.2` means "fixed in 2.12.7.1 on the 2.12 line and in
 * 2.13.4.2 on the 2.13 line"), so whether a version is fixed depends on the
 * line it is on, not only on its order. Pure.
 *
 * A line is named by a version's leading components. How many: one more than
 * the listed fixes all share, because the first component where they differ
 * is the one that names their branches. So `1.4.2, 2.1.0` are major lines
 * (1.x, 2.x), `2.12.7.1, 2.13.4.2` minor lines (2.12.x, 2.13.x). Components
 * are the runs of digits and of letters, after what does not name a release
 * in each ecosystem (a Go or npm `v`, a Debian/RPM epoch `N:`, a PEP 440
 * epoch `N!`); numbers compare without leading zeros, and a missing
 * component reads as `0` (`2.0` is on the same line as `2.0.0`).
 */
import { resolveEcosystem, type Ecosystem } from './index.js';

/** Prefixes that do not name a release, by ecosystem. */
const PREFIX: Partial<Record<Ecosystem, RegExp>> = {
  go: /^v/,
  semver: /^v/,
  debian: /^\d+:/,
  rpm: /^\d+:/,
  pep440: /^\d+!/,
};

/** The components of `version` that a release line is read from. */
export function releaseComponents(ecosystem: string, version: string): string[] {
  const prefix = PREFIX[resolveEcosystem(ecosystem)];
  const bare = version
    .trim()
    .toLowerCase()
    .replace(prefix ?? /^$/, '');
  const tokens = bare.match(/\d+|[a-z]+/g) ?? [];
  return tokens.map((token) => token.replace(/^0+(?=\d)/, ''));
}

/**
 * How many leading components name the release line of each of `fixes`
 * (already split by `releaseComponents`): one more than they all share.
 */
export function releaseLineDepth(fixes: readonly (readonly string[])[]): number {
  const [first, ...rest] = fixes;
  if (first === undefined) return 1;
  let shared = 0;
  while (shared < first.length && rest.every((other) => other[shared] === first[shared])) {
    shared += 1;
  }
  return shared + 1;
}

/** Whether two versions (split by `releaseComponents`) are on one line of `depth` components. */
export function sameReleaseLine(
  a: readonly string[],
  b: readonly string[],
  depth: number,
): boolean {
  for (let i = 0; i < depth; i += 1) if ((a[i] ?? '0') !== (b[i] ?? '0')) return false;
  return true;
}
