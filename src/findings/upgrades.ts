/**
 * "What to upgrade" (SPEC section 11): vulnerabilities grouped by package and
 * installed version, the smallest fixed version that resolves all of them
 * (compared by the ecosystem's own rules and release lines), and what that
 * upgrade fixes, most impact first; packages that no listed version fixes
 * are kept apart. Pure: the renderers in `report/` format the plan.
 */
import { emptyCounts, SEVERITIES, type Finding, type Severity } from './finding.js';
import { targetReference } from './image-ref.js';
import { packageKey } from './package-key.js';
import {
  compareVersions,
  resolveEcosystem,
  versionEcosystemOf,
  type Ecosystem,
} from './versions/index.js';
import { releaseComponents, releaseLineDepth, sameReleaseLine } from './versions/release-line.js';

/** "upgrade openssl 1.1.1k → 1.1.1n: fixes 2 CRITICAL, 3 HIGH". */
export interface UpgradeAdvice {
  packageName: string;
  packageType?: string;
  installedVersion: string;
  /** Smallest version that fixes all; undefined when no listed version does. */
  targetVersion?: string;
  /** How many findings of each severity the upgrade fixes (for a package without a fix: leaves open). */
  fixes: Record<Severity, number>;
  vulnerabilityIds: string[];
  target?: string;
}

/** Advice with a version to upgrade to. */
export type PlannedUpgrade = UpgradeAdvice & { targetVersion: string };

/** The upgrades that fix something, the packages nothing fixes yet, and how many findings the upgrades fix. */
export interface UpgradePlan {
  /** Most impact first. */
  upgrades: PlannedUpgrade[];
  /**
   * One entry per package with vulnerabilities that no listed version
   * newer than the installed one fixes (`targetVersion` undefined).
   */
  unfixable: UpgradeAdvice[];
  /** Findings that a listed upgrade fixes (the `fixable` output): the sum of `upgrades`' fixes. */
  fixableCount: number;
}

type Compare = (a: string, b: string) => number;

/**
 * The fixed versions a scanner listed, one per entry: Trivy joins a fix per
 * branch with commas (`2.12.7.1, 2.13.4.2`) and sometimes writes ranges
 * (`>= 3.1.0, >= 2.1.3, < 3.0.0`), where only the lower bounds are fixes.
 */
export function parseFixedVersions(listed: readonly string[]): string[] {
  const versions = listed
    .flatMap((entry) => entry.split(/,|\|\|/))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !/^(?:<|>(?!=)|!)/.test(entry))
    .map((entry) => entry.replace(/^(?:>=|==|=|\^)\s*/, ''))
    .filter((entry) => entry !== '');
  return [...new Set(versions)];
}

/** What deciding "is this version fixed?" needs about one package. */
export interface VersionContext {
  ecosystem: Ecosystem;
  installed: string;
  compare: Compare;
}

/**
 * The context of a package at `installed` whose versions follow `ecosystem`
 * (an ecosystem name or a package type word, see `compareVersions`).
 */
export function createVersionContext(ecosystem: string, installed: string): VersionContext {
  // The checks below compare the same pairs again and again (each fix with the
  // installed version, several times): in the benchmark, 376,000 comparisons
  // of 122,000 pairs, each parsing both versions. Each pair is compared once.
  const resolved = resolveEcosystem(ecosystem);
  const known = new Map<string, number>();
  const compare: Compare = (a, b) => {
    const key = `${a}\u0000${b}`;
    let order = known.get(key);
    if (order === undefined) {
      order = compareVersions(resolved, a, b);
      known.set(key, order);
    }
    return order;
  };
  return { ecosystem: resolved, installed, compare };
}

/** A fix is a target only when it is newer than what is installed (unknown: every fix is). */
function isNewer(ctx: VersionContext, version: string): boolean {
  return ctx.installed === '' || ctx.compare(version, ctx.installed) > 0;
}

