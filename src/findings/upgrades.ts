/**
 * "What to upgrade" (SPEC section 11): vulnerabilities grouped by package and
 * installed version, the smallest fixed version that resolves all of them
 * (compared by the ecosystem's own rules), and what that upgrade fixes, most
 * impact first. Pure.
 */
import { emptyCounts, SEVERITIES, type Finding, type Severity } from './finding.js';
import { compareVersions, ecosystemOf } from './versions/index.js';
import type { UpgradeAdvice } from '../report/view.js';
import { escapeMarkdown, markdownCode, sanitizeLogText } from '../util/safe-text.js';

/** The upgrades that fix something, the packages nothing fixes yet, and how many findings the upgrades fix. */
export interface UpgradePlan {
  upgrades: UpgradeAdvice[];
  /** One entry per package with vulnerabilities that list no fix (`targetVersion` undefined). */
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

/** Major and minor: the release line a fix belongs to (`2.12.7.1` → `2.12`). */
function branchOf(version: string): string {
  const match = /^\D*(\d+)(?:\D+(\d+))?/.exec(version);
  return match ? `${match[1]}.${match[2] ?? ''}` : version;
}

/**
 * Whether `candidate` is fixed for a vulnerability fixed in `fixes` (one per
 * release line): at or after the newest fix, or at or after a fix and still
 * before the next fix's release line (`2.12.9` is fixed by `2.12.7.1, 2.13.4.2`,
 * `2.13.1` is not).
 */
function isFixedBy(compare: Compare, fixes: readonly string[], candidate: string): boolean {
  const sorted = [...fixes].sort(compare);
  let index = -1;
  sorted.forEach((fix, i) => {
    if (compare(fix, candidate) <= 0) index = i;
  });
  if (index === -1) return false;
  const next = sorted[index + 1];
  return next === undefined || branchOf(next) !== branchOf(candidate);
}

/**
 * The smallest listed version newer than `installed` that fixes every
 * vulnerability. One always exists: the newest listed fix is at or after
 * every fix of every list.
 */
export function chooseTargetVersion(options: {
  ecosystem: string;
  installed: string;
  fixLists: readonly string[][];
}): string {
  const compare: Compare = (a, b) => compareVersions(options.ecosystem, a, b);
  const all = [...new Set(options.fixLists.flat())].sort(compare);
  const newer = all.filter(
    (fix) => options.installed === '' || compare(fix, options.installed) > 0,
  );
  const candidates = newer.length > 0 ? newer : all;
  const fixesAll = candidates.find((candidate) =>
    options.fixLists.every((fixes) => isFixedBy(compare, fixes, candidate)),
  );
  return fixesAll ?? candidates.at(-1) ?? '';
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
  const fixable = findings.filter(
    (f) => parseFixedVersions(f.package?.fixedVersions ?? []).length > 0,
  );
  const unfixed = findings.filter((f) => !fixable.includes(f));
  const result: { upgrade?: UpgradeAdvice; unfixable?: UpgradeAdvice } = {};
  if (fixable.length > 0) {
    const targetVersion = chooseTargetVersion({
      ecosystem: ecosystemOf(pkg?.type, pkg?.purl),
      installed: pkg?.installedVersion ?? '',
      fixLists: fixable.map((f) => parseFixedVersions(f.package?.fixedVersions ?? [])),
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
    groups.set(key, [...(groups.get(key) ?? []), finding]);
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
 * Markdown list of the upgrades (at most `max`, then an "N more" line) and
 * the packages without a fix. Every scanner-supplied string is escaped.
 */
export function renderUpgradesMarkdown(
  upgrades: readonly UpgradeAdvice[],
  unfixable: readonly UpgradeAdvice[],
  max: number,
): string {
  const lines: string[] = [];
  for (const advice of upgrades.slice(0, max)) {
    lines.push(
      `- upgrade ${markdownCode(advice.packageName, 120)} ${escapeMarkdown(advice.installedVersion, 80)} → ${escapeMarkdown(advice.targetVersion ?? '', 80)}: fixes ${formatFixes(advice.fixes)}`,
    );
  }
  if (upgrades.length > max) lines.push(`- …and ${upgrades.length - max} more upgrades`);
  if (unfixable.length > 0) {
    const shown = unfixable
      .slice(0, max)
      .map(
        (a) =>
          `${markdownCode(a.packageName, 120)} ${escapeMarkdown(a.installedVersion, 80)} (${formatFixes(a.fixes)})`,
      );
    const more = unfixable.length > max ? `, …and ${unfixable.length - max} more` : '';
    lines.push(`- no fix available yet: ${shown.join(', ')}${more}`);
  }
  return lines.join('\n');
}

/** Plain-text lines for the log, safe from workflow-command injection. */
export function renderUpgradesText(
  upgrades: readonly UpgradeAdvice[],
  unfixable: readonly UpgradeAdvice[],
  max: number,
): string[] {
  const clean = (text: string): string => sanitizeLogText(text).replace(/\n/g, ' ');
  const lines = upgrades
    .slice(0, max)
    .map(
      (a) =>
        `upgrade ${clean(a.packageName)} ${clean(a.installedVersion)} → ${clean(a.targetVersion ?? '')}: fixes ${formatFixes(a.fixes)}`,
    );
  if (upgrades.length > max) lines.push(`…and ${upgrades.length - max} more upgrades`);
  if (unfixable.length > 0) lines.push(`${unfixable.length} package(s) with no fix available yet`);
  return lines;
}
