/**
 * The plain-text report printed to the log: counts against thresholds, the
 * scanners and imports with their notes, the gate's reasons, the most severe
 * findings with the scanners that found them, the waivers, and what to
 * upgrade. Pure.
 *
 * Every piece of untrusted text (scanner output, file and package names,
 * waiver reasons) goes through `clean`: `sanitizeLogText` (no `::` workflow
 * command can start in it) and no line break, so one field can never forge
 * a line of its own. The logger sanitises again; this keeps the table safe
 * for any logger.
 */
import { SEVERITIES, type Finding } from '../findings/finding.js';
import { countBySeverity, formatFixes, type UpgradePlan } from '../findings/upgrades.js';
import type { GateResult } from '../gate/evaluate.js';
import { sanitizeLogText, truncate } from '../util/safe-text.js';
import type { ReportView, WaiverEntry, WaiverSummary } from './view.js';

/** Findings listed in full; the rest are counted in an "N more" line. */
const MAX_FINDINGS = 20;
const MAX_UPGRADES = 10;
const MAX_WAIVERS_PER_GROUP = 10;

/** Untrusted text for one log line. */
function clean(text: string, max = 200): string {
  return truncate(sanitizeLogText(text).replace(/\s*\n\s*/g, ' '), max);
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function countsTable(gate: GateResult): string[] {
  const lines = [
    `${pad('Severity', 10)} ${pad('Count', 7)} ${pad('Threshold', 11)} Gate`,
    `${'-'.repeat(10)} ${'-'.repeat(7)} ${'-'.repeat(11)} ${'-'.repeat(13)}`,
  ];
  for (const severity of SEVERITIES) {
    const threshold = severity === 'UNKNOWN' ? 0 : gate.thresholds[severity];
    const count = gate.countOnlyNew
      ? `${gate.counts[severity]}/${gate.gatedCounts[severity]}n`
      : String(gate.counts[severity]);
    lines.push(
      `${pad(severity, 10)} ${pad(count, 7)} ${pad(threshold === 0 ? '-' : String(threshold), 11)} ${gate.outcomes[severity]}`,
    );
  }
  return lines;
}

function whereOf(finding: Finding): string {
  const pkg = finding.package;
  if (pkg !== undefined) {
    const fixed = pkg.fixedVersions.length > 0 ? pkg.fixedVersions.join(', ') : 'no fix';
    return `${clean(pkg.name, 80)} ${clean(pkg.installedVersion ?? '?', 60)} -> ${clean(fixed, 80)}`;
  }
  if (finding.location !== undefined) {
    return clean(`${finding.location.path}:${finding.location.startLine}`, 120);
  }
  return clean(finding.target ?? '', 120);
}

/** `HIGH     CVE-2020-8165 activesupport 6.0.2.1 -> 6.0.3.1, 5.2.4.3 [Trivy, Grype] (existing)`. */
function findingLine(finding: Finding): string {
  const state = [
    finding.baselineState === 'existing' ? 'existing' : '',
    finding.waiver !== undefined ? 'waived' : '',
  ].filter(Boolean);
  return [
    pad(finding.severity, 8),
    clean(finding.ruleId, 80),
    whereOf(finding),
    `[${clean(finding.tools.join(', '), 80)}]`,
    ...(state.length > 0 ? [`(${state.join(', ')})`] : []),
  ].join(' ');
}

function findingsSection(view: ReportView): string[] {
  if (view.findings.length === 0) return [];
  const shown = view.findings.slice(0, MAX_FINDINGS);
  const lines = [
    '',
    `Findings, most severe first (${shown.length} of ${view.findings.length}):`,
    ...shown.map((f) => `  ${findingLine(f)}`),
  ];
  const more = view.findings.length - shown.length;
  if (more > 0) lines.push(`  …and ${more} more in the job summary and the report file`);
  return lines;
}

function waiverLine(entry: WaiverEntry): string {
  const scope = [
    entry.package ? `package ${clean(entry.package, 60)}` : '',
    entry.path ? `path ${clean(entry.path, 80)}` : '',
  ].filter(Boolean);
  return `${clean(entry.id, 80)}${scope.length > 0 ? ` (${scope.join(', ')})` : ''}, expires ${clean(entry.expires ?? 'never', 20)}, ${entry.matched} matched, ${clean(entry.origin, 120)}: ${clean(entry.reason, 160)}`;
}

/** Each group: its key, its short name for the count line, and what it means. */
const WAIVER_GROUPS: Array<[keyof WaiverSummary, string, string]> = [
  ['needsReview', 'need review', 'added or changed by this pull request'],
  ['expired', 'expired', 'no longer applied: their findings count'],
  ['expiring', 'expiring', 'within 14 days'],
  ['used', 'used', 'suppressing findings'],
  ['unused', 'unused', 'matched nothing'],
];

function waiversSection(waivers: WaiverSummary | undefined): string[] {
  if (waivers === undefined) return [];
  const present = WAIVER_GROUPS.filter(([key]) => waivers[key].length > 0);
  if (present.length === 0) return [];
  const counts = present.map(([key, short]) => `${waivers[key].length} ${short}`);
  const lines = ['', `Waivers: ${counts.join(', ')}`];
  for (const [key, short, detail] of present) {
    const entries = waivers[key];
    lines.push(`  ${short} (${detail}):`);
    for (const entry of entries.slice(0, MAX_WAIVERS_PER_GROUP))
      lines.push(`    ${waiverLine(entry)}`);
    if (entries.length > MAX_WAIVERS_PER_GROUP)
      lines.push(`    …and ${entries.length - MAX_WAIVERS_PER_GROUP} more`);
  }
  return lines;
}

function upgradesSection(plan: UpgradePlan | undefined): string[] {
  if (plan === undefined) return [];
  const { upgrades, unfixable } = plan;
  const lines: string[] = [];
  for (const a of upgrades.slice(0, MAX_UPGRADES)) {
    lines.push(
      `Upgrade ${clean(a.packageName, 120)} ${clean(a.installedVersion, 60)} -> ${clean(a.targetVersion, 60)}: fixes ${formatFixes(a.fixes)}`,
    );
  }
  if (upgrades.length > MAX_UPGRADES)
    lines.push(`…and ${upgrades.length - MAX_UPGRADES} more upgrades`);
  // Their own line, not the upgrades' cap: hundreds of them must not hide an upgrade.
  if (unfixable.length > 0) {
    lines.push(
      `No fix available yet: ${unfixable.length} package${unfixable.length === 1 ? '' : 's'} (${formatFixes(countBySeverity(unfixable))} remain)`,
    );
  }
  return lines.length > 0 ? ['', ...lines] : [];
}

/**
 * A scanner's or an import's notes, under its line: facts that change how to
 * read its findings (suppressions ignored in another workflow's artifact,
 * matches the scanner ignored itself), which the summary shows too.
 */
function notesOf(notes: readonly string[] | undefined): string[] {
  return (notes ?? []).map((note) => `  note: ${clean(note, 300)}`);
}

/** Lines of the console report (no trailing newline). */
export function renderConsoleTable(view: ReportView): string[] {
  const gate: GateResult = view.gate;
  const lines = [`Security Gate verdict: ${gate.verdict.toUpperCase()}`, '', ...countsTable(gate)];
  lines.push(
    '',
    `Total ${gate.total}, waived ${gate.waived}${gate.countOnlyNew ? `, new ${gate.newCount}` : ''}`,
  );
  for (const s of view.scanners) {
    lines.push(
      `${clean(s.tool, 40)} ${clean(s.version ?? '', 40)} on ${clean(s.target, 120)}: ${s.error === undefined ? `${s.findingCount} findings` : `ERROR ${clean(s.error, 300)}`}`,
      ...notesOf(s.notes),
    );
  }
  for (const i of view.imports) {
    lines.push(
      `Imported ${clean(i.file, 200)} (${i.format}): ${i.findingCount} findings`,
      ...notesOf(i.notes),
    );
  }
  for (const reason of gate.reasons) lines.push(`FAIL: ${clean(reason, 500)}`);
  for (const warning of gate.warnings) lines.push(`WARN: ${clean(warning, 500)}`);
  return [
    ...lines,
    ...findingsSection(view),
    ...waiversSection(view.waivers),
    ...upgradesSection(view.upgrades),
  ];
}

/**
 * The warnings the entry point raises (one `core.warning` each) about
 * waivers that need action: expired ones, whose findings count again, and
 * ones expiring within 14 days. Safe log text.
 */
export function waiverWarnings(waivers: WaiverSummary | undefined): string[] {
  if (waivers === undefined) return [];
  const name = (w: WaiverEntry): string =>
    `Waiver ${clean(w.id, 80)}${w.package ? ` for ${clean(w.package, 60)}` : ''} (${clean(w.origin, 120)})`;
  return [
    ...waivers.expired.map(
      (w) =>
        `${name(w)} expired on ${clean(w.expires ?? '?', 20)}: it no longer applies, so the ${w.matched} finding${w.matched === 1 ? '' : 's'} it matched count again. Renew it with a new expiry date or fix the finding.`,
    ),
    ...waivers.expiring.map(
      (w) =>
        `${name(w)} expires on ${clean(w.expires ?? '?', 20)}, within 14 days: renew it or fix the ${w.matched} finding${w.matched === 1 ? '' : 's'} it suppresses before then.`,
    ),
  ];
}
