/**
 * Everything the reporters render, gathered once by the pipeline: plain data,
 * so every renderer (summary, comment, report file, HTML, console, check run)
 * shows the same facts.
 */
import { compareFindings, severityRank, type Finding } from '../findings/finding.js';
import type { UpgradePlan } from '../findings/upgrades.js';
import type { GateResult } from '../gate/evaluate.js';
import type { ReportFormat } from '../scanners/types.js';

export interface ScannerRunSummary {
  scanner: string;
  tool: string;
  version?: string;
  target: string;
  findingCount: number;
  error?: string;
  notes?: string[];
}

export interface ImportSummary {
  file: string;
  format: ReportFormat;
  findingCount: number;
  /** Facts about the import (e.g. suppressions not trusted in a workflow_run artifact). */
  notes?: string[];
}

/** One waiver as reports list it. */
export interface WaiverEntry {
  id: string;
  package?: string;
  path?: string;
  reason: string;
  expires?: string;
  approvedBy?: string;
  mitigation?: string;
  /** `.github/security-waivers.yml#3`, `.trivyignore:7`, `.grype.yaml#0`. */
  origin: string;
  /** Findings it suppressed (or, when expired, would have). */
  matched: number;
}

export interface WaiverSummary {
  used: WaiverEntry[];
  expired: WaiverEntry[];
  /** Still valid but expiring within 14 days. */
  expiring: WaiverEntry[];
  unused: WaiverEntry[];
  /** Added or changed by this pull request: listed first for review. */
  needsReview: WaiverEntry[];
}

export interface BaselineSummary {
  scope: 'all' | 'new';
  /** Where existing findings came from, or why every finding counts. */
  note: string;
  existing: number;
}

export interface ReportView {
  gate: GateResult;
  /**
   * Every finding after filters, waived ones included (marked), in report
   * order (`compareForReport`): renderers list them as given.
   */
  findings: Finding[];
  scanners: ScannerRunSummary[];
  imports: ImportSummary[];
  /** What the filters removed: `severities` and `ignore-unfixed`. */
  filtered: { bySeverity: number; unfixed: number };
  waivers?: WaiverSummary;
  upgrades?: UpgradePlan;
  baseline?: BaselineSummary;
  /** Lines saying what the SARIF file left out to stay within GitHub's limits. */
  sarifTruncation: string[];
  /** `version`: the Trivy that wrote it (it may not be a scanner of the run). */
  sbom?: { path: string; format: string; packages: number; version?: string };
  sarifCategory: string;
  links: { runUrl?: string; securityTabUrl?: string };
  /** ISO timestamp of the run. */
  generatedAt: string;
}

/**
 * The order every renderer lists findings in (the pipeline sorts them once):
 * most severe first and, within a severity, findings that are new (or not
 * compared with a baseline) before existing ones, so under `gate-scope: new`
 * what the pull request introduces is never pushed out of a capped list (the
 * comment's first rows) by findings that were already there. Ties fall back
 * to `compareFindings`.
 */
export function compareForReport(a: Finding, b: Finding): number {
  const existing = (f: Finding): number => (f.baselineState === 'existing' ? 1 : 0);
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    existing(a) - existing(b) ||
    compareFindings(a, b)
  );
}
