/**
 * "What to upgrade" (SPEC section 11): vulnerabilities grouped by package and
 * installed version, the smallest fixed version that resolves all of them
 * (compared by the ecosystem's own rules and release lines), and what that
 * upgrade fixes, most impact first; packages that no listed version fixes
 * are kept apart. Pure: the renderers in `report/` format the plan.
 */
import { emptyCounts, SEVERITIES, type Finding, type Severity } from './finding.js';
import { compareVersions, ecosystemOf } from './versions/index.js';
import { releaseComponents, releaseLineDepth, sameReleaseLine } from './versions/release-line.js';
import type { UpgradeAdvice } from '../report/view.js';

/** The upgrades that fix something, the packages nothing fixes yet, and how many findings the upgrades fix. */
export interface UpgradePlan {
  upgrades: UpgradeAdvice[];
  /**
   * One entry per package with vulnerabilities that list no fix newer than
   * the installed version (`targetVersion` undefined).
   */
  unfixable: UpgradeAdvice[];
  /** Findings that a listed upgrade fixes (the `fixable` output). */
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
interface VersionContext {
  ecosystem: string;
  installed: string;
  compare: Compare;
}

function versionContext(ecosystem: string, installed: string): VersionContext {
  // The checks below compare the same pairs again and again (each fix with the
  // installed version, several times): in the benchmark, 376,000 comparisons
  // of 122,000 pairs, each parsing both versions. Each pair is compared once.
  const known = new Map<string, number>();
  const compare: Compare = (a, b) => {
    const key = `${a}\u0000${b}`;
    let order = known.get(key);
    if (order === undefined) {
      order = compareVersions(ecosystem, a, b);
      known.set(key, order);
    }
    return order;
  };
  return { ecosystem, installed, compare };
}

/** A fix is a target only when it is newer than what is installed (unknown: every fix is). */
function isNewer(ctx: VersionContext, version: string): boolean {
  return ctx.installed === '' || ctx.compare(version, ctx.installed) > 0;
}

/**
 * Whether `candidate` fixes a vulnerability whose scanner listed `fixes`
 * (one per release line, see `release-line.ts`) for a package at
 * `ctx.installed`: at or after the newest fix, or at or after a fix newer
 * than the installed version on the candidate's own release line. Fixes at
 * or before the installed version do not count: the scanner reported the
 * installed version vulnerable, so they fix some other line.
 *
 * `1.5.0` with `1.4.2, 2.1.0`: 1.6.0 is not fixed (the 1.x line lists no fix
 * newer than 1.5.0), 2.1.0 is. `2.3.0` with `2.4.0, 3.1.2`: 3.0.5 is not
 * fixed (3.x is fixed from 3.1.2), 2.4.0 and 3.1.2 are.
 */
function isFixedBy(ctx: VersionContext, fixes: readonly string[], candidate: string): boolean {
  const newer = fixes.filter((fix) => isNewer(ctx, fix));
  if (newer.length === 0) return false;
  const newest = [...fixes].sort(ctx.compare).at(-1) as string;
  if (ctx.compare(candidate, newest) >= 0) return true;
  const depth = releaseLineDepth(fixes.map((fix) => releaseComponents(ctx.ecosystem, fix)));
  const line = releaseComponents(ctx.ecosystem, candidate);
  return newer.some(
    (fix) =>
      ctx.compare(fix, candidate) <= 0 &&
      sameReleaseLine(releaseComponents(ctx.ecosystem, fix), line, depth),
  );
}

/**
 * The smallest listed fix newer than `installed` that fixes every
 * vulnerability (each given by its list of fixed versions), or undefined
 * when some list names no version newer than `installed` (nothing listed
 * fixes it: a "no fix" package, never a downgrade). When every list has a
 * newer fix one always exists: the newest candidate is at or after every
 * list's newest fix.
 */
export function chooseTargetVersion(options: {
  ecosystem: string;
  installed: string;
  fixLists: readonly (readonly string[])[];
}): string | undefined {
  const ctx = versionContext(options.ecosystem, options.installed);
  if (options.fixLists.some((fixes) => !fixes.some((fix) => isNewer(ctx, fix)))) return undefined;
  const candidates = [...new Set(options.fixLists.flat())]
    .filter((fix) => isNewer(ctx, fix))
    .sort(ctx.compare);
  return candidates.find((candidate) =>
    options.fixLists.every((fixes) => isFixedBy(ctx, fixes, candidate)),
  );
}

function groupKey(finding: Finding): string {
  const pkg = finding.package;
  return JSON.stringify([
    finding.target ?? '',
    pkg?.type ?? '',
    pkg?.name ?? '',
    pkg?.installedVersion ?? '',
  ]);
}

function buildAdvice(findings: readonly Finding[], targetVersion?: string): UpgradeAdvice {
  const first = findings[0] as Finding;
  const fixes = emptyCounts();
  for (const finding of findings) fixes[finding.severity] += 1;
  return {
    packageName: first.package?.name ?? '',
    packageType: first.package?.type,
    installedVersion: first.package?.installedVersion ?? '',
    targetVersion,
    fixes,
    vulnerabilityIds: [...new Set(findings.map((f) => f.ruleId))].sort(),
    target: first.target,
  };
}

/** Most impact first: more CRITICAL, then more HIGH, …; then by name for a stable order. */
export function compareAdvice(a: UpgradeAdvice, b: UpgradeAdvice): number {
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

function planGroup(findings: readonly Finding[]): {
  upgrade?: UpgradeAdvice;
  unfixable?: UpgradeAdvice;
} {
  const pkg = (findings[0] as Finding).package;
  const ctx = versionContext(ecosystemOf(pkg?.type, pkg?.purl), pkg?.installedVersion ?? '');
  const fixesOf = new Map(
    findings.map((f) => [f, parseFixedVersions(f.package?.fixedVersions ?? [])] as const),
  );
  // A vulnerability whose every listed fix is at or before the installed
  // version has no upgrade either: it joins the "no fix" list.
  const fixable = findings.filter((f) => (fixesOf.get(f) ?? []).some((v) => isNewer(ctx, v)));
  const fixableSet = new Set(fixable);
  const unfixed = findings.filter((f) => !fixableSet.has(f));
  const result: { upgrade?: UpgradeAdvice; unfixable?: UpgradeAdvice } = {};
  if (fixable.length > 0) {
    const targetVersion = chooseTargetVersion({
      ecosystem: ctx.ecosystem,
      installed: ctx.installed,
      fixLists: fixable.map((f) => fixesOf.get(f) ?? []),
    });
    result.upgrade = buildAdvice(fixable, targetVersion);
  }
  if (unfixed.length > 0) result.unfixable = buildAdvice(unfixed);
  return result;
}

/**
 * Plans the upgrades for the vulnerabilities that are not waived. Findings
 * are grouped by (target, package type, name, installed version).
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
  const upgrades: UpgradeAdvice[] = [];
  const unfixable: UpgradeAdvice[] = [];
  for (const group of groups.values()) {
    const planned = planGroup(group);
    if (planned.upgrade) upgrades.push(planned.upgrade);
    if (planned.unfixable) unfixable.push(planned.unfixable);
  }
  upgrades.sort(compareAdvice);
  unfixable.sort(compareAdvice);
  const fixableCount = upgrades.reduce((sum, advice) => sum + totalFixes(advice), 0);
  return { upgrades, unfixable, fixableCount };
}

function totalFixes(advice: UpgradeAdvice): number {
  return SEVERITIES.reduce((sum, severity) => sum + advice.fixes[severity], 0);
}

/** `2 CRITICAL, 3 HIGH` (severities with none left out). */
export function formatFixes(fixes: Record<Severity, number>): string {
  return SEVERITIES.filter((s) => fixes[s] > 0)
    .map((s) => `${fixes[s]} ${s}`)
    .join(', ');
}

/**
 * Splits a view's advice list (upgrades, then packages without a fix) into
 * the two, each in its given order, so renderers can cap them separately.
 */
export function partitionAdvice(advice: readonly UpgradeAdvice[]): {
  upgrades: UpgradeAdvice[];
  unfixable: UpgradeAdvice[];
} {
  return {
    upgrades: advice.filter((a) => a.targetVersion !== undefined),
    unfixable: advice.filter((a) => a.targetVersion === undefined),
  };
}
