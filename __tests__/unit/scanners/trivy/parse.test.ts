import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReportFormatError } from '../../../../src/config/errors.js';
import type { Finding, FindingSource } from '../../../../src/findings/finding.js';
import { joinRepoPath, parseTrivyReport } from '../../../../src/scanners/trivy/parse.js';

const SHARED = join(import.meta.dirname, '../../../fixtures/shared/trivy');
const OWN = join(import.meta.dirname, '../../../fixtures/trivy-e2e/reports');
const SOURCE: FindingSource = { tool: 'Trivy', scanner: 'trivy' };

type Json = Record<string, unknown>;

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}

/** Counts per "kind/SEVERITY" computed straight from the raw report, independently of the parser. */
function expectedCounts(report: Json): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (kind: string, severity: unknown): void => {
    const key = `${kind}/${String(severity ?? 'UNKNOWN').toUpperCase()}`;
    counts[key] = (counts[key] ?? 0) + 1;
  };
  for (const result of list(report.Results)) {
    list(result.Vulnerabilities).forEach((v) => add('vulnerability', v.Severity));
    list(result.Secrets).forEach((s) => add('secret', s.Severity));
    list(result.Licenses).forEach((l) => add('license', l.Severity));
    list(result.Misconfigurations)
      .filter((m) => m.Status === undefined || m.Status === 'FAIL')
      .forEach((m) => add('misconfiguration', m.Severity));
  }
  return counts;
}

