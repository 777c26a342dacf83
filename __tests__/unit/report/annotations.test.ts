import { describe, expect, it } from 'vitest';
import type { Finding, Severity } from '../../../src/findings/finding.js';
import { evaluateGate, type Verdict } from '../../../src/gate/evaluate.js';
import { buildAnnotations, conclusionForVerdict } from '../../../src/report/annotations.js';

function finding(overrides: Partial<Finding> & { severity: Severity }): Finding {
  return {
    id: `${overrides.ruleId ?? 'CVE-1'}-${overrides.location?.path ?? ''}-${overrides.location?.startLine ?? 0}`,
    kind: 'vulnerability',
    ruleId: 'CVE-2024-0001',
    aliases: [],
    title: 'A problem',
    description: 'Something is wrong.',
    tools: ['Trivy'],
    source: { tool: 'Trivy', scanner: 'trivy' },
    references: [],
    ...overrides,
  };
}

const files = new Set(['package-lock.json', 'Dockerfile', 'src/app.ts']);
const fileExists = (p: string) => files.has(p);

function gateFor(findings: Finding[], countOnlyNew = false) {
  return evaluateGate({
    findings,
    thresholds: { CRITICAL: 1, HIGH: 5, MEDIUM: 0, LOW: 0 },
    countOnlyNew,
    scannerErrors: [],
    failOnScannerError: true,
  });
}

describe('buildAnnotations', () => {
  it('levels follow the gate, most severe first', () => {
    const findings = [
      finding({
        severity: 'MEDIUM',
        ruleId: 'CVE-M',
        location: { path: 'src/app.ts', startLine: 3 },
      }),
      finding({
        severity: 'HIGH',
        ruleId: 'CVE-H',
        location: { path: 'package-lock.json', startLine: 1 },
      }),
      finding({
        severity: 'CRITICAL',
        ruleId: 'CVE-C',
        location: { path: 'Dockerfile', startLine: 2, endLine: 4 },
      }),
    ];
    const annotations = buildAnnotations(findings, gateFor(findings), { fileExists });
    expect(annotations.map((a) => [a.level, a.path, a.startLine, a.endLine])).toEqual([
      ['failure', 'Dockerfile', 2, 4],
      ['warning', 'package-lock.json', 1, 1],
      ['notice', 'src/app.ts', 3, 3],
    ]);
    expect(annotations[0]?.title).toBe('CRITICAL CVE-C: A problem');
  });

  it.each([
    ['no location', undefined],
    ['line 0', { path: 'src/app.ts', startLine: 0 }],
    ['missing file', { path: 'gone.txt', startLine: 1 }],
    ['absolute path', { path: '/etc/passwd', startLine: 1 }],
    ['escaping path', { path: '../src/app.ts', startLine: 1 }],
  ])('skips findings with %s', (_name, location) => {
    const findings = [finding({ severity: 'HIGH', location })];
    expect(buildAnnotations(findings, gateFor(findings), { fileExists })).toEqual([]);
  });

  it('skips waived findings', () => {
    const findings = [
      finding({
        severity: 'CRITICAL',
        location: { path: 'Dockerfile', startLine: 1 },
        waiver: { origin: 'w.yml#0', reason: 'ok' },
      }),
    ];
    expect(buildAnnotations(findings, gateFor(findings), { fileExists })).toEqual([]);
  });

  it('existing findings under gate-scope new are notices', () => {
    const findings = [
      finding({
        severity: 'CRITICAL',
        ruleId: 'A',
        baselineState: 'new',
        location: { path: 'Dockerfile', startLine: 1 },
      }),
      finding({
        severity: 'CRITICAL',
        ruleId: 'B',
        baselineState: 'existing',
        location: { path: 'Dockerfile', startLine: 5 },
      }),
    ];
    const levels = buildAnnotations(findings, gateFor(findings, true), { fileExists }).map((a) => [
      a.startLine,
      a.level,
    ]);
    expect(levels).toEqual([
      [1, 'failure'],
      [5, 'notice'],
    ]);
  });

  it('secrets show only the masked excerpt, never the description', () => {
    const findings = [
      finding({
        severity: 'CRITICAL',
        kind: 'secret',
        ruleId: 'aws-access-key-id',
        title: 'AWS Access Key ID',
        description: 'AKIAIOSFODNN7EXAMPLE',
        maskedExcerpt: 'key = AKIA****************',
        location: { path: 'src/app.ts', startLine: 9 },
      }),
    ];
    const [annotation] = buildAnnotations(findings, gateFor(findings), { fileExists });
    expect(annotation?.message).toContain('AKIA****************');
    expect(annotation?.message).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });

  it('clips long text and strips control characters', () => {
    const findings = [
      finding({
        severity: 'LOW',
        title: `x\u0007${'t'.repeat(400)}`,
        description: 'd'.repeat(10_000),
        location: { path: 'src/app.ts', startLine: 1, startColumn: 2, endColumn: 5 },
        package: { name: 'lodash', installedVersion: '4.17.20', fixedVersions: ['4.17.21'] },
      }),
    ];
    const [annotation] = buildAnnotations(findings, gateFor(findings), { fileExists });
    expect(annotation?.title.length).toBeLessThanOrEqual(255);
    expect(annotation?.title).not.toContain('\u0007');
    expect(annotation?.message.length).toBeLessThanOrEqual(4000);
    expect(annotation?.message).toContain('Package lodash 4.17.20 → 4.17.21');
    expect(annotation).toMatchObject({ startColumn: 2, endColumn: 5 });
  });
});

describe('conclusionForVerdict', () => {
  it.each([
    ['pass', 'success'],
    ['warn', 'neutral'],
    ['fail', 'failure'],
    ['error', 'failure'],
  ] as [Verdict, string][])('%s → %s', (verdict, conclusion) => {
    expect(conclusionForVerdict(verdict)).toBe(conclusion);
  });
});
