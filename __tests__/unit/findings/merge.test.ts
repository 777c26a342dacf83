import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/findings/finding.js';
import { mergeFindings } from '../../../src/findings/merge.js';
import { targetReference } from '../../../src/findings/image-ref.js';
import { parsePurl } from '../../../src/findings/package-key.js';
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

  it('merges a docker-archive scan: Trivy names it by the path, Grype keeps the transport', () => {
    const trivyFindings = trivy(ALPINE_TRIVY);
    const archive = `docker-archive:${trivyFindings[0]?.target}`;
    const merged = mergeFindings([...trivyFindings, ...grype(ALPINE_GRYPE, archive)]);
    expect(merged).toHaveLength(4);
    expect(merged.every((f) => f.tools.join() === 'Trivy,Grype')).toBe(true);
  });

  it('compares Docker Hub targets with and without the implicit prefix', () => {
    const grypeFindings = grype(ALPINE_GRYPE, 'docker.io/library/alpine:3.10');
    const trivyFindings = trivy(ALPINE_TRIVY).map((f) => ({ ...f, target: 'alpine:3.10' }));
    expect(mergeFindings([...grypeFindings, ...trivyFindings])).toHaveLength(4);
  });
});

const POM_TRIVY_044 = 'merge/trivy-0.44-shape-pom.json';
const POM_GRYPE = 'merge/grype-from-trivy-pom.json';
const GOMOD_TRIVY_044 = 'merge/trivy-0.44-shape-gomod.json';
const GOMOD_GRYPE = 'merge/grype-from-trivy-gomod.json';

describe('mergeFindings with a PURL on one side only (Trivy 0.44 writes none, Grype always does)', () => {
  it.each([
    ['Maven group:artifact vs artifact', POM_TRIVY_044, POM_GRYPE, 2],
    ['Go module paths', GOMOD_TRIVY_044, GOMOD_GRYPE, 3],
  ])('merges %s (%s + %s)', (_label, trivyFile, grypeFile, expected) => {
    const trivyFindings = trivy(trivyFile);
    const grypeFindings = grype(grypeFile);
    expect(trivyFindings.every((f) => f.package?.purl === undefined)).toBe(true);
    expect(grypeFindings.every((f) => f.package?.purl?.startsWith('pkg:'))).toBe(true);
    for (const input of [
      [...trivyFindings, ...grypeFindings],
      [...grypeFindings, ...trivyFindings],
    ]) {
      const merged = mergeFindings(input);
      expect(merged).toHaveLength(expected);
      expect(merged.every((f) => f.tools.length === 2)).toBe(true);
    }
    // Each scanner alone already gives that many (the same CVE in three go.mod files is one).
    expect(mergeFindings(trivyFindings)).toHaveLength(expected);
  });

  it('keeps both spellings of the Maven name on the merged package, whoever came first', () => {
    const [trivyFirst] = mergeFindings([...trivy(POM_TRIVY_044), ...grype(POM_GRYPE)]);
    const [grypeFirst] = mergeFindings([...grype(POM_GRYPE), ...trivy(POM_TRIVY_044)]);
    expect(trivyFirst?.package).toMatchObject({
      name: 'com.fasterxml.jackson.core:jackson-databind',
      aliases: ['jackson-databind'],
      purl: 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.1',
    });
    expect(grypeFirst?.package).toMatchObject({
      name: 'jackson-databind',
      aliases: ['com.fasterxml.jackson.core:jackson-databind'],
    });
  });

  it('keeps another group with the same artifact id apart', () => {
    const other = trivy(POM_TRIVY_044).map((f) => ({
      ...f,
      package: { ...f.package!, name: 'org.example.fork:jackson-databind' },
    }));
    expect(mergeFindings([...other, ...grype(POM_GRYPE)])).toHaveLength(4);
  });
});

