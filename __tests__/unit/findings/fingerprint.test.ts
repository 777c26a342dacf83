import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/findings/finding.js';
import {
  fingerprintFindings,
  hashLineContent,
  type LineReader,
} from '../../../src/findings/fingerprint.js';
import { canonicalVulnerabilityId } from '../../../src/findings/vulnerability-id.js';
import { mergeFindings } from '../../../src/findings/merge.js';
import { importSarif } from '../../../src/importers/sarif.js';
import { parseGrypeReport } from '../../../src/scanners/grype/parse.js';
import { checkDockerfile } from '../../../src/scanners/pinning/check-dockerfile.js';
import { parseTrivyReport } from '../../../src/scanners/trivy/parse.js';
import {
  grypeVulnerabilityFindings,
  readSharedJson,
  SARIF_FIXTURES,
  trivyVulnerabilityFindings,
} from '../importers/fixture-findings.js';

const FIXTURES = path.resolve(__dirname, '../../fixtures');
const MAIN_TF = readFileSync(path.join(SARIF_FIXTURES, 'repo/main.tf'), 'utf8').split('\n');

/** A reader over main.tf with `inserted` unrelated lines added at the top. */
function readerWith(lines: string[], inserted = 0): LineReader {
  const shifted = [
    ...Array.from({ length: inserted }, (_, i) => `# unrelated comment ${i}`),
    ...lines,
  ];
  return (file, line) => (file === 'main.tf' ? shifted[line - 1] : undefined);
}

/** The real Trivy 0.72.0 misconfigurations of main.tf, moved down by `offset` lines. */
function terraformFindings(offset = 0): Finding[] {
  const outcome = importSarif(
    readSharedJson('trivy/action-0.72.0-config-terraform.sarif'),
    'trivy.sarif',
  );
  return outcome.findings.map((f) =>
    f.location === undefined
      ? f
      : { ...f, location: { ...f.location, startLine: f.location.startLine + offset } },
  );
}

const idsOf = (findings: Finding[]): string[] => findings.map((f) => f.id);

describe('fingerprintFindings: file findings', () => {
  it.each([0, 1, 7])('keeps every id when %i unrelated lines are added above', (inserted) => {
    const before = fingerprintFindings(terraformFindings(), readerWith(MAIN_TF));
    const after = fingerprintFindings(terraformFindings(inserted), readerWith(MAIN_TF, inserted));
    expect(idsOf(after)).toEqual(idsOf(before));
    expect(new Set(idsOf(before)).size).toBe(before.length);
  });

  it('sets lineHash from the flagged line content, ignoring whitespace', () => {
    const [first] = fingerprintFindings(terraformFindings(), readerWith(MAIN_TF));
    expect(first?.lineHash).toBe(hashLineContent(MAIN_TF[7] ?? ''));
    const reindented = MAIN_TF.map((line) => `\t  ${line.replace(/ /g, '   ')}  `);
    expect(idsOf(fingerprintFindings(terraformFindings(), readerWith(reindented)))).toEqual(
      idsOf(fingerprintFindings(terraformFindings(), readerWith(MAIN_TF))),
    );
  });

  it('changes the id of findings on a line whose content changed, only those', () => {
    const before = fingerprintFindings(terraformFindings(), readerWith(MAIN_TF));
    const edited = MAIN_TF.map((line, i) =>
      i === 7 ? line.replace('"bucket"', '"renamed"') : line,
    );
    const after = fingerprintFindings(terraformFindings(), readerWith(edited));
    before.forEach((finding, i) => {
      const onLine8 = finding.location?.startLine === 8;
      expect(after[i]?.id === finding.id).toBe(!onLine8);
    });
  });

  it('falls back to the line number when the file cannot be read', () => {
    const unreadable: LineReader = () => undefined;
    const before = fingerprintFindings(terraformFindings(), unreadable);
    const moved = fingerprintFindings(terraformFindings(3), unreadable);
    expect(before.every((f) => f.lineHash === undefined)).toBe(true);
    expect(idsOf(moved).filter((id, i) => id === before[i]?.id)).toEqual([]);
  });
});

