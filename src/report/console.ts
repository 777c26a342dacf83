/**
 * The plain-text table printed to the log: counts against thresholds and the
 * gate's reasons. Pure; the logger sanitises each line before it is printed.
 */
import { SEVERITIES } from '../findings/finding.js';
import type { GateResult } from '../gate/evaluate.js';
import type { ReportView } from './view.js';

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** Lines of the console report (no trailing newline). */
export function renderConsoleTable(view: ReportView): string[] {
  const gate: GateResult = view.gate;
  const lines = [
    `Security Gate verdict: ${gate.verdict.toUpperCase()}`,
    '',
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
  lines.push(
    '',
    `Total ${gate.total}, waived ${gate.waived}${gate.countOnlyNew ? `, new ${gate.newCount}` : ''}`,
  );
  for (const s of view.scanners) {
    lines.push(
      `${s.tool} ${s.version ?? ''} on ${s.target}: ${s.error === undefined ? `${s.findingCount} findings` : `ERROR ${s.error}`}`,
    );
  }
  for (const i of view.imports)
    lines.push(`Imported ${i.file} (${i.format}): ${i.findingCount} findings`);
  for (const reason of gate.reasons) lines.push(`FAIL: ${reason}`);
  for (const warning of gate.warnings) lines.push(`WARN: ${warning}`);
  for (const advice of (view.upgrades ?? []).slice(0, 10)) {
    const fixes = SEVERITIES.filter((s) => advice.fixes[s] > 0)
      .map((s) => `${advice.fixes[s]} ${s}`)
      .join(', ');
    // No fixed version means no upgrade helps: say what stays open instead of "fixes".
    lines.push(
      advice.targetVersion === undefined
        ? `No fix yet for ${advice.packageName} ${advice.installedVersion}: ${fixes} remain`
        : `Upgrade ${advice.packageName} ${advice.installedVersion} -> ${advice.targetVersion}: fixes ${fixes}`,
    );
  }
  return lines;
}
