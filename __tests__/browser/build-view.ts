/**
 * Test helper: a ReportView from findings, the way the pipeline gathers it
 * (findings in report order, gate from `evaluateGate`, upgrades from `planUpgrades`).
 */
import type { Finding } from '../../src/findings/finding.js';
import { planUpgrades } from '../../src/findings/upgrades.js';
import { evaluateGate } from '../../src/gate/evaluate.js';
import { compareForReport, type ReportView, type WaiverEntry } from '../../src/report/view.js';

const WAIVER: WaiverEntry = {
  id: 'CVE-2019-1549',
  package: 'libssl1.1',
  reason: 'Not reachable: we never fork after initialising OpenSSL.',
  expires: '2099-01-01',
  approvedBy: '@security-team',
  origin: '.github/security-waivers.yml#0',
  matched: 1,
};

/** Builds the view; `countOnlyNew` gates only findings marked new. */
export function buildReportView(
  findings: Finding[],
  options: { countOnlyNew?: boolean } = {},
): ReportView {
  const sorted = [...findings].sort(compareForReport);
  const gate = evaluateGate({
    findings: sorted,
    thresholds: { CRITICAL: 1, HIGH: 5, MEDIUM: 0, LOW: 0 },
    countOnlyNew: options.countOnlyNew ?? false,
    scannerErrors: [],
    failOnScannerError: true,
  });
  const plan = planUpgrades(sorted);
  return {
    gate,
    findings: sorted,
    scanners: [
      {
        scanner: 'trivy',
        tool: 'Trivy',
        version: '0.72.0',
        target: '.',
        findingCount: sorted.length,
      },
    ],
    imports: [{ file: 'reports/grype.json', format: 'grype-json', findingCount: 0 }],
    filtered: { bySeverity: 0, unfixed: 0 },
    waivers: {
      used: [WAIVER],
      expired: [],
      expiring: [],
      unused: [{ ...WAIVER, id: 'CVE-2000-0001', matched: 0 }],
      needsReview: [],
    },
    upgrades: plan,
    baseline: options.countOnlyNew
      ? { scope: 'new', note: 'from the baseline record of main', existing: 0 }
      : undefined,
    sarifTruncation: [],
    sarifCategory: 'security-gate',
    links: {
      runUrl: 'https://github.com/o/r/actions/runs/1',
      securityTabUrl: 'javascript:alert(1)',
    },
    generatedAt: '2025-01-01T00:00:00.000Z',
  };
}
