/**
 * Renders the Markdown that people read: the job summary, the PR comment and
 * the Markdown report file share one renderer so they never disagree. Pure.
 * Every piece of scanner text goes through the safe-text escapers.
 */
import { SEVERITIES, type Finding, type Severity } from '../findings/finding.js';
import {
  countBySeverity,
  formatFixes,
  type PlannedUpgrade,
  type UpgradeAdvice,
} from '../findings/upgrades.js';
import type { GateResult, SeverityOutcome, Verdict } from '../gate/evaluate.js';
import { escapeMarkdown, linkTarget, markdownCode } from '../util/safe-text.js';
import { advisoryUrl } from './links.js';
import type { ReportView, WaiverEntry } from './view.js';

export interface MarkdownOptions {
  /** Hard limit on the whole text, markers included (comment: 65,536; summary: 1 MiB). */
  maxLength: number;
  /** Most findings to list in full; the rest are summarised in an "N more" line. */
  maxFindings: number;
  /** Text that must stay in the output (e.g. the comment's hidden marker), counted in maxLength. */
  header?: string;
  /** Say where the full list lives ("the report file", "the job summary"). */
  moreHint?: string;
}

const VERDICT_LABEL: Record<Verdict, string> = {
  pass: '✅ Passed',
  warn: '⚠️ Passed with warnings',
  fail: '❌ Failed',
  error: '💥 Error: a scanner could not do its job',
};

const OUTCOME_LABEL: Record<SeverityOutcome, string> = {
  fail: '❌ fails',
  warn: '⚠️ warns',
  pass: '✅',
  report: 'reported only',
};

const SEVERITY_ICON: Record<Severity, string> = {
  CRITICAL: '🟥',
  HIGH: '🟧',
  MEDIUM: '🟨',
  LOW: '🟦',
  UNKNOWN: '⬜',
};

function idCell(finding: Finding): string {
  const url = advisoryUrl(finding);
  const label = escapeMarkdown(finding.ruleId, 120);
  return url === undefined ? label : `[${label}](${url})`;
}

function whereCell(finding: Finding): string {
  if (finding.package !== undefined) {
    const pkg = finding.package;
    // Versions in code spans, like names: escaped text would get invisible characters in
    // hex runs (Go pseudo-versions), and a version is copied into manifests.
    const fixed =
      pkg.fixedVersions.length > 0 ? markdownCode(pkg.fixedVersions.join(', '), 80) : 'no fix';
    return `${markdownCode(pkg.name, 80)} ${markdownCode(pkg.installedVersion ?? '?', 60)} → ${fixed}`;
  }
  if (finding.location !== undefined) {
    return markdownCode(`${finding.location.path}:${finding.location.startLine}`, 120);
  }
  return markdownCode(finding.target ?? '', 120);
}

