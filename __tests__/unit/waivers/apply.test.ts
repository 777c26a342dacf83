import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/findings/finding.js';
import { mergeFindings } from '../../../src/findings/merge.js';
import { parseGrypeReport } from '../../../src/scanners/grype/parse.js';
import { parseTrivyReport } from '../../../src/scanners/trivy/parse.js';
import { applyWaivers } from '../../../src/waivers/apply.js';
import {
  parseGrypeIgnoreRules,
  parseTrivyIgnore,
  parseWaiversFile,
} from '../../../src/waivers/parse.js';
import type { Waiver } from '../../../src/waivers/waiver.js';

const FIXTURES = path.resolve(__dirname, '../../fixtures');
const readText = (file: string): string => readFileSync(path.join(FIXTURES, file), 'utf8');

function grype(name: string): Finding[] {
  const json: unknown = JSON.parse(readText(`shared/grype/${name}`));
  return mergeFindings(
    parseGrypeReport(json, { source: { tool: 'Grype' }, pathPrefix: '' }).findings,
  );
}

const chainguard = grype('real-0.61.1-chainguard-ruby.json');
const keycloak = grype('real-0.66.0-keycloak-rpm-wontfix.json');
const java = grype('real-0.65.1-java-ghsa.json');
const directory = grype('presenter-directory.json');
const FILE = '.github/security-waivers.yml';

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

const waiver = (fields: Partial<Waiver>): Waiver => ({
  reason: 'accepted',
  origin: 'test#0',
  ...fields,
});

describe('applyWaivers with the fixture waivers file', () => {
  const waivers = parseWaiversFile(readText('waivers/security-waivers.yml'), FILE);
  const findings = [...chainguard, ...keycloak];
  const { findings: out, summary } = applyWaivers(findings, waivers, { today: '2026-06-01' });

  it('waives the findings of valid waivers only, without dropping any', () => {
    expect(out).toHaveLength(findings.length);
    const waived = out
      .filter((f) => f.waiver)
      .map((f) => `${f.ruleId} ${f.package?.name} ${f.waiver?.origin}`);
    expect(waived).toEqual([`CVE-2023-28755 uri ${FILE}#0`, `CVE-2020-12413 nss ${FILE}#1`]);
    expect(out.find((f) => f.package?.name === 'uri')?.waiver).toEqual({
      origin: `${FILE}#0`,
      reason: 'URI parsing only sees trusted configuration values',
      expires: '2026-07-01',
      approvedBy: 'security-team',
      mitigation: 'Input length capped at 256 bytes',
    });
  });

  it('lists used, expired (with what they would match), expiring and unused waivers', () => {
    expect(summary.used.map((e) => [e.origin, e.matched])).toEqual([
      [`${FILE}#0`, 1],
      [`${FILE}#1`, 1],
    ]);
    // Expires today: no longer applies; would have matched ruby-3.0 and uri.
    expect(summary.expired.map((e) => [e.origin, e.matched])).toEqual([[`${FILE}#2`, 2]]);
    expect(summary.expiring.map((e) => e.origin)).toEqual([`${FILE}#1`]);
    expect(summary.unused).toEqual([
      {
        id: 'CVE-1999-9999',
        reason: 'Waiver for a finding no scanner reports any more',
        expires: '2027-01-01',
        origin: `${FILE}#3`,
        matched: 0,
      },
    ]);
    expect(summary.needsReview).toEqual([]);
  });
});

