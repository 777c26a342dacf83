import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEVERITIES, type Finding, type Severity } from '../../../src/findings/finding.js';
import { FINGERPRINT_KEY, fingerprintFindings } from '../../../src/findings/fingerprint.js';
import { mergeFindings } from '../../../src/findings/merge.js';
import { parseGrypeReport } from '../../../src/scanners/grype/parse.js';
import { parseTrivyReport } from '../../../src/scanners/trivy/parse.js';
import { importSarif } from '../../../src/importers/sarif.js';
import type { ScanOutcome } from '../../../src/scanners/types.js';
import {
  buildRunSpecs,
  buildSarif,
  sarifCategoryId,
  securitySeverityFor,
  type BuildSarifInput,
} from '../../../src/report/sarif.js';
import {
  validateSarifFilesWithMultitool,
  validateSarifSchema,
  type MultitoolReport,
} from '../../helpers/sarif-validators.js';
import {
  grypeVulnerabilityFindings,
  SARIF_FIXTURES,
  trivyVulnerabilityFindings,
} from '../importers/fixture-findings.js';

const trivy = fingerprintFindings(
  trivyVulnerabilityFindings('trivy/image-alpine-310.json'),
  () => undefined,
);
const grype = fingerprintFindings(
  grypeVulnerabilityFindings('grype/real-0.61.1-chainguard-ruby.json'),
  () => undefined,
);
const IMAGE = trivy[0]?.target ?? '';
const location = { fileExists: () => false, imageTarget: IMAGE };

function scan(scanner: 'trivy' | 'grype', findings: Finding[], error?: string): ScanOutcome {
  return {
    scanner,
    tool: scanner === 'trivy' ? 'Trivy' : 'Grype',
    version: '0.72.0',
    target: IMAGE,
    findings,
    error,
  };
}

async function readEmptyRunImport() {
  const file = path.join(SARIF_FIXTURES, 'empty-run.sarif');
  return importSarif(JSON.parse(await readFile(file, 'utf8')), 'empty-run.sarif');
}

function build(findings: Finding[], extra: Partial<BuildSarifInput> = {}) {
  const runs = buildRunSpecs({
    scans: [scan('trivy', findings)],
    imports: [],
    category: 'security-gate',
    imageRef: IMAGE,
  });
  return buildSarif({ findings, runs, location, ...extra });
}

const results = (log: Log) => log.runs.flatMap((r) => r.results ?? []);