/** One vulnerability's listed fixes, read once for every candidate they are checked against. */
interface FixList {
  /** The newest listed fix: every version at or after it is fixed. */
  newest: string;
  /** The fixes newer than the installed version, with their release-line components. */
  newer: Array<{ version: string; line: string[] }>;
  /** How many leading components name a release line of this list (`release-line.ts`). */
  depth: number;
}

/** The list's facts, or undefined when it names no fix newer than the installed version. */
function readFixList(ctx: VersionContext, fixes: readonly string[]): FixList | undefined {
  const newer = fixes.filter((fix) => isNewer(ctx, fix));
  if (newer.length === 0) return undefined;
  const lines = new Map(fixes.map((fix) => [fix, releaseComponents(ctx.ecosystem, fix)]));
  return {
    newest: fixes.reduce((a, b) => (ctx.compare(b, a) > 0 ? b : a)),
    newer: newer.map((version) => ({ version, line: lines.get(version) ?? [] })),
    depth: releaseLineDepth([...lines.values()]),
  };
}

/**
 * Whether `candidate` (split into `line` by `releaseComponents`) fixes a
 * vulnerability whose scanner listed `list`'s fixes (one per release line,
 * see `release-line.ts`) for a package at `ctx.installed`: at or after the
 * newest fix, or at or after a fix newer than the installed version on the
 * candidate's own release line. Fixes at or before the installed version do
 * not count: the scanner reported the installed version vulnerable, so they
 * fix some other line.
 *
 * `1.5.0` with `1.4.2, 2.1.0`: 1.6.0 is not fixed (the 1.x line lists no fix
 * newer than 1.5.0), 2.1.0 is. `2.3.0` with `2.4.0, 3.1.2`: 3.0.5 is not
 * fixed (3.x is fixed from 3.1.2), 2.4.0 and 3.1.2 are.
 */
function isFixedBy(ctx: VersionContext, list: FixList, candidate: string, line: string[]): boolean {
  if (ctx.compare(candidate, list.newest) >= 0) return true;
  return list.newer.some(
    (fix) =>
      ctx.compare(fix.version, candidate) <= 0 && sameReleaseLine(fix.line, line, list.depth),
  );
}

/**
 * The smallest listed fix newer than `ctx.installed` that fixes every
 * vulnerability (each given by its list of fixed versions), or undefined
 * when some list names no version newer than the installed one (nothing
 * listed fixes it: a "no fix" package, never a downgrade). With a consistent
 * comparator one always exists when every list has a newer fix (the newest
 * candidate is at or after every list's newest fix); an inconsistent one
 * (versions that no rule of the ecosystem reads alike) may find none.
 */
export function chooseTargetVersion(
  ctx: VersionContext,
  fixLists: readonly (readonly string[])[],
): string | undefined {
  const lists = fixLists.map((fixes) => readFixList(ctx, fixes));
  if (!lists.every((list) => list !== undefined)) return undefined;
  const candidates = [
    ...new Set(lists.flatMap((list) => list.newer.map((fix) => fix.version))),
  ].sort(ctx.compare);
  return candidates.find((candidate) => {
    const line = releaseComponents(ctx.ecosystem, candidate);
    return lists.every((list) => isFixedBy(ctx, list, candidate, line));
  });
}

/** One group per package (however each scanner spells it), installed version and target. */
function groupKey(finding: Finding): string {
  const pkg = finding.package;
  return JSON.stringify([
    targetReference(finding.target),
    pkg === undefined ? '' : packageKey(pkg),
    pkg?.installedVersion ?? '',
  ]);
}

function buildAdvice(findings: readonly Finding[]): UpgradeAdvice {
  const first = findings[0] as Finding;
  const fixes = emptyCounts();
  for (const finding of findings) fixes[finding.severity] += 1;
  return {
    packageName: first.package?.name ?? '',
    packageType: first.package?.type,
    installedVersion: first.package?.installedVersion ?? '',
    fixes,
    vulnerabilityIds: [...new Set(findings.map((f) => f.ruleId))].sort(),
    target: first.target,
  };
}