describe('expiry edges', () => {
  const today = '2026-03-10';
  it.each([
    ['yesterday', -1, { applies: false, expired: true, expiring: false }],
    ['today', 0, { applies: false, expired: true, expiring: false }],
    ['tomorrow', 1, { applies: true, expired: false, expiring: true }],
    ['in 14 days', 14, { applies: true, expired: false, expiring: true }],
    ['in 15 days', 15, { applies: true, expired: false, expiring: false }],
    ['across a year end', 400, { applies: true, expired: false, expiring: false }],
  ])('a waiver expiring %s', (_label, days, expected) => {
    const expires = addDays(today, days);
    const result = applyWaivers(keycloak, [waiver({ id: 'CVE-2020-12413', expires })], { today });
    expect(result.findings.every((f) => (f.waiver !== undefined) === expected.applies)).toBe(true);
    expect(result.summary.expired.length === 1).toBe(expected.expired);
    expect(result.summary.expiring.length === 1).toBe(expected.expiring);
    const entry = [...result.summary.used, ...result.summary.expired][0];
    expect(entry?.matched).toBe(keycloak.length);
  });

  it('never expires a scanner ignore rule without a date', () => {
    const result = applyWaivers(keycloak, [waiver({ id: 'CVE-2020-12413' })], {
      today: '2999-12-31',
    });
    expect(result.findings.every((f) => f.waiver)).toBe(true);
    expect(result.summary.expiring).toEqual([]);
  });

  it('refuses a clock that is not YYYY-MM-DD', () => {
    expect(() => applyWaivers([], [], { today: '2026-3-1' })).toThrow(/today must be YYYY-MM-DD/);
  });
});

