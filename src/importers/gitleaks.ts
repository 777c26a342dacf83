/**
 * gitleaks JSON (`gitleaks detect --report-format json`) → secret findings.
 * Pure. The report carries the secret twice (`Secret`, and `Match`, the
 * matched text around it): neither is read into the finding, and neither is
 * the author's name or e-mail. Only the rule, file and lines are kept.
 *
 * Decisions:
 * - Severity is HIGH: gitleaks rates nothing, and a leaked credential is at
 *   least HIGH until someone has looked at it (a waiver documents why not).
 * - No masked excerpt: `Match` may hold more of the secret than `Secret`
 *   (multi-line keys, secrets in capture groups), so masking it by replacing
 *   `Secret` is not reliable, and a wrong mask would leak.
 */
import { z } from 'zod';
import { ReportFormatError } from '../config/errors.js';
import type { Finding, FileLocation, FindingSource } from '../findings/finding.js';
import type { ImportOutcome } from '../scanners/types.js';

/** Only the fields we keep are read; `Secret`, `Match`, `Author`, `Email` are never declared. */
const leakSchema = z.looseObject({
  RuleID: z.string().min(1),
  Description: z.string().optional(),
  File: z.string(),
  StartLine: z.number().int().optional(),
  EndLine: z.number().int().optional(),
  StartColumn: z.number().int().optional(),
  EndColumn: z.number().int().optional(),
  Commit: z.string().optional(),
  Tags: z.array(z.string()).nullish(),
});

const reportSchema = z.array(leakSchema);

type Leak = z.infer<typeof leakSchema>;

/** The severity every gitleaks finding gets (gitleaks does not rate its findings). */
export const GITLEAKS_SEVERITY = 'HIGH';

/** Imports a gitleaks JSON report; throws `ReportFormatError` when it is not one. */
export function importGitleaksReport(json: unknown, file: string): ImportOutcome {
  const parsed = reportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unreadable';
    throw new ReportFormatError(file, `not a gitleaks JSON report (${where})`);
  }
  const source: FindingSource = {
    tool: 'gitleaks',
    informationUri: 'https://github.com/gitleaks/gitleaks',
    reportFile: file,
  };
  return {
    file,
    format: 'gitleaks-json',
    findings: parsed.data.map((leak) => convertLeak(leak, source)),
  };
}

function convertLeak(leak: Leak, source: FindingSource): Finding {
  const description = leak.Description?.trim() ?? '';
  const commit = leak.Commit && !/^0+$/.test(leak.Commit) ? leak.Commit : undefined;
  const tags = leak.Tags ?? [];
  return {
    id: '',
    kind: 'secret',
    ruleId: leak.RuleID,
    aliases: [],
    severity: GITLEAKS_SEVERITY,
    title: description === '' ? `Secret found by rule ${leak.RuleID}` : description,
    description: `gitleaks rule ${leak.RuleID} found a leaked credential in ${leak.File}${commit ? ` (commit ${commit})` : ''}; its value is not shown.`,
    tools: ['gitleaks'],
    source,
    location: readLocation(leak),
    references: [],
    ...(commit || tags.length > 0
      ? { properties: { ...(commit ? { commit } : {}), ...(tags.length > 0 ? { tags } : {}) } }
      : {}),
  };
}

function readLocation(leak: Leak): FileLocation {
  const startLine = Math.max(1, leak.StartLine ?? 1);
  const location: FileLocation = {
    path: leak.File.replace(/\\/g, '/').replace(/^\.\//, ''),
    startLine,
  };
  if (leak.EndLine !== undefined && leak.EndLine >= startLine) location.endLine = leak.EndLine;
  if (leak.StartColumn !== undefined && leak.StartColumn >= 1)
    location.startColumn = leak.StartColumn;
  // An end column only means something with its line range; SARIF wants it past the start.
  if (
    leak.EndColumn !== undefined &&
    location.startColumn !== undefined &&
    ((location.endLine !== undefined && location.endLine > startLine) ||
      leak.EndColumn > location.startColumn)
  ) {
    location.endColumn = leak.EndColumn;
  }
  return location;
}