describe('fingerprintFindings: vulnerabilities', () => {
  const alpine = trivyVulnerabilityFindings('trivy/image-alpine-310.json');

  it('gives the 4 real alpine findings 4 distinct 32-hex ids, stable in any order', () => {
    const ids = idsOf(fingerprintFindings(alpine, () => undefined));
    expect(new Set(ids).size).toBe(4);
    expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect(idsOf(fingerprintFindings([...alpine].reverse(), () => undefined))).toEqual(
      [...ids].reverse(),
    );
  });

  it.each([
    [
      'installed version',
      (f: Finding): Finding => ({ ...f, package: { ...f.package!, installedVersion: '9.9.9' } }),
    ],
    ['target', (f: Finding): Finding => ({ ...f, target: 'other-image:1' })],
    [
      'purl',
      (f: Finding): Finding => ({
        ...f,
        package: { ...f.package!, purl: 'pkg:apk/alpine/other@1' },
      }),
    ],
  ])('changes when the %s changes', (_, change) => {
    const [original] = fingerprintFindings(alpine.slice(0, 1), () => undefined);
    const [changed] = fingerprintFindings(alpine.slice(0, 1).map(change), () => undefined);
    expect(changed?.id).not.toBe(original?.id);
  });

  it('does not change with title, severity, fixed version or the line the lockfile is read at', () => {
    const [original] = fingerprintFindings(alpine.slice(0, 1), () => undefined);
    const edited = alpine.slice(0, 1).map((f): Finding => ({
      ...f,
      title: 'other',
      severity: 'CRITICAL',
      package: { ...f.package!, fixedVersions: ['2'] },
      location: { path: 'package-lock.json', startLine: 1 },
    }));
    expect(fingerprintFindings(edited, () => 'changed')[0]?.id).toBe(original?.id);
  });

  it('fingerprints a GHSA and its CVE (real grype 0.65.1 matches) alike', () => {
    const [ghsa, cve] = grypeVulnerabilityFindings('grype/real-0.65.1-java-ghsa.json');
    expect(ghsa?.ruleId).toMatch(/^GHSA-/);
    expect(ghsa?.aliases).toContain(cve?.ruleId);
    expect(canonicalVulnerabilityId(ghsa!)).toBe(cve?.ruleId);
    const alone = (f: Finding) => fingerprintFindings([f], () => undefined)[0]?.id;
    expect(alone(ghsa!)).toBe(alone(cve!));
    // Side by side (not merged yet) they still get distinct ids.
    const both = fingerprintFindings([ghsa!, cve!], () => undefined);
    expect(both[0]?.id).not.toBe(both[1]?.id);
  });
});

describe('fingerprintFindings: findings with neither file nor package', () => {
  it("hashes rule, the target's identity and title", () => {
    const base = terraformFindings()[0]!;
    const noFile: Finding = { ...base, location: undefined, target: 'alpine:3.10' };
    const [a] = fingerprintFindings([noFile], () => undefined);
    const [b] = fingerprintFindings([{ ...noFile, description: 'other text' }], () => undefined);
    const [c] = fingerprintFindings([{ ...noFile, target: 'debian:3.10' }], () => undefined);
    // A tag is part of the identity (another image), a commit tag is not: a rebuilt
    // `app:${{ github.sha }}` is the same target.
    const [d] = fingerprintFindings([{ ...noFile, target: 'alpine:3.11' }], () => undefined);
    const [e] = fingerprintFindings([{ ...noFile, target: 'app:1111111' }], () => undefined);
    const [f] = fingerprintFindings([{ ...noFile, target: 'app:2222222' }], () => undefined);
    expect(a?.id).toBe(b?.id);
    expect(a?.id).not.toBe(c?.id);
    expect(a?.id).not.toBe(d?.id);
    expect(e?.id).toBe(f?.id);
  });
});

describe('fingerprintFindings: targets are compared by identity', () => {
  const [alpine] = trivyVulnerabilityFindings('trivy/image-alpine-310.json') as [Finding];
  const idWith = (target: string) =>
    fingerprintFindings([{ ...alpine, target }], () => undefined)[0]?.id;

  it.each([
    ['ghcr.io/org/app:1111111', 'ghcr.io/org/app:2222222'],
    [`ghcr.io/org/app:${'1'.repeat(40)}`, 'ghcr.io/org/app:sha-2222222'],
    ['ghcr.io/org/app', `ghcr.io/org/app@sha256:${'a'.repeat(64)}`],
    ['ghcr.io/org/app:1', `ghcr.io/org/app:1@sha256:${'a'.repeat(64)}`],
    ['alpine:3.10', 'docker.io/library/alpine:3.10'],
    ['img.tar', 'docker-archive:img.tar'],
    ['./dist/img.tar', 'oci-archive:dist/img.tar'],
  ])('%s and %s get one id', (a, b) => {
    expect(idWith(a)).toBe(idWith(b));
  });

  it.each([
    ['ghcr.io/org/app:1', 'ghcr.io/org/api:1'],
    ['ghcr.io/org/app:1', 'docker.io/org/app:1'],
    // Two tags, two images (one matrix job each): their findings must not share ids.
    ['node:18', 'node:20'],
    ['ghcr.io/org/app:amd64', 'ghcr.io/org/app:arm64'],
    ['ghcr.io/org/app:1', `ghcr.io/org/app@sha256:${'a'.repeat(64)}`],
    ['img.tar', 'other.tar'],
  ])('%s and %s get two ids', (a, b) => {
    expect(idWith(a)).not.toBe(idWith(b));
  });
});