describe('matching', () => {
  const today = '2026-01-01';
  const count = (findings: Finding[], w: Partial<Waiver>): number =>
    applyWaivers(findings, [waiver({ expires: '2027-01-01', ...w })], { today }).findings.filter(
      (f) => f.waiver,
    ).length;

  it.each([
    ['the rule id', keycloak, { id: 'CVE-2020-12413' }, 6],
    ['the rule id, case-insensitively', keycloak, { id: 'cve-2020-12413' }, 6],
    ['an alias (GHSA of a merged CVE)', java, { id: 'GHSA-cfh5-3ghh-wfjx' }, 1],
    ['id scoped to one package', keycloak, { id: 'CVE-2020-12413', package: 'nss' }, 1],
    [
      'id with a package that is not there',
      keycloak,
      { id: 'CVE-2020-12413', package: 'openssl' },
      0,
    ],
    ['a package alone', chainguard, { package: 'uri' }, 1],
    ['another id', keycloak, { id: 'CVE-2020-99999' }, 0],
    ['a glob on the file', directory, { path: 'foo/**' }, 2],
    ['a glob on one file', directory, { path: 'foo/bar/somefile-1.txt' }, 1],
    ['a glob on the extension', directory, { path: '**/*.txt' }, 2],
    ['a glob on another directory', directory, { path: 'deploy/**' }, 0],
    ['a glob on the image target', chainguard, { path: 'cgr.dev/chainguard/**' }, 2],
    ['a glob on another image', chainguard, { path: 'docker.io/**' }, 0],
    [
      'grype package type + location',
      keycloak,
      { packageType: 'rpm', packageLocation: '/var/lib/rpm/**' },
      6,
    ],
    ['grype package location elsewhere', keycloak, { packageLocation: '/usr/lib/**' }, 0],
    [
      'grype package version',
      keycloak,
      { package: 'nss-util', packageVersion: '3.79.0-17.el9_1' },
      1,
    ],
    ['grype fix-state wont-fix', keycloak, { fixState: 'wont-fix' }, 6],
    ['grype fix-state fixed', keycloak, { fixState: 'fixed' }, 0],
    ['grype fix-state fixed (merged uri)', chainguard, { fixState: 'fixed' }, 2],
  ] as Array<[string, Finding[], Partial<Waiver>, number]>)(
    'matches %s',
    (_label, findings, criteria, expected) => {
      expect(count(findings, criteria)).toBe(expected);
    },
  );

  interface RawTrivy {
    Results: Array<{ Vulnerabilities?: Array<{ Status?: string; FixedVersion?: string }> }>;
  }
  it.each([
    [
      'trivy/image-ubi-7-os-and-python-wontfix.json',
      'wont-fix',
      (v: { Status?: string }) => v.Status === 'will_not_fix',
    ],
    [
      'trivy/image-ubuntu-1804-unfixed.json',
      'not-fixed',
      (v: { Status?: string }) => v.Status === 'affected',
    ],
    [
      'trivy/image-ubi-7-os-and-python-wontfix.json',
      'fixed',
      (v: { FixedVersion?: string }) => (v.FixedVersion ?? '') !== '',
    ],
  ])('matches grype fix-state rules against Trivy statuses (%s, %s)', (file, fixState, select) => {
    const json = JSON.parse(readText(`shared/${file}`)) as RawTrivy;
    const findings = parseTrivyReport(json, { source: { tool: 'Trivy' }, pathPrefix: '' }).findings;
    const expected = json.Results.flatMap((r) => r.Vulnerabilities ?? []).filter(select).length;
    expect(expected).toBeGreaterThan(0);
    expect(count(findings, { fixState })).toBe(expected);
  });

  it.each([
    ['Trivy first', 'jackson-databind'],
    ['Grype first', 'jackson-databind'],
    ['Trivy first', 'com.fasterxml.jackson.core:jackson-databind'],
    ['Grype first', 'com.fasterxml.jackson.core:jackson-databind'],
  ])("matches a package waiver against every scanner's spelling (%s, %s)", (order, name) => {
    // Derived pom scan: Trivy 0.44 spells the Maven package group:artifact, Grype artifact.
    const trivyPom = parseTrivyReport(JSON.parse(readText('merge/trivy-0.44-shape-pom.json')), {
      source: { tool: 'Trivy' },
      pathPrefix: '',
    }).findings;
    const grypePom = parseGrypeReport(JSON.parse(readText('merge/grype-from-trivy-pom.json')), {
      source: { tool: 'Grype' },
      pathPrefix: '',
    }).findings;
    const merged = mergeFindings(
      order === 'Trivy first' ? [...trivyPom, ...grypePom] : [...grypePom, ...trivyPom],
    );
    expect(merged).toHaveLength(2);
    expect(count(merged, { id: 'CVE-2020-9548', package: name })).toBe(1);
    expect(count(merged, { package: name })).toBe(2);
    expect(count(merged, { package: 'databind' })).toBe(0);
  });

  it('gives a finding the first matching waiver and counts overlaps as used', () => {
    const first = waiver({
      id: 'CVE-2020-12413',
      package: 'nss',
      expires: '2027-01-01',
      origin: 'a#0',
    });
    const second = waiver({ id: 'CVE-2020-12413', expires: '2027-01-01', origin: 'b#0' });
    const result = applyWaivers(keycloak, [first, second], { today });
    expect(result.findings.map((f) => f.waiver?.origin)).toEqual(
      keycloak.map((f) => (f.package?.name === 'nss' ? 'a#0' : 'b#0')),
    );
    expect(result.summary.used.map((e) => [e.origin, e.matched])).toEqual([
      ['a#0', 1],
      ['b#0', 6],
    ]);
  });

  it('keeps a waiver a finding already carries', () => {
    const imported = keycloak.map((f) => ({
      ...f,
      waiver: { origin: 'sarif', reason: 'suppressed upstream' },
    }));
    const result = applyWaivers(
      imported,
      [waiver({ id: 'CVE-2020-12413', expires: '2027-01-01' })],
      { today },
    );
    expect(result.findings.every((f) => f.waiver?.origin === 'sarif')).toBe(true);
  });

  it('applies .trivyignore and .grype.yaml rules like waivers', () => {
    const waivers = [
      ...parseTrivyIgnore(readText('waivers/trivyignore'), '.trivyignore'),
      ...parseGrypeIgnoreRules(readText('waivers/grype.yaml'), '.grype.yaml'),
    ];
    const result = applyWaivers([...keycloak, ...java], waivers, { today: '2026-06-20' });
    // .trivyignore's CVE-2020-12413 expires on 2026-06-20: the grype rule takes over.
    expect(result.findings.map((f) => f.waiver?.origin)).toEqual([
      ...keycloak.map(() => '.grype.yaml#0'),
      '.grype.yaml#2',
    ]);
    expect(result.summary.expired.map((e) => [e.origin, e.matched])).toEqual([
      ['.trivyignore:2', 6],
    ]);
    expect(result.summary.used.map((e) => [e.id, e.matched])).toEqual([
      ['CVE-2020-12413', 6],
      ['package nss-util, version 3.79.0-17.el9_1', 1],
      ['GHSA-cfh5-3ghh-wfjx', 1],
    ]);
    expect(result.summary.unused.map((e) => e.origin)).toEqual([
      '.trivyignore:5',
      '.trivyignore:6',
    ]);
  });
});
