/**
 * The report file and "What to upgrade" through the bundled action
 * (dist/index.js), run the way the runner runs it, on imported real reports:
 *
 * - `report-file: security-gate.html` writes one self-contained page (a CSP
 *   that forbids every request, no `src=`, only plain https advisory links)
 *   with the verdict and every finding (rule id and fingerprint);
 * - the `fixable` output and the "What to upgrade" section of the summary,
 *   the Markdown report and the HTML page, checked against an independent
 *   computation from the reports' raw JSON (dpkg for Debian versions).
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runAction, type ActionRun } from '../helpers/run-action.js';

const SHARED = path.join(ROOT, '__tests__/fixtures/shared/trivy');
/** Trivy 0.44.1's own report of a folder with secrets and misconfigurations. */
const PROJECT = path.join(
  ROOT,
  '__tests__/fixtures/trivy-e2e/reports/trivy-0.44.1-project-secret-config.json',
);
/** libidn2-0 (debian, CRITICAL) and activesupport (gem, HIGH, fixed on two release lines). */
const FLUENTD = 'image-fluentd-os-and-gems.json';
/** jackson-databind 2.9.1: two vulnerabilities with two fixes (CRITICAL, HIGH). */
const POM = 'repo-pom-critical-high.json';
/** 160 findings, 4 with a fix (e2fsprogs family, MEDIUM), the rest unfixed. */
const STRETCH = 'v0.20.0-image-debian-stretch-large.json';
const REPORTS = [FLUENTD, POM, STRETCH];

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function workspace(): string {
  const ws = mkdtempSync(path.join(os.tmpdir(), 'sg-html-ws-'));
  temps.push(ws);
  for (const report of REPORTS) copyFileSync(path.join(SHARED, report), path.join(ws, report));
  copyFileSync(PROJECT, path.join(ws, 'project.json'));
  return ws;
}

async function run(ws: string, inputs: Record<string, string>): Promise<ActionRun> {
  return runAction({
    workspace: ws,
    eventName: 'workflow_dispatch',
    inputs: {
      scanners: '',
      reports: [...REPORTS, 'project.json'].join('\n'),
      'upload-sarif': 'false',
      ...inputs,
    },
  });
}

interface TrivyVuln {
  VulnerabilityID: string;
  PkgName: string;
  InstalledVersion: string;
  FixedVersion?: string;
  Severity: string;
}

function vulns(fixture: string): TrivyVuln[] {
  const report = JSON.parse(readFileSync(path.join(SHARED, fixture), 'utf8')) as {
    Results?: Array<{ Vulnerabilities?: TrivyVuln[] }>;
  };
  return (report.Results ?? []).flatMap((r) => r.Vulnerabilities ?? []);
}

