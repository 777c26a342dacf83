import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/findings/finding.js';
import {
  markBaseline,
  narrowToRuns,
  normalisePath,
  sourceFromRecord,
  type BaselineSource,
} from '../../../src/baseline/compare.js';
import {
  BASELINE_RECORD_VERSION,
  buildBaselineRecord,
  parseBaselineRecord,
} from '../../../src/baseline/record.js';
import { sourceFromSarif } from '../../../src/baseline/sarif.js';
import { createBaselineMarking } from '../../../src/baseline/marker.js';
import { resultsFromAlerts } from '../../../src/baseline/sources.js';
import type { BaselineResult } from '../../../src/baseline/record.js';
import { sarifCategoryId } from '../../../src/report/sarif.js';
import { loadTrivyFindings, readFixtureJson, SHARED_FIXTURES } from './fixture-findings.js';

const META = {
  ref: 'refs/heads/main',
  sha: '0123456789abcdef',
  category: 'security-gate',
  createdAt: '2025-01-01T00:00:00Z',
};

/** The gitleaks finding of report-simple.json, as the gitleaks importer would make it. */
const GITLEAKS_FINDING: Finding = {
  id: 'gitleaks-1',
  kind: 'secret',
  ruleId: 'test-rule',
  aliases: [],
  severity: 'HIGH',
  title: 'test-rule',
  description: '',
  tools: ['gitleaks'],
  source: { tool: 'gitleaks' },
  location: { path: 'auth.py', startLine: 1 },
  references: [],
};

/** Alerts of main as `readAlerts` makes them: narrowed to a run's categories when marking. */
function alertsSource(results: BaselineResult[]): BaselineSource {
  return {
    kind: 'alerts',
    label: 'open or dismissed code scanning alerts of main',
    fingerprints: [],
    results,
  };
}

describe('baseline record', () => {
  it('round-trips through JSON and keeps rule/path/message for line-number ids', () => {
    const findings = [
      ...loadTrivyFindings('trivy/image-alpine-310.json'),
      ...loadTrivyFindings('trivy/action-0.72.0-config-terraform.json'),
    ];
    const record = buildBaselineRecord(findings, META);
    expect(parseBaselineRecord(JSON.parse(JSON.stringify(record)))).toEqual(record);
    expect(record.fingerprints).toHaveLength(new Set(findings.map((f) => f.id)).size);
    // The terraform findings' files were not read (no lineHash): 8 triples.
    expect(record.results).toHaveLength(8);
    expect(record.results[0]).toMatchObject({ ruleId: 'AWS-0086', path: 'main.tf' });
  });

  it.each([
    [null, '(root)'],
    [{ ...META, version: BASELINE_RECORD_VERSION + 1, fingerprints: [], results: [] }, 'version'],
    // A record of the release before ids changed (package keys, canonical ids, identities).
    [{ ...META, version: 1, fingerprints: ['a'], results: [] }, 'a baseline record of version 1'],
    [
      { ...META, version: BASELINE_RECORD_VERSION, fingerprints: [''], results: [] },
      'fingerprints.0',
    ],
    [{ ...META, version: BASELINE_RECORD_VERSION, fingerprints: [] }, 'results'],
  ])('rejects %j', (data, where) => {
    expect(() => parseBaselineRecord(data)).toThrow(where);
  });
});

