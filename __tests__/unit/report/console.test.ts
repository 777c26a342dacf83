import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../../src/gate/evaluate.js';
import { fingerprintFindings } from '../../../src/findings/fingerprint.js';
import { planUpgrades } from '../../../src/findings/upgrades.js';
import { compareFindings, type Finding } from '../../../src/findings/finding.js';
import { renderConsoleTable, waiverWarnings } from '../../../src/report/console.js';
import {
  compareForReport,
  type ReportView,
  type WaiverEntry,
  type WaiverSummary,
} from '../../../src/report/view.js';
import { parseTrivyReport } from '../../../src/scanners/trivy/parse.js';

const FIXTURE = '__tests__/fixtures/shared/trivy/image-fluentd-os-and-gems.json';
/** 160 findings, most with no fix: more than the console lists. */
const STRETCH = '__tests__/fixtures/shared/trivy/v0.20.0-image-debian-stretch-large.json';

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
    findings: findings.sort(compareForReport),
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
    upgrades,
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

describe('renderConsoleTable: notes', () => {
  // The SARIF importer's note on a workflow_run artifact.
  const ignored =
    "2 result(s) suppressed in this report were counted anyway: the report came from another workflow's artifact (workflow_run), whose suppressions are not trusted.";

  it('prints each import note and scanner note under its line', () => {
    const base = viewOfFixture();
    const lines = renderConsoleTable({
      ...base,
      scanners: [{ ...(base.scanners[0] as ReportView['scanners'][number]), notes: ['VEX: 2'] }],
      imports: [{ file: 'fork/trivy.sarif', format: 'sarif', findingCount: 3, notes: [ignored] }],
    });
    const imported = lines.indexOf('Imported fork/trivy.sarif (sarif): 3 findings');
    expect(lines[imported + 1]).toBe(`  note: ${ignored}`);
    const scanner = lines.findIndex((l) => l.startsWith('Grype  on fluentd: ERROR'));
    expect(lines[scanner + 1]).toBe('  note: VEX: 2');
  });

  it('escapes a note: no workflow command, no line of its own', () => {
    const lines = renderConsoleTable({
      ...viewOfFixture(),
      imports: [
        {
          file: 'a.sarif',
          format: 'sarif',
          findingCount: 0,
          notes: ['ok\n::error file=x::forged\r\n##[group]y'],
        },
      ],
    });
    const forged = lines.filter((l) => l.includes('forged'));
    expect(forged).toHaveLength(1);
    expect(forged[0]).toMatch(/^ {2}note: ok /);
    expect(forged[0]).not.toMatch(/::|##\[|[\r\n]/);
  });
});

describe('renderConsoleTable: findings, waivers, upgrades', () => {
  const findings = fingerprintFindings(
    parseTrivyReport(JSON.parse(readFileSync(STRETCH, 'utf8')), {
      source: { tool: 'Trivy', reportFile: STRETCH },
      pathPrefix: '',
    }).findings,
    () => undefined,
  ).sort(compareFindings);
  const plan = planUpgrades(findings);
  const view: ReportView = { ...viewOfFixture(), findings, upgrades: plan };

  it('lists the 20 most severe findings with id, package installed -> fixed and scanners', () => {
    const lines = renderConsoleTable(view);
    const start = lines.indexOf(`Findings, most severe first (20 of ${findings.length}):`);
    expect(start).toBeGreaterThan(0);
    const rows = lines.slice(start + 1, start + 21);
    rows.forEach((row, i) => {
      const f = findings[i] as Finding;
      const pkg = f.package as NonNullable<Finding['package']>;
      const fixed = pkg.fixedVersions.length > 0 ? pkg.fixedVersions.join(', ') : 'no fix';
      expect(row).toBe(
        `  ${f.severity.padEnd(8)} ${f.ruleId} ${pkg.name} ${pkg.installedVersion} -> ${fixed} [Trivy]`,
      );
    });
    expect(lines[start + 21]).toBe(
      `  …and ${findings.length - 20} more in the job summary and the report file`,
    );
  });

  it('puts the packages without a fix on their own line, after every upgrade', () => {
    const lines = renderConsoleTable(view);
    const upgrades = lines.filter((l) => l.startsWith('Upgrade '));
    expect(upgrades).toHaveLength(plan.upgrades.length);
    const open = plan.unfixable.reduce((sum, a) => sum + a.fixes.CRITICAL, 0);
    expect(lines.at(-1)).toMatch(
      new RegExp(`^No fix available yet: ${plan.unfixable.length} packages \\(${open} CRITICAL, `),
    );
  });

  it('lists new findings before existing ones of their severity, in the order the view has', () => {
    // The most severe finding is the existing one: the report order (the pipeline sorts the
    // view's findings by it) moves it behind the new ones of its severity.
    const marked = findings.map((f, i) => ({
      ...f,
      baselineState: i === 0 ? ('existing' as const) : ('new' as const),
    }));
    const top = marked.filter((f) => f.severity === marked[0]?.severity);
    const expected = [...top.slice(1), top[0] as Finding, ...marked.slice(top.length)];
    const lines = renderConsoleTable({ ...view, findings: [...marked].sort(compareForReport) });
    const start = lines.findIndex((l) => l.startsWith('Findings, most severe first'));
    const rows = lines.slice(start + 1, start + 21);
    rows.forEach((row, i) => {
      const f = expected[i] as Finding;
      expect(row).toContain(` ${f.ruleId} ${f.package?.name} ${f.package?.installedVersion} `);
      expect(row.endsWith('(existing)')).toBe(f === top[0]);
    });
    expect(top.length).toBeGreaterThan(1);
  });

  const waivers: WaiverSummary = {
    needsReview: [entry('CVE-2024-0001', 1)],
    expired: [entry('CVE-2019-1549', 2, '2026-01-01')],
    expiring: [entry('CVE-2019-1551', 1, '2026-11-30')],
    used: [entry('CVE-2019-1547', 3)],
    unused: [entry('CVE-2000-0001', 0)],
  };

  it('lists waivers needing review, expired, expiring, used and unused', () => {
    const lines = renderConsoleTable({ ...view, waivers });
    expect(lines).toContain('Waivers: 1 need review, 1 expired, 1 expiring, 1 used, 1 unused');
    for (const group of ['need review', 'expired', 'expiring', 'used', 'unused'])
      expect(lines.some((l) => l.startsWith(`  ${group} (`))).toBe(true);
    expect(lines).toContain(
      '    CVE-2019-1549 (package libssl1.1), expires 2026-01-01, 2 matched, .github/security-waivers.yml#0: not reachable',
    );
  });

  it('returns the warnings for expired and soon-expiring waivers', () => {
    expect(waiverWarnings(waivers)).toEqual([
      'Waiver CVE-2019-1549 for libssl1.1 (.github/security-waivers.yml#0) expired on 2026-01-01: it no longer applies, so the 2 findings it matched count again. Renew it with a new expiry date or fix the finding.',
      'Waiver CVE-2019-1551 for libssl1.1 (.github/security-waivers.yml#0) expires on 2026-11-30, within 14 days: renew it or fix the 1 finding it suppresses before then.',
    ]);
    expect(waiverWarnings(undefined)).toEqual([]);
    expect(waiverWarnings({ ...waivers, expired: [], expiring: [] })).toEqual([]);
  });

  it('never lets scanner or waiver text start a workflow command or a new line', () => {
    const hostile = 'x\n::error file=a::pwned\r\n##[warning]y';
    const [base] = findings;
    const bad: Finding = {
      ...(base as Finding),
      ruleId: hostile,
      tools: [hostile],
      package: { name: hostile, installedVersion: hostile, fixedVersions: [hostile] },
    };
    const lines = renderConsoleTable({
      ...view,
      findings: [bad],
      waivers: { ...waivers, used: [{ ...entry(hostile, 1), reason: hostile, origin: hostile }] },
      upgrades: {
        upgrades: [
          {
            packageName: hostile,
            installedVersion: hostile,
            targetVersion: hostile,
            fixes: { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
            vulnerabilityIds: [hostile],
          },
        ],
        unfixable: [],
        fixableCount: 1,
      },
    });
    const all = [...lines, ...waiverWarnings({ ...waivers, expired: [entry(hostile, 1)] })];
    for (const line of all) {
      expect(line).not.toMatch(/[\r\n]/);
      expect(line).not.toContain('::');
      expect(line).not.toContain('##[');
    }
    expect(lines.filter((l) => l.includes('pwned'))).toHaveLength(3);
  });
});

function entry(id: string, matched: number, expires = '2027-06-30'): WaiverEntry {
  return {
    id,
    package: 'libssl1.1',
    reason: 'not reachable',
    expires,
    origin: '.github/security-waivers.yml#0',
    matched,
  };
}