const fixes = (v: TrivyVuln): string[] =>
  (v.FixedVersion ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');

/** Dotted numeric versions (Maven, RubyGems releases): compared field by field. */
function compareDotted(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i += 1) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Debian version order, by dpkg itself. */
function dpkgGreater(a: string, b: string): boolean {
  try {
    execFileSync('dpkg', ['--compare-versions', a, 'gt', b]);
    return true;
  } catch {
    return false;
  }
}

/** `upgrade name installed → target: fixes …` as the summary writes it (Markdown unescaped). */
function upgradeLines(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((l) => l.startsWith('- upgrade '))
    .map((l) => l.replace(/\\(.)/g, '$1').replace(/&#58;/g, ':').replace(/`/g, ''));
}

describe('What to upgrade', () => {
  it('fixable output and the upgrades of summary and report, against an independent computation', async () => {
    const ws = workspace();
    const result = await run(ws, {});
    expect(result.outputs.verdict).toBe('fail');

    // fixable: the vulnerabilities with a listed fix (unique by id, package, version).
    const all = REPORTS.flatMap(vulns);
    const fixable = new Set(
      all
        .filter((v) => fixes(v).length > 0)
        .map((v) => `${v.VulnerabilityID}|${v.PkgName}|${v.InstalledVersion}`),
    );
    expect(result.outputs.fixable).toBe(String(fixable.size));
    expect(fixable.size).toBe(8);

    // jackson-databind 2.9.1: the smallest version that fixes both is the larger fix.
    const jackson = vulns(POM);
    const jacksonTarget = jackson.flatMap(fixes).sort(compareDotted).at(-1);
    expect(jacksonTarget).toBe('2.9.10.7');
    // activesupport 6.0.2.1, fixed in 6.0.3.1 and 5.2.4.3: the fix newer than the installed one.
    const active = vulns(FLUENTD).find((v) => v.PkgName === 'activesupport') as TrivyVuln;
    const activeTarget = fixes(active)
      .filter((f) => compareDotted(f, active.InstalledVersion) > 0)
      .sort(compareDotted)[0];
    expect(activeTarget).toBe('6.0.3.1');
    // libidn2-0 (Debian): dpkg agrees the fix is newer than what is installed.
    const idn = vulns(FLUENTD).find((v) => v.PkgName === 'libidn2-0') as TrivyVuln;
    expect(dpkgGreater(fixes(idn)[0] ?? '', idn.InstalledVersion)).toBe(true);

    const expected = [
      `- upgrade com.fasterxml.jackson.core:jackson-databind 2.9.1 → ${jacksonTarget}: fixes 1 CRITICAL, 1 HIGH`,
      `- upgrade libidn2-0 ${idn.InstalledVersion} → ${fixes(idn)[0]}: fixes 1 CRITICAL`,
      `- upgrade activesupport ${active.InstalledVersion} → ${activeTarget}: fixes 1 HIGH`,
    ];
    // Most impact first; then the four MEDIUM e2fsprogs packages.
    const summaryUpgrades = upgradeLines(result.summary);
    expect(summaryUpgrades.slice(0, 3)).toEqual(expected);
    expect(summaryUpgrades.slice(3).sort()).toEqual(
      vulns(STRETCH)
        .filter((v) => fixes(v).length > 0)
        .map(
          (v) => `- upgrade ${v.PkgName} ${v.InstalledVersion} → ${v.FixedVersion}: fixes 1 MEDIUM`,
        )
        .sort(),
    );
    expect(result.summary).toContain('### What to upgrade');
    // The Markdown report file lists the same upgrades.
    expect(upgradeLines(readFileSync(path.join(ws, 'security-gate.md'), 'utf8'))).toEqual(
      summaryUpgrades,
    );
    // The log too (plain text).
    expect(result.stdout).toContain(
      `Upgrade com.fasterxml.jackson.core:jackson-databind 2.9.1 -> ${jacksonTarget}: fixes 1 CRITICAL, 1 HIGH`,
    );
  });
});

/** `YYYY-MM-DD`, `days` from today (UTC), as the action's clock reads it. */
function isoDay(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

describe('Filters, packages without a fix and waiver warnings', () => {
  it('states the filtered count, lists no-fix packages apart and warns about expiring waivers', async () => {
    const ws = workspace();
    writeFileSync(
      path.join(ws, 'waivers.yml'),
      [
        'waivers:',
        '  - id: CVE-2021-20190',
        '    package: com.fasterxml.jackson.core:jackson-databind',
        '    reason: Polymorphic typing is off',
        '    expires: 2020-01-01',
        '  - id: CVE-2020-8165',
        '    package: activesupport',
        '    reason: No untrusted cache keys',
        `    expires: ${isoDay(7)}`,
        '',
      ].join('\n'),
    );
    const result = await runAction({
      workspace: ws,
      eventName: 'workflow_dispatch',
      inputs: {
        scanners: '',
        reports: REPORTS.join('\n'),
        'upload-sarif': 'false',
        severities: 'CRITICAL,HIGH',
        'waivers-file': 'waivers.yml',
      },
    });
    const all = REPORTS.flatMap(vulns);

    // The summary says what `severities` removed, counted from the raw reports.
    const dropped = all.filter((v) => !['CRITICAL', 'HIGH'].includes(v.Severity)).length;
    expect(dropped).toBeGreaterThan(0);
    expect(result.summary).toContain(`Filtered out: ${dropped} by \`severities\`, 0 unfixed`);

    // Packages without a fix: their own section with their count, upgrades all listed.
    const kept = all.filter((v) => ['CRITICAL', 'HIGH'].includes(v.Severity));
    const noFix = new Set(
      kept.filter((v) => fixes(v).length === 0).map((v) => `${v.PkgName} ${v.InstalledVersion}`),
    );
    expect(noFix.size).toBeGreaterThan(0);
    const plural = noFix.size === 1 ? 'package' : 'packages';
    expect(result.summary).toContain(`#### No fix available yet: ${noFix.size} ${plural} (`);
    expect(result.stdout).toContain(`No fix available yet: ${noFix.size} ${plural} (`);
    // activesupport is waived (still valid): only jackson and libidn2-0 are upgrades.
    expect(upgradeLines(result.summary).map((l) => l.split(' ')[2])).toEqual([
      'com.fasterxml.jackson.core:jackson-databind',
      'libidn2-0',
    ]);

    // One workflow warning per waiver that needs action, naming it and its date.
    const warnings = result.stdout.split('\n').filter((l) => l.startsWith('::warning::Waiver '));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(
      /^::warning::Waiver CVE-2021-20190 for com\.fasterxml\.jackson\.core:jackson-databind \(waivers\.yml#0\) expired on 2020-01-01: .*1 finding it matched count/,
    );
    expect(warnings[1]).toContain(
      `Waiver CVE-2020-8165 for activesupport (waivers.yml#1) expires on ${isoDay(7)}, within 14 days`,
    );
    // The console lists the waivers and the findings with their scanners.
    expect(result.stdout).toContain('Waivers: 1 expired, 1 expiring, 1 used');
    expect(result.stdout).toMatch(
      /\n {2}CRITICAL CVE-2020-9548 com\.fasterxml\.jackson\.core:jackson-databind 2\.9\.1 -> 2\.9\.10\.4 \[Trivy\]\n/,
    );
  });
});

describe('HTML report', () => {
  it('report-file security-gate.html: self-contained, the verdict and every finding', async () => {
    const ws = workspace();
    const result = await run(ws, { 'report-file': 'security-gate.html' });
    expect(result.outputs['report-file']).toBe('security-gate.html');
    const file = path.join(ws, 'security-gate.html');
    expect(existsSync(file)).toBe(true);
    const html = readFileSync(file, 'utf8');

    // Self-contained: a CSP that forbids every request, nothing loaded.
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none';[^"]*script-src 'sha256-[^"]+'/,
    );
    expect(html).not.toMatch(/\ssrc\s*=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).not.toMatch(/<(?:iframe|object|embed|img|form)\b/i);
    // Links: plain https anchors only (advisories, the run), never scripts or styles.
    const hrefs = [...html.matchAll(/\shref\s*=\s*"([^"]*)"/gi)].map((m) => m[1] ?? '');
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).toMatch(/^https:\/\//);
    const anchors = [...html.matchAll(/<(\w+)[^>]*\shref=/gi)].map((m) => m[1]?.toLowerCase());
    expect(new Set(anchors)).toEqual(new Set(['a']));

    // The verdict.
    expect(result.outputs.verdict).toBe('fail');
    expect(html).toContain('<span class="verdict v-fail" id="sg-verdict">Failed</span>');
    expect(html).toContain('<title>Security Gate: Failed</title>');

    // Every finding: its fingerprint (as in the SARIF) and its rule id.
    const sarif = JSON.parse(readFileSync(path.join(ws, 'security-gate.sarif'), 'utf8')) as {
      runs: Array<{
        results: Array<{ ruleId: string; partialFingerprints: Record<string, string> }>;
      }>;
    };
    const results = sarif.runs.flatMap((r) => r.results);
    expect(results).toHaveLength(Number(result.outputs.total));
    const rowIds = [...html.matchAll(/<tr data-i="\d+" data-id="([0-9a-f]+)">/g)].map((m) => m[1]);
    expect(rowIds.sort()).toEqual(
      results.map((r) => r.partialFingerprints['securityGate/v1']).sort(),
    );
    for (const ruleId of new Set(results.map((r) => r.ruleId))) expect(html).toContain(ruleId);
    // Secrets appear masked only: no planted token from the project.
    expect(html).not.toMatch(/ghp_[A-Za-z0-9]{36}|glpat-[A-Za-z0-9_-]{20}/);

    // The upgrades and the chart are in the page.
    expect(html).toContain('<table id="sg-upgrades">');
    expect(html).toContain('<code>com.fasterxml.jackson.core:jackson-databind</code>');
    expect(html).toContain('<svg class="chart" id="sg-chart"');
  });
});
