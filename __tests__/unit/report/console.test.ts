import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../../src/gate/evaluate.js';
import { fingerprintFindings } from '../../../src/findings/fingerprint.js';
import { planUpgrades } from '../../../src/findings/upgrades.js';
import { renderConsoleTable } from '../../../src/report/console.js';
import type { ReportView } from '../../../src/report/view.js';
import { parseTrivyReport } from '../../../src/scanners/trivy/parse.js';

const FIXTURE = '__tests__/fixtures/shared/trivy/image-fluentd-os-and-gems.json';

function viewOfFixture(): ReportView {
  const parsed = parseTrivyReport(JSON.parse(readFileSync(FIXTURE, 'utf8')), {
    source: { tool: 'Trivy', reportFile: FIXTURE },
    pathPrefix: '',
  });
  const findings = fingerprintFindings(parsed.findings, () => undefined);
  const gate = evaluateGate({
    findings,
    thresholds: { CRITICAL: 1, HIGH: 5, MEDIUM: 0, LOW: 0 },
    countOnlyNew: false,
    scannerErrors: ['grype: timed out after 600s'],
    failOnScannerError: true,
  });
  const upgrades = planUpgrades(findings);
  return {
    gate,
    findings,
    scanners: [
      {
        scanner: 'grype',
        tool: 'Grype',
        target: 'fluentd',
        findingCount: 0,
        error: 'grype: timed out after 600s',
      },
    ],
    imports: [{ file: FIXTURE, format: 'trivy-json', findingCount: findings.length }],
    filtered: { bySeverity: 0, unfixed: 0 },
    upgrades: [...upgrades.upgrades, ...upgrades.unfixable],
    sarifTruncation: [],
    sarifCategory: 'security-gate',
    links: {},
    generatedAt: '2026-11-22T00:00:00.000Z',
  };
}

describe('renderConsoleTable', () => {
  const raw = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
    Results: Array<{ Vulnerabilities?: Array<{ Severity: string; PkgName: string }> }>;
  };
  const vulns = raw.Results.flatMap((r) => r.Vulnerabilities ?? []);
  const lines = renderConsoleTable(viewOfFixture());

  it('states the verdict and a row per severity with the fixture counts', () => {
    expect(lines[0]).toBe('Security Gate verdict: ERROR');
    for (const severity of ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']) {
      const count = vulns.filter((v) => v.Severity === severity).length;
      expect(lines.find((l) => l.startsWith(severity))).toMatch(
        new RegExp(`^${severity}\\s+${count}\\s`),
      );
    }
  });

  it('lists scanner errors, imports, reasons and upgrades', () => {
    expect(lines).toContain('FAIL: grype: timed out after 600s');
    expect(
      lines.some((l) => l.startsWith(`Imported ${FIXTURE} (trivy-json): ${vulns.length} findings`)),
    ).toBe(true);
    for (const v of vulns) expect(lines.some((l) => l.includes(v.PkgName))).toBe(true);
  });
});