function actualCounts(findings: Finding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const finding of findings) {
    const key = `${finding.kind}/${finding.severity}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** The rule ids the raw report holds, in order: proves no finding is lost or invented. */
function expectedRuleIds(report: Json): string[] {
  return list(report.Results).flatMap((result) => [
    ...list(result.Vulnerabilities).map((v) => String(v.VulnerabilityID)),
    ...list(result.Misconfigurations)
      .filter((m) => m.Status === undefined || m.Status === 'FAIL')
      .map((m) => String(m.ID)),
    ...list(result.Secrets).map((s) => String(s.RuleID)),
    ...list(result.Licenses).map((l) => `license/${String(l.Name)}`),
  ]);
}

const SBOM_FILES = readdirSync(SHARED).filter((f) => /\.(cdx|spdx)\.json$/.test(f));
const REPORT_FILES = [
  ...readdirSync(SHARED)
    .filter((f) => f.endsWith('.json') && !SBOM_FILES.includes(f))
    .map((f) => join(SHARED, f)),
  ...readdirSync(OWN).map((f) => join(OWN, f)),
];

describe('parseTrivyReport on every real Trivy JSON report', () => {
  it('covers the fixture set', () => {
    expect(REPORT_FILES.length).toBeGreaterThanOrEqual(28);
    expect(SBOM_FILES).toHaveLength(2);
  });

  it.each(REPORT_FILES.map((path) => [path.split('/').slice(-2).join('/'), path]))(
    '%s: counts per kind and severity equal the raw report',
    (_name, path) => {
      const raw = readJson(path) as Json;
      const result = parseTrivyReport(raw, { source: SOURCE, pathPrefix: '' });
      expect(actualCounts(result.findings)).toEqual(expectedCounts(raw));
      expect(result.findings.map((f) => f.ruleId)).toEqual(expectedRuleIds(raw));
      expect(result.target).toBe(raw.ArtifactName);
      expect(result.artifactType).toBe(raw.ArtifactType);
      const vex = list(raw.Results).reduce(
        (n, r) => n + list(r.ExperimentalModifiedFindings).length,
        0,
      );
      expect(result.suppressedByVex).toBe(vex);
      for (const finding of result.findings) {
        expect(finding.id).toBe('');
        expect(finding.tools).toEqual(['Trivy']);
        expect(finding.target).toBe(raw.ArtifactName);
        expect(finding.title.length).toBeGreaterThan(0);
      }
    },
  );

  it.each(REPORT_FILES.map((path) => [path.split('/').slice(-1)[0], path]))(
    '%s: only filesystem/repository findings point at repository files',
    (_name, path) => {
      const raw = readJson(path) as Json;
      const { findings } = parseTrivyReport(raw, { source: SOURCE, pathPrefix: 'sub/dir' });
      const fileScan = raw.ArtifactType === 'filesystem' || raw.ArtifactType === 'repository';
      for (const finding of findings) {
        if (!fileScan) {
          expect(finding.location).toBeUndefined();
        } else if (finding.kind === 'vulnerability') {
          const langPkg = finding.package?.manifestPath !== undefined;
          expect(finding.location === undefined).toBe(!langPkg);
        }
        if (finding.location) {
          expect(finding.location.path.startsWith('sub/dir/')).toBe(true);
          expect(finding.location.path).toBe(joinRepoPath('sub/dir', finding.subTarget ?? ''));
          expect(finding.location.startLine).toBeGreaterThanOrEqual(1);
        }
      }
    },
  );

  it.each(SBOM_FILES)('%s (an SBOM, not a Trivy JSON report) is refused by name', (file) => {
    const raw = readJson(join(SHARED, file));
    const run = (): unknown =>
      parseTrivyReport(raw, { source: { ...SOURCE, reportFile: file }, pathPrefix: '' });
    expect(run).toThrow(ReportFormatError);
    expect(run).toThrow(file.includes('.cdx.') ? /CycloneDX/ : /SPDX/);
    expect(run).toThrow(new RegExp(`^${file.replace(/\./g, '\\.')}: `));
  });
});

describe('parseTrivyReport details from specific fixtures', () => {
  it('fs-npm-with-vex-suppressed: one active finding, one VEX-suppressed, lockfile line', () => {
    const raw = readJson(join(SHARED, 'fs-npm-with-vex-suppressed.json'));
    const result = parseTrivyReport(raw, { source: SOURCE, pathPrefix: 'web' });
    expect(result.suppressedByVex).toBe(1);
    expect(result.findings).toHaveLength(1);
    expect(result.findings.map((f) => f.ruleId)).not.toContain('CVE-2017-16137');
    expect(result.findings[0]).toMatchObject({
      kind: 'vulnerability',
      ruleId: 'CVE-2017-20165',
      severity: 'HIGH',
      cvssScore: 7.5,
      subTarget: 'package-lock.json',
      location: { path: 'web/package-lock.json', startLine: 11, endLine: 19 },
      package: {
        name: 'debug',
        installedVersion: '3.0.1',
        fixedVersions: ['3.1.0', '2.6.9'],
        type: 'npm',
        purl: 'pkg:npm/debug@3.0.1',
        manifestPath: 'package-lock.json',
      },
      properties: { status: 'fixed', severitySource: 'ghsa', cweIds: ['CWE-1333'] },
      primaryUrl: 'https://avd.aquasec.com/nvd/cve-2017-20165',
    });
    expect(result.findings[0]?.references).toHaveLength(9);
  });

  it('v0.44.1-image-fluentd: no PkgIdentifier, image finding without location', () => {
    const raw = readJson(join(SHARED, 'v0.44.1-image-fluentd-os-and-gems.json'));
    const { findings } = parseTrivyReport(raw, { source: SOURCE, pathPrefix: '' });
    expect(findings).toHaveLength(2);
    for (const finding of findings) {
      expect(finding.package?.purl).toBeUndefined();
      expect(finding.location).toBeUndefined();
      expect(finding.package?.name).not.toBe('');
    }
  });

  it('v0.20.0 debian-stretch: 160 findings, no Status, highest v3 else v2 score', () => {
    const raw = readJson(join(SHARED, 'v0.20.0-image-debian-stretch-large.json')) as Json;
    const { findings } = parseTrivyReport(raw, { source: SOURCE, pathPrefix: '' });
    expect(findings).toHaveLength(160);
    expect(findings.every((f) => f.properties?.status === undefined)).toBe(true);
    const vulns = list(list(raw.Results)[0]?.Vulnerabilities);
    vulns.forEach((vuln, index) => {
      const cvss = Object.values((vuln.CVSS ?? {}) as Record<string, Json>);
      const v3 = cvss
        .map((c) => c.V3Score)
        .filter((s): s is number => typeof s === 'number' && s > 0);
      const v2 = cvss
        .map((c) => c.V2Score)
        .filter((s): s is number => typeof s === 'number' && s > 0);
      const expected =
        v3.length > 0 ? Math.max(...v3) : v2.length > 0 ? Math.max(...v2) : undefined;
      expect(findings[index]?.cvssScore).toBe(expected);
      expect(findings[index]?.package?.fixedVersions).toEqual(
        vuln.FixedVersion ? [vuln.FixedVersion] : [],
      );
    });
  });

  it('repo-gomod: UNKNOWN severity kept as UNKNOWN', () => {
    const raw = readJson(join(SHARED, 'repo-gomod-unknown-severity.json'));
    const { findings } = parseTrivyReport(raw, { source: SOURCE, pathPrefix: '' });
    expect(findings.filter((f) => f.severity === 'UNKNOWN')).toHaveLength(4);
  });

  it('repo-dockerfile-misconfig: rule help from Resolution, line 1 without CauseMetadata lines', () => {
    const raw = readJson(join(SHARED, 'repo-dockerfile-misconfig.json'));
    const [finding] = parseTrivyReport(raw, { source: SOURCE, pathPrefix: '' }).findings;
    expect(finding).toMatchObject({
      kind: 'misconfiguration',
      ruleId: 'DS-0002',
      aliases: [],
      severity: 'HIGH',
      title: "Image user should not be 'root'",
      location: { path: 'Dockerfile', startLine: 1 },
      rule: { helpText: "Add 'USER <non root user name>' line to the Dockerfile" },
    });
    expect(finding?.description).toContain('container escape');
    expect(finding?.description).toContain('Specify at least 1 USER command');
    expect(finding?.location?.endLine).toBeUndefined();
  });

  it('action-0.72.0-config-terraform: line ranges from CauseMetadata', () => {
    const raw = readJson(join(SHARED, 'action-0.72.0-config-terraform.json'));
    const { findings } = parseTrivyReport(raw, { source: SOURCE, pathPrefix: 'infra' });
    expect(findings[0]).toMatchObject({
      ruleId: 'AWS-0086',
      location: { path: 'infra/main.tf', startLine: 8, endLine: 10 },
      properties: { resource: 'aws_s3_bucket.bucket', provider: 'AWS', service: 's3' },
    });
  });

  it('real 0.44.1 output: AVDID becomes an alias, PASS entries are not findings', () => {
    const raw = readJson(
      join(OWN, 'trivy-0.44.1-project-config-include-non-failures.json'),
    ) as Json;
    const { findings } = parseTrivyReport(raw, { source: SOURCE, pathPrefix: '' });
    const all = list(raw.Results).flatMap((r) => list(r.Misconfigurations));
    const failing = all.filter((m) => m.Status === 'FAIL');
    expect(all.length).toBeGreaterThan(failing.length);
    expect(findings).toHaveLength(failing.length);
    const ds002 = findings.find((f) => f.ruleId === 'DS002');
    expect(ds002?.aliases).toEqual(['AVD-DS-0002']);
  });

  it('sbom-license: license findings keyed license/<name>, no location for an SBOM', () => {
    const raw = readJson(join(SHARED, 'sbom-license-cyclonedx-licenses.json'));
    const { findings } = parseTrivyReport(raw, { source: SOURCE, pathPrefix: '' });
    expect(findings.map((f) => [f.ruleId, f.severity, f.package?.name])).toEqual([
      ['license/EPL-1.0', 'MEDIUM', 'org.eclipse.sisu:org.eclipse.sisu.plexus'],
      ['license/BSD-3-Clause', 'LOW', 'org.ow2.asm:asm'],
      ['license/MIT License', 'LOW', 'org.slf4j:slf4j-api'],
    ]);
    expect(findings[0]?.properties).toMatchObject({ category: 'reciprocal', confidence: 1 });
    expect(findings.every((f) => f.kind === 'license' && f.location === undefined)).toBe(true);
  });

  it('spring4shell: custom resources become a note, the empty os-pkgs result nothing', () => {
    const raw = readJson(join(SHARED, 'image-spring4shell-jre11-empty-and-custom-results.json'));
    const result = parseTrivyReport(raw, { source: SOURCE, pathPrefix: '' });
    expect(result.findings).toHaveLength(1);
    expect(result.notes).toHaveLength(1);
    expect(result.notes[0]).toMatch(/2 custom resource/);
  });

  it('a result key this version does not know becomes a note, not a crash', () => {
    const raw = readJson(join(SHARED, 'repo-npm-lockfile.json')) as Json;
    const results = list(raw.Results);
    const changed = { ...raw, Results: [{ ...results[0], FutureFindings: [{ x: 1 }, { x: 2 }] }] };
    const result = parseTrivyReport(changed, { source: SOURCE, pathPrefix: '' });
    expect(result.findings).toHaveLength(1);
    expect(result.notes).toEqual([
      expect.stringMatching(/2 "FutureFindings" entries were not converted/),
    ]);
  });
});

describe('secrets never leak', () => {
  /** Values after `=` on Code lines Trivy did not mask: the neighbouring-line leak. */
  function unmaskedCodeValues(raw: Json): string[] {
    return list(raw.Results)
      .flatMap((r) => list(r.Secrets))
      .flatMap((s) => list((s.Code as Json | undefined)?.Lines))
      .map((line) => String(line.Content ?? ''))
      .filter((content) => !content.includes('*'))
      .flatMap((content) => [...content.matchAll(/=\s*'?([^'\s;]{6,})/g)].map((m) => m[1] ?? ''));
  }

  it.each([
    [join(SHARED, 'repo-secrets.json'), ['ghp_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ']],
    [join(SHARED, 'action-0.72.0-secret-repo.json'), ['1234567']],
    [join(OWN, 'trivy-0.44.1-project-secret-config.json'), ['plain-Pw-9f3KzQ-not-a-rule-match']],
  ])('%s: no unmasked Code line value reaches a finding', (path, known) => {
    const raw = readJson(path) as Json;
    const values = unmaskedCodeValues(raw);
    expect(values).toEqual(expect.arrayContaining(known));
    const text = JSON.stringify(parseTrivyReport(raw, { source: SOURCE, pathPrefix: '' }));
    for (const value of values) expect(text).not.toContain(value);
  });

  it('re-masks what Trivy 0.44 left in clear after a partial Slack mask', () => {
    const raw = readJson(join(OWN, 'trivy-0.44.1-project-secret-config.json')) as Json;
    const slack = list(raw.Results)
      .flatMap((r) => list(r.Secrets))
      .find((s) => s.RuleID === 'slack-access-token');
    // The raw Match really does show the tail of the token.
    expect(String(slack?.Match)).toContain('aB3dE5fG7hJ9kL1mN3pQ5rS7');
    const { findings } = parseTrivyReport(raw, { source: SOURCE, pathPrefix: '' });
    const finding = findings.find((f) => f.ruleId === 'slack-access-token');
    expect(finding?.maskedExcerpt).toBe(
      `const slackToken = '${'*'.repeat('******************-1234567890123-aB3dE5fG7hJ9kL1mN3pQ5rS7'.length)}';`,
    );
    expect(JSON.stringify(findings)).not.toMatch(
      /1234567890123|aB3dE5fG7hJ9kL1mN3pQ5rS7|ghp_[A-Za-z0-9]|glpat-[A-Za-z0-9]/,
    );
  });

  it('repo-secrets: location, masked excerpt and category', () => {
    const raw = readJson(join(SHARED, 'repo-secrets.json'));
    const { findings } = parseTrivyReport(raw, { source: SOURCE, pathPrefix: '' });
    expect(
      findings.map((f) => [
        f.ruleId,
        f.severity,
        f.location,
        f.maskedExcerpt,
        f.properties?.category,
      ]),
    ).toEqual([
      [
        'aws-access-key-id',
        'CRITICAL',
        { path: 'deploy.sh', startLine: 3, endLine: 3 },
        'export AWS_ACCESS_KEY_ID=********************',
        'AWS',
      ],
      [
        'mysecret',
        'HIGH',
        { path: 'deploy.sh', startLine: 7, endLine: 7 },
        'echo ********',
        'Custom',
      ],
    ]);
  });
});

describe('reports that are not Trivy JSON', () => {
  it.each([
    ['an array (Trivy before 0.20)', [{ Target: 'x', Vulnerabilities: [] }], /JSON array/],
    ['a string', 'hello', /not a JSON object/],
    ['no SchemaVersion', { ArtifactName: 'x' }, /no SchemaVersion/],
    ['SchemaVersion 1', { SchemaVersion: 1, Results: [] }, /SchemaVersion 1/],
    [
      'a vulnerability without id',
      { SchemaVersion: 2, Results: [{ Target: 'a', Vulnerabilities: [{ PkgName: 'x' }] }] },
      /Results\.0\.Vulnerabilities\.0\.VulnerabilityID/,
    ],
    ['Results not a list', { SchemaVersion: 2, Results: {} }, /Results/],
  ])('%s → ReportFormatError naming the file', (_name, report, message) => {
    const run = (): unknown =>
      parseTrivyReport(report, { source: { ...SOURCE, reportFile: 'scan.json' }, pathPrefix: '' });
    expect(run).toThrow(ReportFormatError);
    expect(run).toThrow(message);
    expect(run).toThrow(/^scan\.json: /);
  });

  it('names the scanner when there is no report file', () => {
    expect(() => parseTrivyReport({}, { source: SOURCE, pathPrefix: '' })).toThrow(/^trivy: /);
  });
});

describe('joinRepoPath', () => {
  it.each([
    ['', 'package-lock.json', 'package-lock.json'],
    ['.', 'a/b.tf', 'a/b.tf'],
    ['examples/app', './Dockerfile', 'examples/app/Dockerfile'],
    ['examples\\app', 'src\\x.js', 'examples/app/src/x.js'],
  ])('(%j, %j) → %j', (prefix, file, expected) => {
    expect(joinRepoPath(prefix, file)).toBe(expected);
  });
});