function findingRow(finding: Finding): string {
  const severity = `${SEVERITY_ICON[finding.severity]} ${finding.severity}`;
  const disagreement =
    finding.severityBySource !== undefined
      ? ` (${Object.entries(finding.severityBySource)
          .map(([tool, sev]) => `${escapeMarkdown(tool)}: ${sev}`)
          .join(', ')})`
      : '';
  const state = [
    finding.baselineState === 'existing' ? 'existing' : '',
    finding.waiver !== undefined ? 'waived' : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `| ${severity}${disagreement} | ${idCell(finding)} | ${whereCell(finding)} | ${escapeMarkdown(finding.title, 140)} | ${escapeMarkdown(finding.tools.join(', '))} | ${state} |`;
}

/** The table of counts against thresholds. */
export function renderCountsTable(gate: GateResult): string {
  const rows = SEVERITIES.map((severity) => {
    const threshold = severity === 'UNKNOWN' ? 0 : gate.thresholds[severity];
    const gated = gate.countOnlyNew ? ` (${gate.gatedCounts[severity]} new)` : '';
    return `| ${SEVERITY_ICON[severity]} ${severity} | ${gate.counts[severity]}${gated} | ${threshold === 0 ? '—' : `fails at ${threshold}`} | ${OUTCOME_LABEL[gate.outcomes[severity]]} |`;
  });
  return ['| Severity | Findings | Threshold | Gate |', '| --- | ---: | --- | --- |', ...rows].join(
    '\n',
  );
}

function renderHeadline(view: ReportView): string[] {
  const { gate } = view;
  const lines = [`## 🛡️ Security Gate: ${VERDICT_LABEL[gate.verdict]}`, ''];
  for (const reason of gate.reasons) lines.push(`- ❌ ${escapeMarkdown(reason, 500)}`);
  for (const warning of gate.warnings) lines.push(`- ⚠️ ${escapeMarkdown(warning, 500)}`);
  if (gate.reasons.length + gate.warnings.length > 0) lines.push('');
  const extra = [
    `${gate.total} finding${gate.total === 1 ? '' : 's'}`,
    gate.waived > 0 ? `${gate.waived} waived` : '',
    view.baseline?.scope === 'new' ? `${gate.newCount} new` : '',
  ].filter(Boolean);
  lines.push(`**${extra.join(' · ')}**`, '', renderCountsTable(gate), '');
  if (view.baseline !== undefined) lines.push(`> ${escapeMarkdown(view.baseline.note, 500)}`, '');
  return lines;
}

function renderFindings(view: ReportView, max: number, moreHint: string): string[] {
  if (view.findings.length === 0) return ['No findings. 🎉', ''];
  const shown = view.findings.slice(0, max);
  const lines = [
    `### Findings, most severe first${view.baseline?.scope === 'new' ? ' (new before existing)' : ''}`,
    '',
    '| Severity | ID | Package / location | Title | Found by | State |',
    '| --- | --- | --- | --- | --- | --- |',
    ...shown.map(findingRow),
    '',
  ];
  const more = view.findings.length - shown.length;
  if (more > 0) lines.push(`…and ${more} more finding${more === 1 ? '' : 's'} in ${moreHint}.`, '');
  return lines;
}

function upgradeLine(advice: PlannedUpgrade): string {
  const installed = `${markdownCode(advice.packageName, 80)} ${markdownCode(advice.installedVersion, 60)}`;
  return `- upgrade ${installed} → ${markdownCode(advice.targetVersion, 60)}: fixes ${formatFixes(advice.fixes)}`;
}

function unfixableItem(advice: UpgradeAdvice): string {
  return `${markdownCode(advice.packageName, 80)} ${markdownCode(advice.installedVersion, 60)} (${formatFixes(advice.fixes)})`;
}

/**
 * Packages that no listed version fixes get their own short section: a
 * count, what stays open, and the most severe few. They never share the
 * upgrade list's cap, where a large image's hundreds of them would push
 * every real upgrade out (or be cut without a trace).
 */
function renderUnfixable(
  unfixable: readonly UpgradeAdvice[],
  max: number,
  moreHint: string,
): string[] {
  if (unfixable.length === 0) return [];
  const open = countBySeverity(unfixable);
  const more = unfixable.length - Math.min(max, unfixable.length);
  const shown = unfixable.slice(0, max).map(unfixableItem).join(', ');
  return [
    `#### No fix available yet: ${unfixable.length} package${unfixable.length === 1 ? '' : 's'} (${formatFixes(open)} remain)`,
    '',
    `${shown}${more > 0 ? `, …and ${more} more in ${moreHint}` : ''}.`,
    '',
  ];
}

function renderUpgrades(view: ReportView, max: number, moreHint: string): string[] {
  const plan = view.upgrades;
  if (plan === undefined || plan.upgrades.length + plan.unfixable.length === 0) return [];
  const { upgrades, unfixable } = plan;
  const lines = ['### What to upgrade', ''];
  if (upgrades.length === 0) lines.push('No listed upgrade fixes a finding.');
  lines.push(...upgrades.slice(0, max).map(upgradeLine));
  if (upgrades.length > max) lines.push(`- …and ${upgrades.length - max} more in ${moreHint}`);
  // The no-fix list is shorter: it is what to watch, not what to do.
  return [...lines, '', ...renderUnfixable(unfixable, Math.max(3, Math.floor(max / 2)), moreHint)];
}

function waiverLine(entry: WaiverEntry): string {
  const scope = [
    entry.package ? `package ${markdownCode(entry.package, 60)}` : '',
    entry.path ? `path ${markdownCode(entry.path, 80)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `- ${markdownCode(entry.id, 80)}${scope ? ` (${scope})` : ''}, expires ${escapeMarkdown(entry.expires ?? 'never', 20)}, ${entry.matched} matched — ${escapeMarkdown(entry.reason, 300)} _(${escapeMarkdown(entry.origin, 120)})_`;
}

/**
 * The waivers a reviewer must see. The compact form keeps the ones that need
 * action (added or changed by the pull request, expired), fewer of each, and
 * counts the rest.
 */
function renderWaivers(view: ReportView, compact: boolean): string[] {
  const w = view.waivers;
  if (w === undefined) return [];
  const sections: Array<[string, WaiverEntry[], boolean]> = [
    ['🔍 Waivers added or changed by this pull request (need review)', w.needsReview, true],
    ['⏰ Expired waivers (no longer applied)', w.expired, true],
    ['⚠️ Waivers expiring within 14 days', w.expiring, false],
    ['Waivers applied', w.used, false],
    ['Unused waivers (matched nothing)', w.unused, false],
  ];
  const max = compact ? 5 : 30;
  const lines: string[] = [];
  for (const [title, entries, essential] of sections) {
    if (entries.length === 0) continue;
    if (compact && !essential) {
      lines.push(`- ${title}: ${entries.length}`);
      continue;
    }
    lines.push(`#### ${title}`, '', ...entries.slice(0, max).map(waiverLine), '');
    if (entries.length > max) lines.push(`…and ${entries.length - max} more`, '');
  }
  return lines.length > 0 ? ['### Waivers', '', ...lines, ''] : [];
}

function renderScanners(view: ReportView): string[] {
  const rows = view.scanners.map(
    (s) =>
      `| ${escapeMarkdown(s.tool)} | ${escapeMarkdown(s.version ?? '?')} | ${markdownCode(s.target, 80)} | ${s.error === undefined ? s.findingCount : `💥 ${escapeMarkdown(s.error, 300)}`} |`,
  );
  const imports = view.imports.map(
    (i) => `| import (${i.format}) | — | ${markdownCode(i.file, 80)} | ${i.findingCount} |`,
  );
  if (rows.length + imports.length === 0) return [];
  const lines = [
    '### Scanners and reports',
    '',
    '| Scanner | Version | Target | Findings |',
    '| --- | --- | --- | ---: |',
    ...rows,
    ...imports,
    '',
  ];
  const notes = [
    ...view.scanners.flatMap((s) => s.notes ?? []),
    ...view.imports.flatMap((i) => (i.notes ?? []).map((n) => `${i.file}: ${n}`)),
  ];
  for (const note of notes) lines.push(`- ${escapeMarkdown(note, 300)}`);
  if (notes.length > 0) lines.push('');
  return lines;
}

function renderFooter(view: ReportView): string[] {
  const lines: string[] = [];
  const filtered = view.filtered;
  if (filtered.bySeverity + filtered.unfixed > 0) {
    lines.push(
      `Filtered out: ${filtered.bySeverity} by \`severities\`, ${filtered.unfixed} unfixed by \`ignore-unfixed\`.`,
      '',
    );
  }
  for (const line of view.sarifTruncation) lines.push(`- SARIF: ${escapeMarkdown(line, 300)}`);
  if (view.sarifTruncation.length > 0) lines.push('');
  if (view.sbom !== undefined) {
    lines.push(
      `SBOM (${escapeMarkdown(view.sbom.format)}): ${markdownCode(view.sbom.path)}, ${view.sbom.packages} packages${view.sbom.version === undefined ? '' : `, by Trivy ${escapeMarkdown(view.sbom.version, 40)}`}.`,
      '',
    );
  }
  // Built by the action from the server URL, yet written through the same helper.
  const runUrl = linkTarget(view.links.runUrl);
  const securityTabUrl = linkTarget(view.links.securityTabUrl);
  const links = [
    runUrl ? `[workflow run](${runUrl})` : '',
    securityTabUrl ? `[code scanning alerts](${securityTabUrl})` : '',
  ].filter(Boolean);
  if (links.length > 0) lines.push(links.join(' · '), '');
  return lines;
}

function renderWithLimit(
  view: ReportView,
  options: MarkdownOptions,
  maxFindings: number,
  compact: boolean,
): string {
  const moreHint = options.moreHint ?? 'the report file';
  const parts = [
    ...(options.header !== undefined ? [options.header] : []),
    ...renderHeadline(view),
    ...renderWaivers(view, compact),
    ...renderFindings(view, maxFindings, moreHint),
    ...renderUpgrades(view, compact ? 5 : 20, moreHint),
    ...(compact ? [] : renderScanners(view)),
    ...renderFooter(view),
  ];
  return parts.join('\n');
}

/**
 * Renders the summary/comment/report Markdown within `maxLength`: the full
 * form when it fits, else fewer findings, else a compact form (headline,
 * counts and the few most severe findings), which always fits.
 */
export function renderMarkdown(view: ReportView, options: MarkdownOptions): string {
  let maxFindings = options.maxFindings;
  for (;;) {
    const text = renderWithLimit(view, options, maxFindings, false);
    if (text.length <= options.maxLength) return text;
    if (maxFindings <= 10) break;
    maxFindings = Math.floor(maxFindings / 2);
  }
  const compact = renderWithLimit(view, options, 10, true);
  if (compact.length <= options.maxLength) return compact;
  // Only reachable with absurd limits: keep the verdict line and the header.
  const head = [
    options.header ?? '',
    `## 🛡️ Security Gate: ${VERDICT_LABEL[view.gate.verdict]}`,
  ].join('\n');
  return head.slice(0, options.maxLength);
}
