import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReportFormatError } from '../../../../src/config/errors.js';
import { normaliseSeverity, type FindingSource } from '../../../../src/findings/finding.js';
import { parseGrypeReport } from '../../../../src/scanners/grype/parse.js';

const SHARED = path.resolve(__dirname, '../../../fixtures/shared/grype');
const source: FindingSource = { tool: 'Grype', scanner: 'grype' };

interface RawMatch {
  vulnerability: {
    id: string;
    severity: string;
    fix: { versions: string[]; state: string };
    urls: string[];
    dataSource: string;
    cvss: Array<{ metrics: { baseScore: number } }>;
  };
  relatedVulnerabilities: Array<{ id: string; cvss: Array<{ metrics: { baseScore: number } }> }>;
  matchDetails: Array<{ type: string }>;
  artifact: {
    name: string;
    version: string;
    type: string;
    purl: string;
    locations: Array<{ path: string }>;
  };
}
interface RawReport {
  matches: RawMatch[];
  source: { type: string; target: string | { userInput: string } };
  descriptor: { version: string };
}

function readFixture(name: string): RawReport {
  return JSON.parse(readFileSync(path.join(SHARED, name), 'utf8')) as RawReport;
}

const JSON_FIXTURES = [
  'presenter-directory.json',
  'presenter-empty.json',
  'presenter-image.json',
  'real-0.61.1-chainguard-ruby.json',
  'real-0.65.1-java-ghsa.json',
  'real-0.66.0-keycloak-rpm-wontfix.json',
  'v0.50.0-presenter-image-legacy.json',
];