describe('markBaseline', () => {
  it('marks the base branch findings existing and the rest new (record)', () => {
    const base = loadTrivyFindings('trivy/image-alpine-310.json');
    const added = loadTrivyFindings('trivy/repo-pom-critical-high.json');
    const { findings, existing } = markBaseline(
      [...base, ...added],
      sourceFromRecord(buildBaselineRecord(base, META)),
    );
    expect(existing).toBe(base.length);
    expect(
      findings
        .filter((f) => f.baselineState === 'new')
        .map((f) => f.ruleId)
        .sort(),
    ).toEqual(added.map((f) => f.ruleId).sort());
  });

  it('does not count waived findings as existing but still marks them', () => {
    const base = loadTrivyFindings('trivy/image-alpine-310.json');
    const waived = base.map((f, i) =>
      i === 0 ? { ...f, waiver: { origin: 'w#0', reason: 'r' } } : f,
    );
    const { findings, existing } = markBaseline(
      waived,
      sourceFromRecord(buildBaselineRecord(base, META)),
    );
    expect(existing).toBe(base.length - 1);
    expect(findings[0]?.baselineState).toBe('existing');
  });

  it('matches line-number ids by rule, path and message after the lines moved', () => {
    const base = loadTrivyFindings('trivy/action-0.72.0-config-terraform.json');
    const moved = base.map((f) => ({
      ...f,
      id: `${f.id}-moved`,
      location: { path: 'main.tf', startLine: (f.location?.startLine ?? 1) + 3 },
    }));
    expect(markBaseline(moved, sourceFromRecord(buildBaselineRecord(base, META))).existing).toBe(
      base.length,
    );
  });

  it.each([
    // Trivy's own SARIF of the same image: matched by rule and the package named in the message.
    {
      sarif: 'trivy/image-alpine-310.sarif',
      findings: () => loadTrivyFindings('trivy/image-alpine-310.json'),
      existing: 4,
    },
    // Real 0.72.0 misconfig SARIF: one result per rule in main.tf.
    {
      sarif: 'trivy/action-0.72.0-config-terraform.sarif',
      findings: () => loadTrivyFindings('trivy/action-0.72.0-config-terraform.json'),
      existing: 8,
    },
    { sarif: 'gitleaks/report-simple.sarif', findings: () => [GITLEAKS_FINDING], existing: 1 },
    {
      sarif: 'gitleaks/baseline-empty-runs.sarif',
      findings: () => [GITLEAKS_FINDING],
      existing: 0,
    },
    // Another image's SARIF: nothing in common.
    {
      sarif: 'trivy/image-alpine-310.sarif',
      findings: () => loadTrivyFindings('trivy/image-fluentd-os-and-gems.json'),
      existing: 0,
    },
  ])('SARIF $sarif', ({ sarif, findings, existing }) => {
    const source = sourceFromSarif(
      JSON.parse(readFileSync(`${SHARED_FIXTURES}${sarif}`, 'utf8')),
      sarif,
    );
    expect(markBaseline(findings(), source).existing).toBe(existing);
  });

  it('reads our own partialFingerprints from a SARIF file', () => {
    const findings = loadTrivyFindings('trivy/repo-pom-critical-high.json');
    const [kept, dropped] = findings;
    const sarif = {
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'Trivy', rules: [{ id: 'OTHER-RULE' }] } },
          // No rule id in common with the finding: only the fingerprint can match.
          results: [
            {
              ruleIndex: 0,
              message: { text: 'x' },
              partialFingerprints: { 'securityGate/v1': kept?.id },
            },
          ],
        },
      ],
    };
    const marked = markBaseline(findings, sourceFromSarif(sarif, 'baseline.sarif')).findings;
    expect(marked.find((f) => f.id === kept?.id)?.baselineState).toBe('existing');
    expect(marked.find((f) => f.id === dropped?.id)?.baselineState).toBe('new');
  });

  it('matches code scanning alerts by rule, path and a whole package name', () => {
    const alerts = readFixtureJson('../baseline/code-scanning-alerts-alpine.json') as unknown[];
    // The rule-less alert says nothing; the CodeQL one (category /language:javascript) is not this run's.
    expect(resultsFromAlerts(alerts)).toHaveLength(3);
    const source = narrowToRuns(alertsSource(resultsFromAlerts(alerts)), ['security-gate/trivy/']);
    expect(source.results).toHaveLength(2);
    const marked = markBaseline(loadTrivyFindings('trivy/image-alpine-310.json'), source);
    // Only libcrypto1.1's CVE-2019-1549 is an alert; "libssl1.1-dev" is not libssl1.1.
    expect(
      marked.findings
        .filter((f) => f.baselineState === 'existing')
        .map((f) => `${f.package?.name} ${f.ruleId}`),
    ).toEqual(['libcrypto1.1 CVE-2019-1549']);
  });

  describe('alerts of our own uploads (category and the path our SARIF writes)', () => {
    const alerts = readFixtureJson(
      '../baseline/code-scanning-alerts-alpine-image.json',
    ) as unknown[];
    const alpine = loadTrivyFindings('trivy/image-alpine-310.json');
    const IMAGE = 'testdata/fixtures/images/alpine-310.tar.gz';
    /** The category of the Trivy run an image scan under `sarifCategory` writes. */
    const trivyRun = (sarifCategory: string, image = IMAGE) =>
      sarifCategoryId(sarifCategory, 'trivy', image);
    const source = (categories: string[]) =>
      narrowToRuns(alertsSource(resultsFromAlerts(alerts)), categories);
    const existingOf = (findings: Finding[], sarifCategory: string, dockerfile?: string) =>
      markBaseline(findings, source([trivyRun(sarifCategory)]), {
        fileExists: (p) => p === dockerfile,
        dockerfile,
        imageTarget: IMAGE,
      })
        .findings.filter((f) => f.baselineState === 'existing')
        .map((f) => `${f.package?.name} ${f.ruleId}`);

    it.each([
      // 21 and 22; 23 is another image's under the same sarif-category, 24–26 other categories.
      [[trivyRun('security-gate')], 2],
      [[trivyRun('nightly/')], 1],
      [['/language:javascript-typescript/'], 1],
      // A prefix of the alerts' categories is not one of them.
      [['security-gate'], 0],
      [['security-gate/trivy/'], 0],
      [[trivyRun('security-gate'), trivyRun('security-gate', 'ghcr.io/acme/worker')], 3],
    ])("keeps only the alerts of this run's categories %j, exactly", (categories, kept) => {
      expect(source(categories).results).toHaveLength(kept);
    });

    it('says how many alerts are this run’s, and of which categories', () => {
      expect(source([trivyRun('security-gate')]).label).toBe(
        '2 open or dismissed code scanning alerts of main in category security-gate/trivy/testdata-fixtures-images-alpine-310.tar.gz',
      );
      expect(source([trivyRun('security-gate'), 'custom/scan/']).label).toBe(
        "2 open or dismissed code scanning alerts of main in this run's 2 categories",
      );
      // Records and SARIF files are not narrowed.
      const record = sourceFromRecord(buildBaselineRecord(alpine, META));
      expect(narrowToRuns(record, [])).toBe(record);
    });

    it('marks the image findings its alerts name, whatever their state', () => {
      // 21 (open) and 22 (dismissed) are this image's; 23 names another image's slug;
      // 24 and 25 are other categories with the same CVEs in this image.
      expect(existingOf(alpine, 'security-gate')).toEqual([
        'libcrypto1.1 CVE-2019-1549',
        'libssl1.1 CVE-2019-1551',
      ]);
      expect(existingOf(alpine, 'nightly')).toEqual(['libssl1.1 CVE-2019-1549']);
    });

    it.each([
      // Alert 23 is on ghcr.io/acme/worker; 21 and 22 on the alpine image.
      ['ghcr.io/acme/api', []],
      ['ghcr.io/acme/worker', ['libcrypto1.1 CVE-2019-1551']],
    ])('does not take an alert on one image for the same CVE in %s', (image, expected) => {
      const other = alpine.map((f) => ({ ...f, target: image }));
      const marked = markBaseline(other, source([trivyRun('security-gate', image)]), {
        fileExists: () => false,
        imageTarget: image,
      });
      expect(
        marked.findings
          .filter((f) => f.baselineState === 'existing')
          .map((f) => `${f.package?.name} ${f.ruleId}`),
      ).toEqual(expected);
    });

    it('matches an image finding by the Dockerfile its SARIF result points at', () => {
      const viaDockerfile = resultsFromAlerts(alerts).map((r) => ({
        ...r,
        path: r.path === 'ghcr.io-acme-worker' ? r.path : 'Dockerfile',
      }));
      const narrowed = narrowToRuns(alertsSource(viaDockerfile), [trivyRun('security-gate')]);
      const marked = markBaseline(alpine, narrowed, {
        fileExists: (p) => p === 'Dockerfile',
        dockerfile: 'Dockerfile',
        imageTarget: IMAGE,
      });
      expect(marked.existing).toBe(2);
      // Without the Dockerfile in the workspace the SARIF would name the slug: no match.
      expect(existingOf(alpine, 'security-gate', undefined)).toHaveLength(2);
      expect(
        markBaseline(alpine, narrowed, {
          fileExists: () => false,
          dockerfile: 'Dockerfile',
          imageTarget: IMAGE,
        }).existing,
      ).toBe(0);
    });

    it("matrix jobs on one ./Dockerfile: another image's alert does not make a finding existing", () => {
      // Both jobs fall back to ./Dockerfile under the default category, so the nginx job's
      // alert for CVE-2019-1549 in libcrypto1.1 has the path and message alpine's finding would.
      const [template] = alerts as Array<{ most_recent_instance: object }>;
      const onDockerfile = (category: string) => ({
        ...template,
        most_recent_instance: {
          ...template?.most_recent_instance,
          category,
          location: { path: 'Dockerfile', start_line: 1 },
        },
      });
      const nginx = onDockerfile(trivyRun('security-gate', 'nginx:1.25').replace(/\/$/, ''));
      // An imported report's run keeps its own category (here an imported Trivy SARIF run's).
      const imported = onDockerfile('supply-chain/trivy');
      const location = {
        fileExists: (p: string) => p === 'Dockerfile',
        dockerfile: 'Dockerfile',
        imageTarget: IMAGE,
      };
      const mark = createBaselineMarking({
        source: alertsSource(resultsFromAlerts([nginx, imported])),
        note: '',
      });
      const existing = (categories: string[]) =>
        mark(alpine, location, categories)
          .findings.filter((f) => f.baselineState === 'existing')
          .map((f) => `${f.package?.name} ${f.ruleId}`);
      expect(existing([trivyRun('security-gate')])).toEqual([]);
      expect(existing([trivyRun('security-gate'), 'supply-chain/trivy/'])).toEqual([
        'libcrypto1.1 CVE-2019-1549',
      ]);
      expect(mark(alpine, location, [trivyRun('security-gate')]).summary.note).toBe(
        '0 existing finding(s) from 0 open or dismissed code scanning alerts of main in category security-gate/trivy/testdata-fixtures-images-alpine-310.tar.gz do not count; only new ones do.',
      );
    });
  });

  it('rejects a document that is not SARIF', () => {
    expect(() => sourceFromSarif(readFixtureJson('trivy/image-alpine-310.json'), 'x')).toThrow(
      'not a SARIF log',
    );
  });

  it.each([
    ['./src/a.ts', 'src/a.ts'],
    ['file:///src/a.ts', 'src/a.ts'],
    ['src\\a.ts', 'src/a.ts'],
    ['', undefined],
    [undefined, undefined],
  ])('normalisePath(%j) → %j', (input, expected) => {
    expect(normalisePath(input)).toBe(expected);
  });
});
