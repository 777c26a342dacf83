import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/findings/finding.js';
import { mergeFindings, normaliseTarget, parsePurl } from '../../../src/findings/merge.js';
import { parseGrypeReport } from '../../../src/scanners/grype/parse.js';
import { parseTrivyReport } from '../../../src/scanners/trivy/parse.js';

const FIXTURES = path.resolve(__dirname, '../../fixtures');
const readJson = (file: string): unknown =>
  JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8'));

function grype(file: string, target?: string): Finding[] {
  return parseGrypeReport(readJson(file), {
    source: { tool: 'Grype', reportFile: file },
    pathPrefix: '',
    ...(target ? { target } : {}),
  }).findings;
}

function trivy(file: string, tool = 'Trivy'): Finding[] {
  return parseTrivyReport(readJson(file), {
    source: { tool, reportFile: file },
    pathPrefix: '',
  }).findings.map((f) => ({
    ...f,
    tools: [tool],
  }));
}

interface RawTrivy {
  Results: Array<{
    Vulnerabilities?: Array<{ PkgName: string; InstalledVersion: string; VulnerabilityID: string }>;
  }>;
}
const trivyVulnKeys = (file: string): Set<string> =>
  new Set(
    (readJson(file) as RawTrivy).Results.flatMap((r) => r.Vulnerabilities ?? []).map(
      (v) => `${v.PkgName}@${v.InstalledVersion} ${v.VulnerabilityID}`,
    ),
  );

const CHAINGUARD = 'shared/grype/real-0.61.1-chainguard-ruby.json';
const CHAINGUARD_TRIVY = 'merge/trivy-from-grype-chainguard-ruby.json';
const ALPINE_TRIVY = 'shared/trivy/image-alpine-310.json';
const ALPINE_GRYPE = 'merge/grype-from-trivy-alpine-310.json';

describe('mergeFindings on one scanner', () => {
  it('merges the GHSA and the CVE grype reports for one package (chainguard ruby)', () => {
    const findings = grype(CHAINGUARD);
    const merged = mergeFindings(findings);
    // 3 matches: CVE-2023-28755 in ruby-3.0, and in uri both CVE-2023-28755 and its GHSA.
    expect(merged).toHaveLength(2);
    expect(merged[0]).toEqual(findings[0]);
    const uri = merged[1] as Finding;
    expect(uri).toMatchObject({
      ruleId: 'CVE-2023-28755',
      aliases: ['GHSA-hv5j-3h9f-99c2'],
      tools: ['Grype'],
      severity: 'HIGH',
      cvssScore: 7.5,
    });
    expect(uri.package?.fixedVersions).toEqual(['0.10.2']);
    // One report said `unknown`, the other listed a fix: the fix is not hidden.
    expect(uri.properties?.fixState).toBe('fixed');
    expect(uri.properties?.matchTypes).toEqual(['cpe-match', 'exact-direct-match']);
    expect(uri.severityBySource).toBeUndefined();
  });

  it('prefers the CVE as the id even when grype reported the GHSA first (java ghsa)', () => {
    const merged = mergeFindings(grype('shared/grype/real-0.65.1-java-ghsa.json'));
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({
      ruleId: 'CVE-2014-3577',
      aliases: ['GHSA-cfh5-3ghh-wfjx'],
      severity: 'MEDIUM',
      cvssScore: 5.8,
    });
    expect(merged[0]?.package?.fixedVersions).toEqual(['4.3.5']);
  });

  it.each([
    ['shared/grype/real-0.66.0-keycloak-rpm-wontfix.json', 6],
    ['shared/grype/presenter-image.json', 2],
    ['shared/grype/v0.50.0-presenter-image-legacy.json', 3],
  ])('keeps one CVE in different packages apart (%s)', (file, expected) => {
    expect(mergeFindings(grype(file))).toHaveLength(expected);
  });

  it('is idempotent', () => {
    const once = mergeFindings([...grype(CHAINGUARD), ...trivy(CHAINGUARD_TRIVY)]);
    expect(mergeFindings(once)).toEqual(once);
  });
});

