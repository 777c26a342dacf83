import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEVERITIES, type Finding, type Severity } from '../../../src/findings/finding.js';
import { filterFindings, isUnfixed } from '../../../src/findings/filter.js';
import { parseGrypeReport } from '../../../src/scanners/grype/parse.js';
import { parseTrivyReport } from '../../../src/scanners/trivy/parse.js';

const SHARED = path.resolve(__dirname, '../../fixtures/shared');
const readJson = (file: string): unknown =>
  JSON.parse(readFileSync(path.join(SHARED, file), 'utf8'));

interface RawGrype {
  matches: Array<{ vulnerability: { fix: { versions: string[]; state: string } } }>;
}
interface RawTrivy {
  Results: Array<{ Vulnerabilities?: Array<{ FixedVersion?: string }> }>;
}

function load(file: string): { findings: Finding[]; unfixed: number } {
  if (file.startsWith('grype/')) {
    const raw = readJson(file) as RawGrype;
    return {
      findings: parseGrypeReport(raw, { source: { tool: 'Grype' }, pathPrefix: '' }).findings,
      unfixed: raw.matches.filter(
        (m) =>
          m.vulnerability.fix.versions.length === 0 ||
          ['wont-fix', 'not-fixed'].includes(m.vulnerability.fix.state),
      ).length,
    };
  }
  const raw = readJson(file) as RawTrivy;
  return {
    findings: parseTrivyReport(raw, { source: { tool: 'Trivy' }, pathPrefix: '' }).findings,
    unfixed: raw.Results.flatMap((r) => r.Vulnerabilities ?? []).filter(
      (v) => (v.FixedVersion ?? '') === '',
    ).length,
  };
}

const FILES = [
  'grype/real-0.61.1-chainguard-ruby.json',
  'grype/real-0.66.0-keycloak-rpm-wontfix.json',
  'grype/presenter-image.json',
  'trivy/image-ubuntu-1804-unfixed.json',
  'trivy/v0.20.0-image-debian-stretch-large.json',
  'trivy/repo-secrets.json',
];

describe('filterFindings', () => {
  it.each(FILES)('drops unfixed vulnerabilities of %s only with ignore-unfixed', (file) => {
    const { findings, unfixed } = load(file);
    const all = filterFindings(findings, { severities: SEVERITIES, ignoreUnfixed: false });
    expect(all).toEqual({ kept: findings, removedBySeverity: 0, removedUnfixed: 0 });
    const fixedOnly = filterFindings(findings, { severities: SEVERITIES, ignoreUnfixed: true });
    expect(fixedOnly.removedUnfixed).toBe(unfixed);
    expect(fixedOnly.kept).toHaveLength(findings.length - unfixed);
  });

  it.each([
    [['CRITICAL'] as Severity[]],
    [['CRITICAL', 'HIGH'] as Severity[]],
    [['LOW', 'UNKNOWN'] as Severity[]],
  ])('keeps only the severities %j', (severities) => {
    const { findings } = load('trivy/v0.20.0-image-debian-stretch-large.json');
    const result = filterFindings(findings, { severities, ignoreUnfixed: false });
    const expected = findings.filter((f) => severities.includes(f.severity));
    expect(result.kept).toEqual(expected);
    expect(result.removedBySeverity).toBe(findings.length - expected.length);
  });

  it('counts a finding removed by both filters once, as removed by severity', () => {
    const { findings } = load('grype/real-0.66.0-keycloak-rpm-wontfix.json');
    const result = filterFindings(findings, { severities: ['CRITICAL'], ignoreUnfixed: true });
    expect(result).toEqual({ kept: [], removedBySeverity: findings.length, removedUnfixed: 0 });
  });

  it('treats a wont-fix state as unfixed even with a listed version, and no package as unknown', () => {
    const [first] = load('grype/real-0.61.1-chainguard-ruby.json').findings;
    expect(isUnfixed(first!)).toBe(false);
    expect(
      isUnfixed({ ...first!, properties: { ...first!.properties, fixState: 'wont-fix' } }),
    ).toBe(true);
    expect(isUnfixed({ ...first!, package: undefined })).toBe(false);
    expect(isUnfixed({ ...first!, kind: 'secret' })).toBe(false);
  });
});
