import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReportFormatError } from '../../../src/config/errors.js';
import type { Finding } from '../../../src/findings/finding.js';
import { fingerprintFindings, FINGERPRINT_KEY } from '../../../src/findings/fingerprint.js';
import { importSarif, prefixCategory, severityFromScore } from '../../../src/importers/sarif.js';
import { buildSarif } from '../../../src/report/sarif.js';
import { readSharedJson, SARIF_FIXTURES } from './fixture-findings.js';

const EDGE_FILE = path.join(SARIF_FIXTURES, 'edge-cases.sarif');
const edge = importSarif(JSON.parse(readFileSync(EDGE_FILE, 'utf8')), 'reports/edge.sarif', {
  workspace: '/home/runner/work/repo/repo',
});
const byRule = (rule: string): Finding => {
  const finding = edge.findings.find((f) => f.ruleId === rule);
  if (finding === undefined) throw new Error(`no finding for ${rule}`);
  return finding;
};

describe('importSarif on the edge-case fixture', () => {
  it('imports every result but the pass, and reports the empty run', () => {
    expect(edge.findings).toHaveLength(9);
    expect(edge.emptyRuns).toEqual([
      { tool: 'Quiet', toolVersion: 'v2.0.0', automationId: 'quiet/' },
    ]);
  });

  it.each([
    ['CRIT', 'CRITICAL'],
    ['HIGH7', 'HIGH'],
    ['MED4', 'MEDIUM'],
    ['LOW01', 'LOW'],
    // security-severity "0" rates nothing: the result's level (error) says HIGH.
    ['ZERO', 'HIGH'],
    ['DEFAULT-ERROR', 'HIGH'],
    ['LEAK', 'UNKNOWN'],
    ['EXT/1', 'MEDIUM'],
    ['CVE-2024-0001', 'LOW'],
  ])('%s has severity %s', (rule, severity) => {
    expect(byRule(rule).severity).toBe(severity);
  });

  it.each([
    ['CRIT', 'misconfiguration'],
    ['LOW01', 'license'],
    ['LEAK', 'secret'],
    ['CVE-2024-0001', 'vulnerability'],
    ['DEFAULT-ERROR', 'misconfiguration'],
  ])('%s has kind %s', (rule, kind) => {
    expect(byRule(rule).kind).toBe(kind);
  });

  it.each([
    ['CRIT', { path: 'app/main.tf', startLine: 3, endLine: 4 }],
    ['HIGH7', { path: 'src/a b.ts', startLine: 10, startColumn: 2, endColumn: 9 }],
    ['MED4', { path: 'sub/x.py', startLine: 1, wholeFile: true }],
    ['LOW01', { path: 'usr/lib/python3/site.py', startLine: 1 }],
    ['DEFAULT-ERROR', { path: 'config.js', startLine: 5 }],
  ])('%s is located at a repository-relative path', (rule, location) => {
    expect(byRule(rule).location).toEqual(location);
  });

  it('never keeps an escaping path, nor any snippet', () => {
    expect(byRule('LEAK').location?.path ?? '').not.toContain('..');
    expect(JSON.stringify(edge)).not.toContain('SUPERSECRET');
  });

  it('formats messages from messageStrings and keeps rule info and source', () => {
    expect(byRule('DEFAULT-ERROR').description).toBe('Found a token in config.js');
    expect(byRule('EXT/1').title).toBe('From an extension');
    expect(byRule('CRIT').source).toEqual({
      tool: 'EdgeTool',
      toolVersion: '1.2.3',
      reportFile: 'reports/edge.sarif',
      automationId: 'edge/run-1',
    });
    expect(byRule('LEAK').rule?.name).toBe('HardcodedSecret');
  });

  it('keeps string partialFingerprints and turns tool suppressions into waivers', () => {
    expect(byRule('EXT/1').partialFingerprints).toEqual({ primaryLocationLineHash: 'abc:1' });
    expect(byRule('LEAK').waiver).toEqual({
      origin: 'reports/edge.sarif (suppressed in the SARIF)',
      reason: 'test key',
    });
  });
});