/** Most impact first: more CRITICAL, then more HIGH, …; then by name for a stable order. */
function compareAdvice(a: UpgradeAdvice, b: UpgradeAdvice): number {
  for (const severity of SEVERITIES) {
    const diff = b.fixes[severity] - a.fixes[severity];
    if (diff !== 0) return diff;
  }
  return (
    a.packageName.localeCompare(b.packageName) ||
    a.installedVersion.localeCompare(b.installedVersion) ||
    (a.target ?? '').localeCompare(b.target ?? '')
  );
}

/**
 * A group's upgrade (its vulnerabilities that one listed version fixes) and
 * what stays open. Without a target version nothing is fixed: every finding
 * of the group is open, so the `fixable` count and the reports agree.
 */
function planGroup(findings: readonly Finding[]): {
  upgrade?: PlannedUpgrade;
  unfixable?: UpgradeAdvice;
} {
  const pkg = (findings[0] as Finding).package;
  const ctx = createVersionContext(
    pkg === undefined ? 'generic' : versionEcosystemOf(pkg),
    pkg?.installedVersion ?? '',
  );
  const fixesOf = new Map(
    findings.map((f) => [f, parseFixedVersions(f.package?.fixedVersions ?? [])] as const),
  );
  // A vulnerability whose every listed fix is at or before the installed
  // version has no upgrade either: it joins the "no fix" list.
  const fixable = findings.filter((f) => (fixesOf.get(f) ?? []).some((v) => isNewer(ctx, v)));
  const targetVersion =
    fixable.length === 0
      ? undefined
      : chooseTargetVersion(
          ctx,
          fixable.map((f) => fixesOf.get(f) ?? []),
        );
  if (targetVersion === undefined) return { unfixable: buildAdvice(findings) };
  const fixed = new Set(fixable);
  const unfixed = findings.filter((f) => !fixed.has(f));
  return {
    upgrade: { ...buildAdvice(fixable), targetVersion },
    ...(unfixed.length > 0 ? { unfixable: buildAdvice(unfixed) } : {}),
  };
}

/**
 * Plans the upgrades for the vulnerabilities that are not waived. Findings
 * are grouped by (target, package key, installed version).
 */
export function planUpgrades(findings: readonly Finding[]): UpgradePlan {
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
    if (
      finding.kind !== 'vulnerability' ||
      finding.waiver !== undefined ||
      finding.package === undefined
    )
      continue;
    const key = groupKey(finding);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [finding]);
    else group.push(finding);
  }
  const upgrades: PlannedUpgrade[] = [];
  const unfixable: UpgradeAdvice[] = [];
  for (const group of groups.values()) {
    const planned = planGroup(group);
    if (planned.upgrade) upgrades.push(planned.upgrade);
    if (planned.unfixable) unfixable.push(planned.unfixable);
  }
  upgrades.sort(compareAdvice);
  unfixable.sort(compareAdvice);
  const fixed = countBySeverity(upgrades);
  const fixableCount = SEVERITIES.reduce((sum, severity) => sum + fixed[severity], 0);
  return { upgrades, unfixable, fixableCount };
}

/** The findings of each severity that `advice` lists: what the upgrades fix, or what stays open. */
export function countBySeverity(advice: readonly UpgradeAdvice[]): Record<Severity, number> {
  const counts = emptyCounts();
  for (const a of advice) for (const severity of SEVERITIES) counts[severity] += a.fixes[severity];
  return counts;
}

/** `2 CRITICAL, 3 HIGH` (severities with none left out). */
export function formatFixes(fixes: Record<Severity, number>): string {
  return SEVERITIES.filter((s) => fixes[s] > 0)
    .map((s) => `${fixes[s]} ${s}`)
    .join(', ');
}