describe('mergeFindings of OS packages that Trivy names by the distribution, without PURLs', () => {
  // Grype's real RHEL scan (type rpm, PURLs), as Trivy without PURLs reports each of the
  // rpm distributions: its `Type` is the OS family.
  const KEYCLOAK = 'shared/grype/real-0.66.0-keycloak-rpm-wontfix.json';
  const asTrivy = (findings: Finding[], family: string): Finding[] =>
    findings.map((f) => {
      const pkg = { ...f.package!, type: family };
      delete pkg.purl;
      return { ...f, tools: ['Trivy'], source: { tool: 'Trivy' }, package: pkg };
    });

  it.each(['redhat', 'sles', 'opensuse.leap', 'opensuse-tumbleweed', 'almalinux', 'rocky'])(
    'merges Trivy %s packages with the same Grype rpm packages',
    (family) => {
      const fromGrype = grype(KEYCLOAK);
      const alone = mergeFindings(fromGrype);
      const merged = mergeFindings([...asTrivy(fromGrype, family), ...fromGrype]);
      expect(merged).toHaveLength(alone.length);
      expect(merged.every((f) => f.tools.join() === 'Trivy,Grype')).toBe(true);
    },
  );
});

describe('mergeFindings when the scanners disagree on severity (derived pom scan)', () => {
  it.each([
    ['Trivy then Grype', () => [...trivy(POM_TRIVY_044), ...grype(POM_GRYPE)]],
    ['Grype then Trivy', () => [...grype(POM_GRYPE), ...trivy(POM_TRIVY_044)]],
  ])('counts the higher one and says who rated what (%s)', (_label, load) => {
    const merged = mergeFindings(load());
    const critical = merged.find((f) => f.ruleId === 'CVE-2020-9548');
    expect(critical?.severity).toBe('CRITICAL');
    expect(critical?.severityBySource).toEqual({ Trivy: 'CRITICAL', Grype: 'HIGH' });
    // Both rate CVE-2021-20190 HIGH: nothing to say.
    const agreed = merged.find((f) => f.ruleId === 'CVE-2021-20190');
    expect(agreed?.severity).toBe('HIGH');
    expect(agreed?.severityBySource).toBeUndefined();
  });
});

describe('mergeFindings never follows aliases from one CVE to another', () => {
  // Derived from the real alpine 3.10 findings: an advisory (the id is made up; no
  // fixture has one) that lists both CVEs of libcrypto1.1, as Grype reports an
  // Amazon ALAS or Red Hat RHSA with its CVEs as related vulnerabilities.
  const libcrypto = () => trivy(ALPINE_TRIVY).filter((f) => f.package?.name === 'libcrypto1.1');
  const advisory = (): Finding => {
    const [grypeCve] = grype(ALPINE_GRYPE).filter((f) => f.package?.name === 'libcrypto1.1');
    return { ...grypeCve!, ruleId: 'ALAS-2019-1234', aliases: ['CVE-2019-1549', 'CVE-2019-1551'] };
  };

  it.each([
    ['advisory last', () => [...libcrypto(), advisory()], 3],
    ['advisory first', () => [advisory(), ...libcrypto()], 3],
    [
      'a chain GHSA → CVE-A, GHSA → CVE-B',
      () => libcrypto().map((f) => ({ ...f, ruleId: 'GHSA-aaaa-bbbb-cccc', aliases: [f.ruleId] })),
      2,
    ],
  ])('keeps two CVEs two findings (%s)', (_label, load, expected) => {
    const merged = mergeFindings(load());
    expect(merged).toHaveLength(expected);
    for (const finding of merged) {
      const cves = [finding.ruleId, ...finding.aliases].filter((id) => id.startsWith('CVE-'));
      if (finding.ruleId.startsWith('CVE-')) expect(cves).toEqual([finding.ruleId]);
    }
  });

  it('still merges a GHSA with its one CVE (grype reports both for uri)', () => {
    const uri = mergeFindings(grype(CHAINGUARD)).filter((f) => f.package?.name === 'uri');
    expect(uri.map((f) => [f.ruleId, f.aliases])).toEqual([
      ['CVE-2023-28755', ['GHSA-hv5j-3h9f-99c2']],
    ]);
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
  ])('targetReference(%s)', (target, expected) => {
    expect(targetReference(target)).toBe(expected);
  });
});