describe('importSarif on real fixtures', () => {
  it.each([
    ['trivy/image-alpine-310.sarif', 4, 'Trivy', ['MEDIUM']],
    ['trivy/action-0.72.0-config-terraform.sarif', 8, 'Trivy', ['HIGH', 'LOW', 'MEDIUM']],
    ['grype/presenter-image.sarif', 2, 'grype', ['HIGH']], // both rules carry security-severity 8.2
    ['gitleaks/report-simple.sarif', 1, 'gitleaks', ['MEDIUM']],
    ['gitleaks/baseline-empty-runs.sarif', 0, undefined, []],
  ])('%s: %i findings from %s', (file, count, tool, severities) => {
    const outcome = importSarif(readSharedJson(file), file);
    expect(outcome.findings).toHaveLength(count);
    expect(outcome.format).toBe('sarif');
    expect(new Set(outcome.findings.map((f) => f.source.tool))).toEqual(
      new Set(tool === undefined ? [] : [tool]),
    );
    expect([...new Set(outcome.findings.map((f) => f.severity))].sort()).toEqual(severities);
  });

  it('reads the Trivy image name as the target and the CVE rules as vulnerabilities', () => {
    const outcome = importSarif(readSharedJson('trivy/image-alpine-310.sarif'), 'x');
    expect(outcome.findings.every((f) => f.kind === 'vulnerability')).toBe(true);
    expect(outcome.findings[0]?.target).toBe('testdata/fixtures/images/alpine-310.tar.gz');
    expect(outcome.findings[0]?.cvssScore).toBe(5.3);
  });

  it('keeps the gitleaks fingerprints, drops its snippet', () => {
    const [finding] = importSarif(readSharedJson('gitleaks/report-simple.sarif'), 'x').findings;
    expect(finding?.kind).toBe('secret');
    expect(finding?.partialFingerprints?.commitSha).toBe('0000000000000000');
    expect(JSON.stringify(finding)).not.toContain('a secret');
  });

  it.each([
    [{ version: '2.0.0', runs: [] }, /not valid SARIF 2\.1\.0 at version/],
    [
      { version: '2.1.0', runs: [{ tool: {} }] },
      /not valid SARIF 2\.1\.0 at runs\.0\.tool\.driver/,
    ],
    [[], /not valid SARIF 2\.1\.0/],
  ])('refuses %j naming the file', (log, message) => {
    expect(() => importSarif(log, 'reports/bad.sarif')).toThrow(ReportFormatError);
    expect(() => importSarif(log, 'reports/bad.sarif')).toThrow(message);
  });
});

describe('severityFromScore', () => {
  it.each([
    [10, 'CRITICAL'],
    ['9.0', 'CRITICAL'],
    [8.99, 'HIGH'],
    [6.9, 'MEDIUM'],
    [3.9, 'LOW'],
    [0, 'UNKNOWN'],
    ['n/a', undefined],
  ])('%j → %s', (score, severity) => {
    expect(severityFromScore(score)).toBe(severity);
  });
});

describe('importSarif: security-severity that is not > 0', () => {
  const withScore = (score: string, level?: string) => {
    const log = readSharedJson('gitleaks/report-simple.sarif') as {
      runs: Array<{
        tool: { driver: { rules: Array<{ id: string; properties?: object }> } };
        results: Array<{ ruleId: string; level?: string }>;
      }>;
    };
    const run = log.runs[0]!;
    run.tool.driver.rules.push({ id: 'test-rule', properties: { 'security-severity': score } });
    if (level !== undefined) run.results[0]!.level = level;
    return importSarif(log, 'x.sarif').findings[0];
  };

  it.each([
    ['0.0', 'error', 'HIGH'],
    ['0', 'warning', 'MEDIUM'],
    ['-1', 'note', 'LOW'],
    ['0.0', undefined, 'MEDIUM'],
    ['0.0', 'none', 'UNKNOWN'],
    ['9.8', 'note', 'CRITICAL'],
  ])('security-severity %j with level %s → %s', (score, level, severity) => {
    const finding = withScore(score, level);
    expect(finding?.severity).toBe(severity);
    expect(finding?.cvssScore).toBe(Number(score) > 0 ? Number(score) : undefined);
  });
});