describe('buildSarif with scanners and imports', () => {
  let dir = '';
  let log: Log;
  let report: MultitoolReport | undefined;

  beforeAll(async () => {
    const emptyImport = await readEmptyRunImport();
    const runs = buildRunSpecs({
      scans: [
        scan('trivy', trivy),
        scan('grype', grype),
        { ...scan('grype', []), scanner: 'pinning', tool: 'pinning', error: 'crashed' },
      ],
      imports: [emptyImport],
      category: 'security-gate/',
      imageRef: IMAGE,
    });
    log = (await buildSarif({ findings: [...grype, ...trivy], runs, location })).log;
    dir = await mkdtemp(path.join(tmpdir(), 'sarif-build-'));
    const file = path.join(dir, 'out.sarif');
    await writeFile(file, JSON.stringify(log));
    report = (await validateSarifFilesWithMultitool([file])).get(file);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes one run per successful scanner plus the empty imported run, categories per scanner and image', () => {
    const slug = 'testdata-fixtures-images-alpine-310.tar.gz';
    expect(
      log.runs.map((r) => [r.tool.driver.name, r.automationDetails?.id, r.results?.length]),
    ).toEqual([
      ['Trivy', `security-gate/trivy/${slug}/`, trivy.length],
      ['Grype', `security-gate/grype/${slug}/`, grype.length],
      ['CodeQL', '/language:javascript/', 0],
    ]);
  });

  it('passes the schema and the Multitool with zero errors', () => {
    expect(validateSarifSchema(log)).toEqual([]);
    expect(report?.errors).toEqual([]);
  });

  it('writes vulnerability messages, fingerprints and package properties', () => {
    const first = log.runs[0]?.results?.find(
      (r) => r.properties?.package === 'libcrypto1.1' && r.ruleId === 'CVE-2019-1549',
    );
    expect(first?.message.text).toMatch(
      /^Package libcrypto1\.1 installed 1\.1\.1c-r0, fixed in 1\.1\.1d-r0: /,
    );
    const finding = trivy.find(
      (f) => f.package?.name === 'libcrypto1.1' && f.ruleId === 'CVE-2019-1549',
    );
    expect(first?.partialFingerprints).toEqual({
      [FINGERPRINT_KEY]: finding?.id,
      primaryLocationLineHash: `${finding?.id}:1`,
    });
    expect(first?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe(
      'testdata-fixtures-images-alpine-310.tar.gz',
    );
  });

  it('writes rules with descriptions, help, security-severity and tags', () => {
    for (const run of log.runs) {
      for (const rule of run.tool.driver.rules ?? []) {
        expect(rule.fullDescription?.text.length).toBeGreaterThan(0);
        expect(rule.help?.text.length).toBeGreaterThan(0);
        expect(rule.properties?.tags).toEqual(
          expect.arrayContaining(['security', 'vulnerability']),
        );
        expect(Number(rule.properties?.['security-severity'])).toBeGreaterThanOrEqual(0);
      }
    }
  });
});

describe('buildSarif details', () => {
  it.each<[Severity, string]>([
    ['CRITICAL', 'error'],
    ['HIGH', 'error'],
    ['MEDIUM', 'warning'],
    ['LOW', 'note'],
    ['UNKNOWN', 'note'],
  ])('writes level for %s as %s, and the severity tag', async (severity, level) => {
    const { log } = await build([{ ...trivy[0]!, severity }]);
    expect(results(log)[0]?.level).toBe(level);
    expect(log.runs[0]?.tool.driver.rules?.[0]?.properties?.tags).toContain(severity.toLowerCase());
  });

  it.each<[Severity, number | undefined, string]>([
    ['MEDIUM', 5.3, '5.3'],
    ['CRITICAL', 5.3, '9.5'],
    ['HIGH', undefined, '8.0'],
    ['LOW', 0.1, '0.1'],
    ['UNKNOWN', 7.5, '0.0'],
  ])('security-severity of %s with CVSS %s is %s', (severity, cvssScore, expected) => {
    expect(securitySeverityFor({ severity, cvssScore })).toBe(expected);
  });

  it('orders results most severe first and is stable whatever the input order', async () => {
    const mixed = [
      ...trivy,
      ...trivy.map((f, i) => ({ ...f, id: `${f.id}x`, severity: SEVERITIES[i] as Severity })),
    ];
    const a = (await build(mixed)).log;
    const b = (await build([...mixed].reverse())).log;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const ranks = results(a).map((r) => SEVERITIES.indexOf(r.properties?.severity as Severity));
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
  });

  it('writes waivers as external suppressions and baseline states', async () => {
    const findings: Finding[] = [
      {
        ...trivy[0]!,
        waiver: {
          origin: '.github/security-waivers.yml#0',
          reason: 'Not reachable',
          expires: '2099-01-01',
        },
      },
      { ...trivy[1]!, baselineState: 'existing' },
      { ...trivy[2]!, baselineState: 'new' },
    ];
    const byId = new Map(
      results((await build(findings)).log).map((r) => [
        r.partialFingerprints?.[FINGERPRINT_KEY],
        r,
      ]),
    );
    expect(byId.get(trivy[0]?.id)?.suppressions).toEqual([
      { kind: 'external', status: 'accepted', justification: 'Not reachable; expires 2099-01-01' },
    ]);
    expect(byId.get(trivy[1]?.id)?.baselineState).toBe('unchanged');
    expect(byId.get(trivy[2]?.id)?.baselineState).toBe('new');
  });

  it('never overwrites a fingerprint the tool set', async () => {
    const finding = {
      ...trivy[0]!,
      partialFingerprints: { primaryLocationLineHash: 'abc:1', [FINGERPRINT_KEY]: 'tool' },
    };
    expect(results((await build([finding])).log)[0]?.partialFingerprints).toEqual({
      primaryLocationLineHash: 'abc:1',
      [FINGERPRINT_KEY]: 'tool',
    });
  });

  it('does not write the findings of a scanner that failed', async () => {
    const runs = buildRunSpecs({
      scans: [scan('trivy', trivy, 'timed out'), scan('grype', grype)],
      imports: [],
      category: 'sg',
    });
    const { log } = await buildSarif({ findings: [...trivy, ...grype], runs, location });
    expect(log.runs.map((r) => r.tool.driver.name)).toEqual(['Grype']);
    expect(results(log)).toHaveLength(grype.length);
  });

  it("keeps an imported rule's help as given and escapes our own markdown", async () => {
    const hostile: Finding = { ...trivy[0]!, title: '<img src=x> @admin [x](https://evil)' };
    const rule = (await build([hostile])).log.runs[0]?.tool.driver.rules?.[0];
    const markdown = rule?.help?.markdown ?? '';
    expect(markdown).not.toContain('<img');
    expect(markdown).not.toContain('@admin');
    expect(markdown).not.toContain('[x](https://evil)');
    expect(markdown).toContain('(https://avd.aquasec.com/nvd/cve-2019-1549)'); // our own link to the real reference
    const given: Finding = {
      ...trivy[0]!,
      rule: { helpText: 'plain', helpMarkdown: '**tool markdown**' },
    };
    expect((await build([given])).log.runs[0]?.tool.driver.rules?.[0]?.help).toEqual({
      text: 'plain',
      markdown: '**tool markdown**',
    });
  });

  it('caps rule tags at 20', async () => {
    const tagged: Finding = {
      ...trivy[0]!,
      rule: { tags: Array.from({ length: 30 }, (_, i) => `t${i}`) },
    };
    expect(
      (await build([tagged])).log.runs[0]?.tool.driver.rules?.[0]?.properties?.tags,
    ).toHaveLength(20);
  });
});

describe('sarifCategoryId', () => {
  // The image slug has no digest, nor a tag that names a commit: `app:${{ github.sha }}`
  // keeps its category on every commit (a new one per commit would never close the last
  // commit's alerts). Other tags stay: `node:18` and `node:20` (one matrix job each) must
  // not close each other's alerts.
  it.each([
    ['security-gate', 'trivy', undefined, 'security-gate/trivy/'],
    ['security-gate/', 'grype', 'alpine:3.10', 'security-gate/grype/alpine-3.10/'],
    ['security-gate', 'grype', 'docker.io/library/alpine:3.11', 'security-gate/grype/alpine-3.11/'],
    ['sg', 'trivy', 'node:18', 'sg/trivy/node-18/'],
    ['sg', 'trivy', 'node:20', 'sg/trivy/node-20/'],
    ['sg', 'trivy', 'ghcr.io/org/app:amd64', 'sg/trivy/ghcr.io-org-app-amd64/'],
    ['sg', 'trivy', 'ghcr.io/org/app:arm64', 'sg/trivy/ghcr.io-org-app-arm64/'],
    ['team/app', 'trivy', 'ghcr.io/Org/App:1.0', 'team/app/trivy/ghcr.io-org-app-1.0/'],
    ['sg', 'trivy', 'ghcr.io/org/app:4f1c2e9', 'sg/trivy/ghcr.io-org-app/'],
    ['sg', 'trivy', `ghcr.io/org/app:${'4f1c2e9a'.repeat(5)}`, 'sg/trivy/ghcr.io-org-app/'],
    ['sg', 'trivy', 'ghcr.io/org/app:sha-4f1c2e9', 'sg/trivy/ghcr.io-org-app/'],
    ['sg', 'trivy', `ghcr.io/org/app@sha256:${'ab'.repeat(32)}`, 'sg/trivy/ghcr.io-org-app/'],
    ['sg', 'trivy', 'ghcr.io/org/api:4f1c2e9', 'sg/trivy/ghcr.io-org-api/'],
    ['sg', 'grype', 'docker-archive:build/app.tar', 'sg/grype/build-app.tar/'],
    ['sg', 'trivy', 'build/app.tar', 'sg/trivy/build-app.tar/'],
  ])('(%j, %j, %j) = %j', (prefix, scanner, image, expected) => {
    expect(sarifCategoryId(prefix, scanner, image)).toBe(expected);
  });
});

describe('merged findings in SARIF', () => {
  const FIXTURES = path.resolve(__dirname, '../../fixtures');
  const parse = (file: string, scanner: 'trivy' | 'grype'): Finding[] => {
    const json = JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as unknown;
    const tool = scanner === 'trivy' ? 'Trivy' : 'Grype';
    const source = { tool, scanner, toolVersion: '0.72.0' };
    return scanner === 'trivy'
      ? parseTrivyReport(json, { source, pathPrefix: '' }).findings
      : parseGrypeReport(json, { source, pathPrefix: '' }).findings;
  };
  const POM: Array<[string, 'trivy' | 'grype']> = [
    ['merge/trivy-0.44-shape-pom.json', 'trivy'],
    ['merge/grype-from-trivy-pom.json', 'grype'],
  ];
  const sarifOf = async (order: Array<[string, 'trivy' | 'grype']>) => {
    const found = order.map(([file, scanner]) => ({ scanner, findings: parse(file, scanner) }));
    const merged = fingerprintFindings(
      mergeFindings(found.flatMap((f) => f.findings)),
      () => undefined,
    );
    const runs = buildRunSpecs({
      scans: found.map((f) => scan(f.scanner, f.findings)),
      imports: [],
      category: 'security-gate',
    });
    return (await buildSarif({ findings: merged, runs, location: { fileExists: () => false } }))
      .log;
  };

  it.each([
    ['Trivy first', POM, 'Trivy', ['Trivy', 'Grype']],
    ['Grype first', [...POM].reverse(), 'Grype', ['Grype', 'Trivy']],
  ] as const)(
    "%s: each merged result is written once, in the first scanner's run, listing both",
    async (_label, order, firstTool, tools) => {
      const log = await sarifOf([...order]);
      expect(log.runs.map((r) => [r.tool.driver.name, r.results?.length])).toEqual(
        order.map(([, scanner]) => [
          scanner === 'trivy' ? 'Trivy' : 'Grype',
          scanner === order[0][1] ? 2 : 0,
        ]),
      );
      const run = log.runs.find((r) => r.tool.driver.name === firstTool);
      for (const result of run?.results ?? []) expect(result.properties?.scanners).toEqual(tools);
      const critical = run?.results?.find((r) => r.ruleId === 'CVE-2020-9548');
      expect(critical?.level).toBe('error');
      expect(critical?.properties).toMatchObject({
        severity: 'CRITICAL',
        'severity-by-scanner': { Trivy: 'CRITICAL', Grype: 'HIGH' },
        purl: 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.1',
      });
      const names = [
        critical?.properties?.package,
        ...(critical?.properties?.['package-aliases'] ?? []),
      ];
      expect(names.sort()).toEqual([
        'com.fasterxml.jackson.core:jackson-databind',
        'jackson-databind',
      ]);
      expect(validateSarifSchema(log)).toEqual([]);
    },
  );

  it('gives a merged result one fingerprint whichever scanner came first', async () => {
    const fingerprints = (log: Log) =>
      results(log)
        .map((r) => `${r.ruleId} ${r.partialFingerprints?.[FINGERPRINT_KEY]}`)
        .sort();
    expect(fingerprints(await sarifOf([...POM].reverse()))).toEqual(
      fingerprints(await sarifOf(POM)),
    );
  });
});