describe('parseGrypeReport', () => {
  it.each(JSON_FIXTURES)('maps every match of %s', (name) => {
    const raw = readFixture(name);
    const result = parseGrypeReport(raw, { source, pathPrefix: '' });
    const expectedTarget =
      typeof raw.source.target === 'string' ? raw.source.target : raw.source.target.userInput;
    expect(result.target).toBe(expectedTarget);
    expect(result.findings).toHaveLength(raw.matches.length);
    result.findings.forEach((finding, index) => {
      const match = raw.matches[index] as RawMatch;
      expect(finding).toMatchObject({
        id: '',
        kind: 'vulnerability',
        ruleId: match.vulnerability.id,
        severity: normaliseSeverity(match.vulnerability.severity),
        tools: ['Grype'],
        target: expectedTarget,
      });
      expect(finding.aliases).toEqual(
        [...new Set(match.relatedVulnerabilities.map((r) => r.id))].filter(
          (id) => id !== match.vulnerability.id,
        ),
      );
      expect(finding.package?.name).toBe(match.artifact.name);
      expect(finding.package?.installedVersion).toBe(match.artifact.version);
      expect(finding.package?.fixedVersions).toEqual(match.vulnerability.fix.versions);
      expect(finding.package?.type).toBe(match.artifact.type);
      expect(finding.package?.purl).toBe(
        match.artifact.purl === '' ? undefined : match.artifact.purl,
      );
      expect(finding.package?.manifestPath).toBe(
        match.artifact.locations[0]?.path.replace(/^\//, ''),
      );
      expect(finding.properties?.fixState).toBe(match.vulnerability.fix.state);
      expect(finding.properties?.matchTypes).toEqual([
        ...new Set(match.matchDetails.map((d) => d.type)),
      ]);
      const scores = [match.vulnerability, ...match.relatedVulnerabilities].flatMap((v) =>
        v.cvss.map((c) => c.metrics.baseScore),
      );
      expect(finding.cvssScore).toBe(scores.length > 0 ? Math.max(...scores) : undefined);
      for (const url of [...match.vulnerability.urls, match.vulnerability.dataSource].filter(
        (u) => u !== '',
      )) {
        expect(finding.references).toContain(url);
      }
      // Only directory sources point at repository files.
      expect(finding.location === undefined).toBe(raw.source.type !== 'directory');
    });
  });

  it.each([
    ['real-0.61.1-chainguard-ruby.json', '0.61.1'],
    ['presenter-image.json', undefined],
  ])('reads the version of %s only when grype reported a real one', (name, version) => {
    expect(parseGrypeReport(readFixture(name), { source, pathPrefix: '' }).version).toBe(version);
  });

  it.each([
    ['', 'foo/bar/somefile-1.txt'],
    ['services/api', 'services/api/foo/bar/somefile-1.txt'],
    ['./services/api/', 'services/api/foo/bar/somefile-1.txt'],
  ])('roots directory locations at the scanned directory (prefix %j)', (pathPrefix, expected) => {
    const [first] = parseGrypeReport(readFixture('presenter-directory.json'), {
      source,
      pathPrefix,
    }).findings;
    expect(first?.location).toEqual({ path: expected, startLine: 1, wholeFile: true });
  });

  it('marks every directory location of presenter-directory.json whole-file (grype names no line)', () => {
    const raw = readFixture('presenter-directory.json');
    const findings = parseGrypeReport(raw, { source, pathPrefix: 'app' }).findings;
    expect(findings.map((f) => f.location)).toEqual(
      raw.matches.map((m) => ({
        path: `app/${m.artifact.locations[0]?.path.replace(/^\//, '')}`,
        startLine: 1,
        wholeFile: true,
      })),
    );
    // The same matches of an image scan name files inside the image, not the repository.
    const image = parseGrypeReport(readFixture('presenter-image.json'), { source, pathPrefix: '' });
    expect(image.findings.every((f) => f.location === undefined)).toBe(true);
  });

  it.each([
    ['the scanned directory itself', '/'],
    ['a path leaving it', '/../etc/passwd'],
    ['a Windows path leaving it', '\\..\\secrets.txt'],
  ])('gives no location for %s', (_label, locationPath) => {
    const raw = readFixture('presenter-directory.json');
    const match = raw.matches[0] as RawMatch;
    match.artifact.locations = [{ path: locationPath }];
    const [first] = parseGrypeReport(raw, { source, pathPrefix: '' }).findings;
    expect(first?.location).toBeUndefined();
  });

  it('takes the first artifact location that names a path', () => {
    const raw = readFixture('presenter-directory.json');
    const match = raw.matches[0] as RawMatch;
    match.artifact.locations = [{} as { path: string }, { path: '/go.sum' }];
    const [first] = parseGrypeReport(raw, { source, pathPrefix: '' }).findings;
    expect(first?.location).toEqual({ path: 'go.sum', startLine: 1, wholeFile: true });
    expect(first?.package?.manifestPath).toBe('go.sum');
  });

  it('uses the given target instead of the one grype recorded', () => {
    const result = parseGrypeReport(readFixture('presenter-directory.json'), {
      source,
      pathPrefix: '',
      target: '.',
    });
    expect(result.target).toBe('.');
    expect(result.findings.every((f) => f.target === '.')).toBe(true);
  });

  it('keeps the GHSA and its related CVE apart as id and alias (chainguard uri)', () => {
    const findings = parseGrypeReport(readFixture('real-0.61.1-chainguard-ruby.json'), {
      source,
      pathPrefix: '',
    }).findings;
    const ghsa = findings.find((f) => f.ruleId === 'GHSA-hv5j-3h9f-99c2');
    expect(ghsa?.aliases).toEqual(['CVE-2023-28755']);
    expect(ghsa?.cvssScore).toBe(7.5);
    expect(ghsa?.package?.fixedVersions).toEqual(['0.10.2']);
    // The apk match lists its own id as related: never an alias of itself.
    expect(findings[0]?.aliases).toEqual([]);
  });

  it('reports Negligible as LOW and says so', () => {
    const raw = readFixture('presenter-image.json');
    (raw.matches[0] as RawMatch).vulnerability.severity = 'Negligible';
    const [first] = parseGrypeReport(raw, { source, pathPrefix: '' }).findings;
    expect(first?.severity).toBe('LOW');
    expect(first?.properties?.grypeSeverity).toBe('Negligible');
    expect(first?.description).toMatch(/Negligible; reported as LOW/);
  });

  it('notes matches grype ignored itself', () => {
    const raw = { ...readFixture('presenter-image.json'), ignoredMatches: [{}, {}] };
    expect(parseGrypeReport(raw, { source, pathPrefix: '' }).notes).toEqual([
      expect.stringMatching(/ignored 2 match/),
    ]);
  });

  it.each([
    ['presenter-image.cdx.json', /CycloneDX/],
    ['presenter-image.sarif', /SARIF/],
  ])('refuses %s by name', (name, message) => {
    const raw: unknown = JSON.parse(readFileSync(path.join(SHARED, name), 'utf8'));
    expect(() =>
      parseGrypeReport(raw, { source: { ...source, reportFile: name }, pathPrefix: '' }),
    ).toThrow(ReportFormatError);
    expect(() =>
      parseGrypeReport(raw, { source: { ...source, reportFile: name }, pathPrefix: '' }),
    ).toThrow(message);
  });

  it.each([
    ['an array', []],
    ['null', null],
    ['an object without matches', { source: {} }],
    [
      'a match without a vulnerability id',
      { matches: [{ vulnerability: {}, artifact: { name: 'x' } }] },
    ],
  ])('refuses %s', (_label, raw) => {
    expect(() => parseGrypeReport(raw, { source, pathPrefix: '' })).toThrow(ReportFormatError);
  });
});
