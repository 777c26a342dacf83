/**
 * The gate: counts findings against the thresholds and decides the verdict
 * once. Pure; `main.ts` turns the verdict into the step's result.
 */
import { emptyCounts, SEVERITIES, type Finding, type Severity } from '../findings/finding.js';
import type { ThresholdSeverity } from '../config/schema.js';

export const VERDICTS = ['pass', 'warn', 'fail', 'error'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** How a severity fared: it failed the gate, warned, passed with none, or is reported only. */
export type SeverityOutcome = 'fail' | 'warn' | 'pass' | 'report';

export interface GateInput {
  /** Findings after filters, waivers and baseline marking. */
  findings: Finding[];
  thresholds: Record<ThresholdSeverity, number>;
  /** Under `gate-scope: new` (with a baseline), only findings marked `new` count. */
  countOnlyNew: boolean;
  /** One line per scanner or import that could not do its job. */
  scannerErrors: string[];
  failOnScannerError: boolean;
}

export interface GateResult {
  verdict: Verdict;
  /** Every finding not waived, per severity (new and existing). */
  counts: Record<Severity, number>;
  /** What the gate counted: equals `counts` unless only new findings count. */
  gatedCounts: Record<Severity, number>;
  total: number;
  waived: number;
  newCount: number;
  thresholds: Record<ThresholdSeverity, number>;
  outcomes: Record<Severity, SeverityOutcome>;
  /** Why the step fails: one line each (`3 CRITICAL ≥ threshold 1`, a scanner error). */
  reasons: string[];
  /** Why the verdict is warn. */
  warnings: string[];
  countOnlyNew: boolean;
}

const RANK: Record<Verdict, number> = { pass: 0, warn: 1, fail: 2, error: 3 };

function worse(a: Verdict, b: Verdict): Verdict {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Counts findings per severity. */
export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts = emptyCounts();
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

/** Evaluates the gate (SPEC section 7). */
export function evaluateGate(input: GateInput): GateResult {
  const active = input.findings.filter((f) => f.waiver === undefined);
  const gated = input.countOnlyNew ? active.filter((f) => f.baselineState !== 'existing') : active;
  const counts = countBySeverity(active);
  const gatedCounts = countBySeverity(gated);
  const outcomes = {} as Record<Severity, SeverityOutcome>;
  const reasons: string[] = [];
  const warnings: string[] = [];
  let verdict: Verdict = 'pass';
  const scope = input.countOnlyNew ? ' new' : '';

  for (const severity of SEVERITIES) {
    const threshold = severity === 'UNKNOWN' ? 0 : input.thresholds[severity];
    const count = gatedCounts[severity];
    if (threshold === 0) {
      outcomes[severity] = 'report';
    } else if (count >= threshold) {
      outcomes[severity] = 'fail';
      reasons.push(`${count}${scope} ${severity} ≥ threshold ${threshold}`);
      verdict = worse(verdict, 'fail');
    } else if (count > 0) {
      outcomes[severity] = 'warn';
      warnings.push(`${count}${scope} ${severity} (fails at ${threshold})`);
      verdict = worse(verdict, 'warn');
    } else {
      outcomes[severity] = 'pass';
    }
  }

  for (const error of input.scannerErrors) {
    if (input.failOnScannerError) {
      reasons.push(error);
      verdict = worse(verdict, 'error');
    } else {
      warnings.push(`${error} (fail-on-scanner-error is false)`);
      verdict = worse(verdict, 'warn');
    }
  }

  return {
    verdict,
    counts,
    gatedCounts,
    total: active.length,
    waived: input.findings.length - active.length,
    newCount: active.filter((f) => f.baselineState !== 'existing').length,
    thresholds: input.thresholds,
    outcomes,
    reasons,
    warnings,
    countOnlyNew: input.countOnlyNew,
  };
}
