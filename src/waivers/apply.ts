/**
 * Applying waivers (spec section 6). Pure: the clock comes in as `today`.
 *
 * Decisions:
 * - A waiver applies while `today` < `expires`: from the expiry date on
 *   (UTC) it no longer applies, as the waivers file documents.
 * - Every criterion a waiver sets must match: `id` against the rule id or
 *   any alias (case-insensitive; Grype rules without `include-aliases`: the
 *   rule id or the id a reporter of a merged finding gave it alone, see
 *   `isOnlyIdOfAReporter`), `package` against the package name or
 *   any of its aliases (the other scanners' spellings of a merged finding),
 *   `path` (a glob) against the file path or the target.
 * - A finding takes the first waiver that matches (waivers file, then
 *   `.trivyignore`, then `.grype.yaml`, in file order). `matched` counts
 *   every finding a waiver matches, so a waiver that overlaps an earlier
 *   one is reported as used, not as unused.
 * - An expired waiver is listed with the findings it would have matched.
 *   A waiver still valid but expiring within 14 days is listed as expiring
 *   (and also as used or unused).
 * - A finding that already carries a waiver (e.g. an imported SARIF
 *   suppression) keeps it.
 */
import picomatch from 'picomatch';
import type { Finding, AppliedWaiver } from '../findings/finding.js';
import type { WaiverEntry, WaiverSummary } from '../report/view.js';
import { daysBetween, isIsoDate, toWaiverEntry, type Waiver } from './waiver.js';

/** Waivers expiring within this many days are listed as a warning. */
export const EXPIRY_WARNING_DAYS = 14;

/** The clock, injected so tests (and reruns) are deterministic. */
export interface ApplyWaiversOptions {
  /** YYYY-MM-DD, UTC. */
  today: string;
}

/** Findings with `waiver` set on the waived ones, and what every waiver did. */
export interface ApplyWaiversResult {
  findings: Finding[];
  /** `needsReview` is left empty: the entry point fills it from `findWaiversNeedingReview`. */
  summary: WaiverSummary;
}

/** Applies waivers to findings; never drops a finding (waived ones are marked). */
export function applyWaivers(
  findings: readonly Finding[],
  waivers: readonly Waiver[],
  options: ApplyWaiversOptions,
): ApplyWaiversResult {
  if (!isIsoDate(options.today))
    throw new Error(`applyWaivers: today must be YYYY-MM-DD, got ${JSON.stringify(options.today)}`);
  const matchers = waivers.map(compileWaiver);
  const matched = waivers.map(() => 0);
  const active = waivers.map(
    (waiver) => waiver.expires === undefined || options.today < waiver.expires,
  );
  const result = findings.map((finding) => {
    let applied: Waiver | undefined;
    matchers.forEach((matches, index) => {
      if (!matches(finding)) return;
      matched[index] = (matched[index] ?? 0) + 1;
      if (active[index] && applied === undefined) applied = waivers[index];
    });
    if (finding.waiver !== undefined || applied === undefined) return finding;
    return { ...finding, waiver: toAppliedWaiver(applied) };
  });
  return {
    findings: result,
    summary: summarise(waivers, { matched, active, today: options.today }),
  };
}

function summarise(
  waivers: readonly Waiver[],
  state: { matched: number[]; active: boolean[]; today: string },
): WaiverSummary {
  const summary: WaiverSummary = {
    used: [],
    expired: [],
    expiring: [],
    unused: [],
    needsReview: [],
  };
  waivers.forEach((waiver, index) => {
    const entry: WaiverEntry = toWaiverEntry(waiver, state.matched[index] ?? 0);
    if (!state.active[index]) {
      summary.expired.push(entry);
      return;
    }
    (entry.matched > 0 ? summary.used : summary.unused).push(entry);
    if (
      waiver.expires !== undefined &&
      daysBetween(state.today, waiver.expires) <= EXPIRY_WARNING_DAYS
    ) {
      summary.expiring.push(entry);
    }
  });
  return summary;
}

