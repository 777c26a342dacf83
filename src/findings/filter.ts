/**
 * The `severities` and `ignore-unfixed` filters (spec section 2): they apply
 * to merged findings, before waivers. Pure.
 */
import type { Finding, Severity } from './finding.js';

/** What the filters keep. */
export interface FilterOptions {
  /** Severities reported at all (`severities` input). */
  severities: readonly Severity[];
  /** Drop vulnerabilities no fixed version is listed for (`ignore-unfixed` input). */
  ignoreUnfixed: boolean;
}

/** The kept findings and how many each filter removed (for the summary). */
export interface FilterResult {
  kept: Finding[];
  removedBySeverity: number;
  removedUnfixed: number;
}

/**
 * Grype's words for "no fix (yet)". Grype lists no version with them; the
 * check guards against a report that does. (Merging sets `fixState` to
 * `fixed` when any scanner listed a fix, so a merged fix is never hidden.)
 */
const UNFIXED_STATES = new Set(['wont-fix', 'not-fixed']);

/**
 * True for a vulnerability of a known package that no upgrade fixes: no
 * fixed version listed, or Grype says `wont-fix` / `not-fixed`. Other kinds,
 * and vulnerabilities without package data, are never "unfixed".
 */
export function isUnfixed(finding: Finding): boolean {
  // Without a package (e.g. an imported SARIF result) nothing says whether a fix exists: keep it.
  if (finding.kind !== 'vulnerability' || !finding.package) return false;
  const state = finding.properties?.fixState;
  if (typeof state === 'string' && UNFIXED_STATES.has(state.toLowerCase())) return true;
  return (finding.package?.fixedVersions ?? []).every((version) => version.trim() === '');
}

/**
 * Applies both filters. A finding outside `severities` counts as removed by
 * severity even when it is also unfixed (the severity filter is checked first).
 */
export function filterFindings(findings: readonly Finding[], options: FilterOptions): FilterResult {
  const wanted = new Set<Severity>(options.severities);
  const kept: Finding[] = [];
  let removedBySeverity = 0;
  let removedUnfixed = 0;
  for (const finding of findings) {
    if (!wanted.has(finding.severity)) removedBySeverity += 1;
    else if (options.ignoreUnfixed && isUnfixed(finding)) removedUnfixed += 1;
    else kept.push(finding);
  }
  return { kept, removedBySeverity, removedUnfixed };
}
