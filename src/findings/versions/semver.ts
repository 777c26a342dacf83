/**
 * Semantic-versioning ecosystems (npm, Cargo, Composer, NuGet, Go): the
 * `semver` package, coercing loose versions; what it cannot read falls back
 * to the generic order.
 */
import semver from 'semver';
import { compareGeneric } from './generic.js';

function toSemver(version: string): semver.SemVer | null {
  const text = version.trim().replace(/^[=v]+/i, '');
  const exact = semver.parse(text, { loose: true });
  if (exact) return exact;
  // NuGet/Composer four-part versions lose their 4th part in `coerce`: only coerce up to three.
  if (/^\d+\.\d+\.\d+\.\d+/.test(text)) return null;
  return semver.coerce(text, { includePrerelease: true, loose: true });
}

/** Compares two semver-like versions; negative, 0 or positive. */
export function compareSemver(a: string, b: string): number {
  const left = toSemver(a);
  const right = toSemver(b);
  if (!left || !right) return compareGeneric(a, b);
  return semver.compare(left, right);
}

/**
 * Go module versions: semver with a `v` prefix, where pseudo-versions
 * (`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.2019…`) are pre-releases
 * of the next version and `+incompatible` is build metadata.
 */
export function compareGo(a: string, b: string): number {
  const strip = (v: string): string =>
    v
      .trim()
      .replace(/^v/, '')
      .replace(/\+incompatible$/, '');
  return compareSemver(strip(a), strip(b));
}