describe('fingerprintFindings: merged findings', () => {
  const POM_TRIVY = 'merge/trivy-0.44-shape-pom.json';
  const POM_GRYPE = 'merge/grype-from-trivy-pom.json';
  const CHAINGUARD_TRIVY = 'merge/trivy-from-grype-chainguard-ruby.json';
  const CHAINGUARD_GRYPE = 'shared/grype/real-0.61.1-chainguard-ruby.json';
  const load = (file: string): Finding[] => {
    const json = JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as unknown;
    const isGrype = path.basename(file).startsWith('grype') || file.includes('/grype/');
    const source = { tool: isGrype ? 'Grype' : 'Trivy', reportFile: file };
    return isGrype
      ? parseGrypeReport(json, { source, pathPrefix: '' }).findings
      : parseTrivyReport(json, { source, pathPrefix: '' }).findings;
  };
  const byRule = (findings: Finding[]): string[] =>
    fingerprintFindings(mergeFindings(findings), () => undefined)
      .map((f) => `${f.ruleId}:${f.package?.installedVersion}:${f.id}`)
      .sort();

  it.each([
    ['chainguard ruby (PURL qualifiers spelled differently)', CHAINGUARD_TRIVY, CHAINGUARD_GRYPE],
    ['pom (PURL on one side only)', POM_TRIVY, POM_GRYPE],
  ])('does not depend on which scanner came first, nor on which ran: %s', (_l, a, b) => {
    const first = byRule([...load(a), ...load(b)]);
    expect(byRule([...load(b), ...load(a)])).toEqual(first);
    expect(byRule(load(a))).toEqual(first);
    expect(byRule(load(b))).toEqual(first);
    expect(first.length).toBeGreaterThan(0);
  });

  it('keeps an id the finding already has (imported with our own fingerprint)', () => {
    const [finding] = load(POM_TRIVY);
    const kept = { ...finding!, id: '0123456789abcdef0123456789abcdef' };
    expect(fingerprintFindings([kept], () => undefined)[0]?.id).toBe(kept.id);
  });
});

describe('fingerprintFindings: line 1', () => {
  const DOCKERFILE = readFileSync(
    path.join(FIXTURES, 'baseline-e2e/repo/Dockerfile'),
    'utf8',
  ).split('\n');
  const pinning = (lines: string[]): Finding[] =>
    checkDockerfile({ path: 'Dockerfile', text: lines.join('\n'), severity: 'HIGH' });
  const reader =
    (lines: string[]): LineReader =>
    (file, line) =>
      file === 'Dockerfile' ? lines[line - 1] : undefined;

  it('keeps the id of a FROM flagged on line 1 when a comment moves it down', () => {
    const atLine1 = DOCKERFILE.slice(1);
    const [before] = fingerprintFindings(pinning(atLine1), reader(atLine1));
    const [after] = fingerprintFindings(pinning(DOCKERFILE), reader(DOCKERFILE));
    expect(before?.location).toMatchObject({ startLine: 1 });
    expect(after?.location).toMatchObject({ startLine: 2 });
    expect(before?.lineHash).toBeDefined();
    expect(after?.id).toBe(before?.id);
  });

  it("hashes no line for Trivy's whole-file misconfiguration (no CauseMetadata lines)", () => {
    const json = JSON.parse(
      readFileSync(path.join(FIXTURES, 'shared/trivy/repo-dockerfile-misconfig.json'), 'utf8'),
    ) as unknown;
    const findings = parseTrivyReport(json, { source: { tool: 'Trivy' }, pathPrefix: '' }).findings;
    expect(findings[0]?.location).toMatchObject({
      path: 'Dockerfile',
      startLine: 1,
      wholeFile: true,
    });
    const [a] = fingerprintFindings(findings, reader(DOCKERFILE));
    const [b] = fingerprintFindings(findings, reader(['# a new first line', ...DOCKERFILE]));
    expect(a?.id).toBe(b?.id);
    expect(a?.lineHash).toBeUndefined();
  });
});