describe('importSarif: our own fingerprint', () => {
  const imported = (fingerprints: Record<string, unknown>) => {
    const log = readSharedJson('trivy/action-0.72.0-config-terraform.sarif') as {
      runs: Array<{ results: Array<{ partialFingerprints?: Record<string, unknown> }> }>;
    };
    log.runs[0]!.results[0]!.partialFingerprints = fingerprints;
    return importSarif(log, 'x.sarif').findings[0]!;
  };

  it('becomes the id, and fingerprinting against another checkout keeps it', () => {
    const id = 'a'.repeat(32);
    const finding = imported({ [FINGERPRINT_KEY]: id, primaryLocationLineHash: 'abc:1' });
    expect(finding.id).toBe(id);
    expect(finding.partialFingerprints).toEqual({ primaryLocationLineHash: 'abc:1' });
    const [again] = fingerprintFindings([finding], () => 'the default branch has other code here');
    expect(again?.id).toBe(id);
  });

  it.each([
    ['no fingerprint', {}],
    ['not ours', { primaryLocationLineHash: 'abc:1' }],
    ['not a fingerprint of ours', { [FINGERPRINT_KEY]: 'tool-value' }],
  ])('leaves the id to compute with %s', (_label, fingerprints) => {
    const finding = imported(fingerprints);
    expect(finding.id).toBe('');
    expect(fingerprintFindings([finding], () => 'line')[0]?.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('round-trips: a SARIF the action wrote imports with the same ids, on any checkout', async () => {
    const original = fingerprintFindings(
      importSarif(readSharedJson('trivy/action-0.72.0-config-terraform.sarif'), 'a.sarif').findings,
      (_file, line) => `line ${line} of the scanned checkout`,
    );
    const { log: written } = await buildSarif({
      findings: original,
      runs: [{ tool: 'Trivy', automationId: undefined, categoryId: 'security-gate/trivy/' }],
      location: { fileExists: () => true },
    });
    const reimported = fingerprintFindings(
      importSarif(JSON.parse(JSON.stringify(written)), 'b.sarif').findings,
      () => 'another checkout',
    );
    expect(reimported.map((f) => f.id).sort()).toEqual(original.map((f) => f.id).sort());
  });
});

describe('importSarif: suppressions', () => {
  type Suppression = { kind: string; status?: string; justification?: string };
  const withSuppressions = (suppressions: Suppression[], options = {}) => {
    const log = readSharedJson('gitleaks/report-simple.sarif') as {
      runs: Array<{ results: Array<{ suppressions?: Suppression[] }> }>;
    };
    log.runs[0]!.results[0]!.suppressions = suppressions;
    return importSarif(log, 'reports/gitleaks.sarif', options);
  };

  it.each<[string, Suppression[], boolean]>([
    ['accepted', [{ kind: 'inSource', status: 'accepted', justification: 'test' }], true],
    ['without a status', [{ kind: 'external' }], true],
    ['under review', [{ kind: 'external', status: 'underReview' }], false],
    ['rejected', [{ kind: 'external', status: 'rejected' }], false],
    [
      'accepted, then rejected',
      [
        { kind: 'inSource', status: 'accepted' },
        { kind: 'external', status: 'rejected' },
      ],
      false,
    ],
    ['none', [], false],
  ])('%s → waived: %s', (_label, suppressions, waived) => {
    const outcome = withSuppressions(suppressions);
    expect(outcome.findings[0]?.waiver !== undefined).toBe(waived);
    expect(outcome.notes).toBeUndefined();
  });

  it('ignores them, and says so, when the report is not trusted (workflow_run)', () => {
    const outcome = withSuppressions([{ kind: 'inSource', status: 'accepted' }], {
      trustSuppressions: false,
    });
    expect(outcome.findings[0]?.waiver).toBeUndefined();
    expect(outcome.notes).toEqual([
      expect.stringMatching(
        /^1 result\(s\) suppressed in this report were counted anyway: .*workflow_run/,
      ),
    ]);
    expect(withSuppressions([], { trustSuppressions: false }).notes).toBeUndefined();
  });
});

describe('importSarif: categories under a prefix (untrusted reports)', () => {
  const runWith = (automationId?: string, results = true) => ({
    tool: { driver: { name: 'CodeQL', rules: [] } },
    ...(automationId === undefined ? {} : { automationDetails: { id: automationId } }),
    results: results ? [{ ruleId: 'js/xss', message: { text: 'XSS' } }] : [],
  });

  it.each([
    ['/language:javascript/', 'security-gate/language:javascript/'],
    ['codeql/', 'security-gate/codeql/'],
    ['security-gate/trivy/', 'security-gate/trivy/'],
    ['security-gate-other/x/', 'security-gate/security-gate-other/x/'],
    [undefined, 'security-gate/'],
  ])('%j → %j', (id, expected) => {
    const log = { version: '2.1.0', runs: [runWith(id), runWith(id, false)] };
    const outcome = importSarif(log, 'a.sarif', { categoryPrefix: 'security-gate/' });
    expect(outcome.findings[0]?.source.automationId).toBe(expected);
    expect(outcome.emptyRuns?.[0]?.automationId).toBe(expected);
    expect(importSarif(log, 'a.sarif').findings[0]?.source.automationId).toBe(id);
  });

  it.each([
    ['/language:javascript/', undefined, '/language:javascript/'],
    ['x/', '', 'x/'],
    ['x/', 'team/app', 'team/app/x/'],
  ])('prefixCategory(%j, %j) = %j', (id, prefix, expected) => {
    expect(prefixCategory(id, prefix)).toBe(expected);
  });
});