function toAppliedWaiver(waiver: Waiver): AppliedWaiver {
  return {
    origin: waiver.origin,
    reason: waiver.reason,
    ...(waiver.expires ? { expires: waiver.expires } : {}),
    ...(waiver.approvedBy ? { approvedBy: waiver.approvedBy } : {}),
    ...(waiver.mitigation ? { mitigation: waiver.mitigation } : {}),
  };
}

type FindingMatcher = (finding: Finding) => boolean;

/** Compiles a waiver's criteria once (globs are compiled by picomatch). */
function compileWaiver(waiver: Waiver): FindingMatcher {
  const checks: FindingMatcher[] = [];
  if (waiver.id !== undefined) {
    const id = waiver.id.toUpperCase();
    const aliasesToo = waiver.matchAliases !== false;
    checks.push(
      (f) =>
        f.ruleId.toUpperCase() === id ||
        (aliasesToo
          ? f.aliases.some((alias) => alias.toUpperCase() === id)
          : isOnlyIdOfAReporter(f, id)),
    );
  }
  for (const [key, expected] of Object.entries(waiver.findingProperties ?? {})) {
    checks.push((f) => {
      const actual = f.properties?.[key];
      return Array.isArray(actual) ? actual.includes(expected) : actual === expected;
    });
  }
  if (waiver.package !== undefined) {
    // A merged finding's name is its first reporter's spelling; the others are its aliases.
    const name = waiver.package;
    checks.push((f) => f.package?.name === name || (f.package?.aliases ?? []).includes(name));
  }
  if (waiver.packageVersion !== undefined)
    checks.push((f) => f.package?.installedVersion === waiver.packageVersion);
  if (waiver.packageType !== undefined) {
    const type = waiver.packageType.toLowerCase();
    checks.push((f) => f.package?.type?.toLowerCase() === type);
  }
  if (waiver.path !== undefined) {
    const isMatch = picomatch(waiver.path, { dot: true });
    checks.push((f) =>
      [f.location?.path, f.target].some((value) => value !== undefined && isMatch(value)),
    );
  }
  if (waiver.packageLocation !== undefined) {
    // Grype writes locations rooted (`/usr/lib/…`); our manifest paths drop the leading slash.
    const isMatch = picomatch(waiver.packageLocation.replace(/^\/+/, ''), { dot: true });
    checks.push((f) =>
      [f.package?.manifestPath, f.location?.path].some(
        (value) => value !== undefined && isMatch(value.replace(/^\/+/, '')),
      ),
    );
  }
  if (waiver.fixState !== undefined) {
    const state = waiver.fixState.toLowerCase();
    checks.push((f) => f.kind === 'vulnerability' && readFixState(f) === state);
  }
  return (finding) => checks.every((check) => check(finding));
}

/**
 * For rules on a vulnerability's own id (Grype's without `include-aliases`)
 * on a merged finding, whose `ruleId` is the CVE merging chose: true when
 * some reporter knew the finding by `id` (upper-case) alone. Grype's GHSA
 * match stays ignored when Trivy also reports the CVE; a reporter that also
 * reported it under another id (Grype's CVE match besides its GHSA match)
 * still reports it, so the rule does not cover it.
 */
function isOnlyIdOfAReporter(finding: Finding, id: string): boolean {
  return Object.values(finding.sourceIds ?? {}).some(
    (ids) => ids.length > 0 && ids.every((own) => own.toUpperCase() === id),
  );
}

/** Grype's fix state, or one derived from what other scanners say, for `fix-state` rules. */
function readFixState(finding: Finding): string {
  const state = finding.properties?.fixState;
  if (typeof state === 'string' && state !== '') return state.toLowerCase();
  if ((finding.package?.fixedVersions ?? []).length > 0) return 'fixed';
  const status = finding.properties?.status;
  if (status === 'will_not_fix') return 'wont-fix';
  if (typeof status === 'string' && status !== '' && status !== 'unknown') return 'not-fixed';
  return 'unknown';
}