describe('mergeFindings across scanners', () => {
  it.each([
    ['Grype then Trivy', [CHAINGUARD, 'grype'], [CHAINGUARD_TRIVY, 'trivy'], ['Grype', 'Trivy']],
    ['Trivy then Grype', [CHAINGUARD_TRIVY, 'trivy'], [CHAINGUARD, 'grype'], ['Trivy', 'Grype']],
    ['Trivy then Grype', [ALPINE_TRIVY, 'trivy'], [ALPINE_GRYPE, 'grype'], ['Trivy', 'Grype']],
    ['Grype then Trivy', [ALPINE_GRYPE, 'grype'], [ALPINE_TRIVY, 'trivy'], ['Grype', 'Trivy']],
  ] as const)('merges one scan seen by both (%s: %j)', (_label, first, second, tools) => {
    const load = ([file, kind]: readonly [string, string]) =>
      kind === 'grype' ? grype(file) : trivy(file);
    const trivyFile = first[1] === 'trivy' ? first[0] : second[0];
    const merged = mergeFindings([...load(first), ...load(second)]);
    // Every (package, CVE) pair of the Trivy report is one finding reported by both.
    expect(merged).toHaveLength(trivyVulnKeys(trivyFile).size);
    for (const finding of merged) {
      expect(finding.tools).toEqual(tools);
      expect(finding.source.tool).toBe(tools[0]);
      expect(finding.ruleId).toMatch(/^CVE-/);
    }
  });

  it('keeps the higher severity and says who rated what', () => {
    const trivyFindings = trivy(ALPINE_TRIVY).map((f) => ({ ...f, severity: 'HIGH' as const }));
    const merged = mergeFindings([...grype(ALPINE_GRYPE), ...trivyFindings]);
    expect(merged.map((f) => f.severity)).toEqual(['HIGH', 'HIGH', 'HIGH', 'HIGH']);
    expect(merged[0]?.severityBySource).toEqual({ Grype: 'MEDIUM', Trivy: 'HIGH' });
  });

  it('unites references, aliases and fixed versions', () => {
    const grypeFindings = grype(CHAINGUARD);
    const merged = mergeFindings([...grypeFindings, ...trivy(CHAINGUARD_TRIVY)]);
    const uri = merged.find((f) => f.package?.name === 'uri') as Finding;
    const all = [
      ...grypeFindings.filter((f) => f.package?.name === 'uri'),
      ...trivy(CHAINGUARD_TRIVY).filter((f) => f.package?.name === 'uri'),
    ];
    expect(new Set(uri.references)).toEqual(new Set(all.flatMap((f) => f.references)));
    expect(uri.aliases).toEqual(['GHSA-hv5j-3h9f-99c2']);
    expect(uri.package?.fixedVersions).toEqual(['0.10.2']);
  });

  it.each([
    [
      'another target',
      (f: Finding): Finding => ({ ...f, target: 'cgr.dev/chainguard/ruby:latest-3.1' }),
    ],
    [
      'another installed version',
      (f: Finding): Finding => ({
        ...f,
        package: { ...f.package!, installedVersion: '0.10.0', purl: undefined },
      }),
    ],
    [
      'another package',
      (f: Finding): Finding => ({
        ...f,
        package: { ...f.package!, name: 'uri-x', purl: 'pkg:gem/uri-x@0.10.1' },
      }),
    ],
  ])('does not merge the same CVE in %s', (_label, change) => {
    const merged = mergeFindings([...grype(CHAINGUARD), ...trivy(CHAINGUARD_TRIVY).map(change)]);
    expect(merged).toHaveLength(4);
  });

  it('compares Docker Hub targets with and without the implicit prefix', () => {
    const grypeFindings = grype(ALPINE_GRYPE, 'docker.io/library/alpine:3.10');
    const trivyFindings = trivy(ALPINE_TRIVY).map((f) => ({ ...f, target: 'alpine:3.10' }));
    expect(mergeFindings([...grypeFindings, ...trivyFindings])).toHaveLength(4);
  });
});

describe('mergeFindings for other kinds', () => {
  it('merges misconfigurations on the same rule, file and line', () => {
    const file = 'shared/trivy/action-0.72.0-config-terraform.json';
    const first = trivy(file);
    const merged = mergeFindings([...first, ...trivy(file, 'Other')]);
    const keys = new Set(
      first.map((f) => `${f.ruleId} ${f.location?.path} ${f.location?.startLine}`),
    );
    expect(merged).toHaveLength(keys.size);
    expect(merged.every((f) => f.tools.join() === 'Trivy,Other')).toBe(true);
  });

  it('keeps secrets on different lines apart', () => {
    const findings = trivy('shared/trivy/repo-secrets.json');
    const moved = findings.map((f) => ({
      ...f,
      location: { ...f.location!, startLine: f.location!.startLine + 1000 },
    }));
    expect(mergeFindings([...findings, ...moved])).toHaveLength(mergeFindings(findings).length * 2);
  });
});

describe('helpers', () => {
  it.each([
    [
      'pkg:apk/alpine/libssl1.1@1.1.1c-r0?arch=x86_64&distro=3.10.2',
      { type: 'apk', namespace: 'alpine', name: 'libssl1.1' },
    ],
    ['pkg:npm/%40babel/core@7.0.0', { type: 'npm', namespace: '@babel', name: 'core' }],
    [
      'pkg:maven/org.apache.httpcomponents/httpclient@4.1.1',
      { type: 'maven', namespace: 'org.apache.httpcomponents', name: 'httpclient' },
    ],
    ['pkg:gem/uri@0.10.1#lib', { type: 'gem', namespace: '', name: 'uri' }],
    ['not a purl', undefined],
  ])('parsePurl(%s)', (purl, expected) => {
    expect(parsePurl(purl)).toEqual(expected);
  });

  it.each([
    ['docker.io/library/alpine:3.10', 'alpine:3.10'],
    ['index.docker.io/keycloak/keycloak:21', 'keycloak/keycloak:21'],
    ['ghcr.io/org/app:1', 'ghcr.io/org/app:1'],
    ['services/api/', 'services/api'],
    [undefined, ''],
  ])('normaliseTarget(%s)', (target, expected) => {
    expect(normaliseTarget(target)).toBe(expected);
  });
});
