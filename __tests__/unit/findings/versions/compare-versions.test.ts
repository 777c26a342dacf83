import { describe, expect, it } from 'vitest';
import { compareVersions, versionEcosystemOf } from '../../../../src/findings/versions/index.js';

type Case = [ecosystem: string, a: string, b: string, expected: -1 | 0 | 1];

/** Each ecosystem's own documented ordering examples. */
const CASES: Case[] = [
  // dpkg (deb-version(7), dpkg's t-version.c): `~` sorts before everything, even the end.
  ['debian', '1.0~rc1', '1.0', -1],
  ['debian', '1.0~~', '1.0~~a', -1],
  ['debian', '1.0~~a', '1.0~', -1],
  ['debian', '1.0~', '1.0', -1],
  ['debian', '1.0', '1.0a', -1],
  ['debian', '1:0.1', '2.0', 1],
  ['debian', '0:1.0', '1.0', 0],
  ['debian', '1.0-1', '1.0-0', 1],
  ['debian', '1.0', '1.0-0', 0],
  ['debian', '1.0.1', '1.0a', 1],
  ['debian', '2.0.5-1', '2.0.5-1+deb10u1', -1],
  ['debian', '1.43.4-2', '1.43.4-2+deb9u1', -1],
  ['debian', '2.1.18-8~deb9u4', '2.1.18-8', -1],
  ['debian', '1.44.1-1ubuntu1.1', '1.44.1-1ubuntu1.2', -1],
  ['debian', '1.2.3-10', '1.2.3-9', 1],
  ['ubuntu', '1.0+dfsg-1', '1.0-1', 1],
  // rpm (tests/rpmvercmp.at).
  ['rpm', '1.0', '2.0', -1],
  ['rpm', '2.0.1a', '2.0.1', 1],
  ['rpm', '5.5p1', '5.5p10', -1],
  ['rpm', '10xyz', '10.1xyz', -1],
  ['rpm', 'xyz10', 'xyz10.1', -1],
  ['rpm', 'xyz.4', '8', -1],
  ['rpm', '6.0.rc1', '6.0', 1],
  ['rpm', '10b2', '10a1', 1],
  ['rpm', '1.0a', '1.0aa', -1],
  ['rpm', '10.0001', '10.1', 0],
  ['rpm', '4.999.9', '5.0', -1],
  ['rpm', '2.0', '2_0', 0],
  ['rpm', '+a', '_a', 0],
  ['rpm', '1.0~rc1', '1.0', -1],
  ['rpm', '1.0~rc1', '1.0~rc2', -1],
  ['rpm', '1.0~rc1~git123', '1.0~rc1', -1],
  ['rpm', '1.0^', '1.0', 1],
  ['rpm', '1.0^git1', '1.0^git2', -1],
  ['rpm', '1.0^git1', '1.01', -1],
  ['rpm', '1.0^20160101', '1.0.1', -1],
  ['rpm', '1.0~rc1^git1', '1.0~rc1', 1],
  ['rpm', '1.0^git1~pre', '1.0^git1', -1],
  ['redhat', '1:1.0-1', '2.0-1', 1],
  ['centos', '4.34.0-17.el9_1', '4.34.0-18.el9_1', -1],
  ['rpm', '3.79.0-17.el9_1', '3.79.0', 0],
  // apk (apk-tools test/version.data).
  ['alpine', '1.1.1c-r0', '1.1.1d-r0', -1],
  ['alpine', '1.1.1d-r0', '1.1.1d-r2', -1],
  ['apk', '1.0_alpha1', '1.0_beta1', -1],
  ['apk', '1.0_beta1', '1.0_pre1', -1],
  ['apk', '1.0_pre1', '1.0_rc1', -1],
  ['apk', '1.0_rc1', '1.0', -1],
  ['apk', '1.0', '1.0_p1', -1],
  ['apk', '1.0_p1', '1.0.1', -1],
  ['apk', '1.0', '1.0a', -1],
  ['apk', '1.0a', '1.0.1', -1],
  ['apk', '1.0-r1', '1.0-r10', -1],
  ['apk', '1.01', '1.1', -1],
  // Leading zeros after a `.`: apk-tools compares the component as a string
  // (byte order, then length), no trailing zeros dropped.
  ['apk', '1.010', '1.01', 1],
  ['apk', '1.001', '1.01', -1],
  ['apk', '1.0', '1.00', -1],
  ['apk', '1.05', '1.5', -1],
  ['apk', '1.0.5', '1.05', -1],
  // A leading number compares as a number, leading zeros or not.
  ['apk', '006', '6', 0],
  ['apk', '1.0_rc1', '1.0-r0', -1],
  ['apk', '1.2.3~a1b2c3-r0', '1.2.3-r0', 1],
  ['wolfi', '3.0.4-r1', '3.0.6-r0', -1],
  ['chainguard', '2.40-r0', '2.4-r9', 1],
  // Maven (ComparableVersionTest: qualifiers and equal forms).
  ['maven', '1-alpha2snapshot', '1-alpha2', -1],
  ['maven', '1-alpha2', '1-alpha-123', -1],
  ['maven', '1-alpha-123', '1-beta-2', -1],
  ['maven', '1-beta-2', '1-beta123', -1],
  ['maven', '1-beta123', '1-m2', -1],
  ['maven', '1-m2', '1-m11', -1],
  ['maven', '1-m11', '1-rc', -1],
  ['maven', '1-rc', '1-cr2', -1],
  ['maven', '1-cr2', '1-rc123', -1],
  ['maven', '1-rc123', '1-SNAPSHOT', -1],
  ['maven', '1-SNAPSHOT', '1', -1],
  ['maven', '1', '1-sp', -1],
  ['maven', '1-sp', '1-sp2', -1],
  ['maven', '1-sp123', '1-abc', -1],
  ['maven', '1-abc', '1-def', -1],
  ['maven', '1-def', '1-pom-1', -1],
  ['maven', '1-pom-1', '1-1-snapshot', -1],
  ['maven', '1-1-snapshot', '1-1', -1],
  ['maven', '1-1', '1-2', -1],
  ['maven', '1-2', '1-123', -1],
  ['maven', '1', '1.0.0', 0],
  ['maven', '1-ga', '1', 0],
  ['maven', '1-final', '1', 0],
  ['maven', '1-release', '1', 0],
  ['maven', '1-cr', '1-rc', 0],
  ['maven', '1a1', '1-alpha-1', 0],
  ['maven', '1b2', '1-beta-2', 0],
  ['maven', '1m3', '1-milestone-3', 0],
  ['maven', '1X', '1x', 0],
  ['pom', '2.9.1', '2.9.10.4', -1],
  ['pom', '2.9.10.4', '2.9.10.7', -1],
  ['jar', '2.12.7.1', '2.13.4.2', -1],
  ['java-archive', '4.1.1', '4.3.5', -1],
  ['gradle', '5.3.17', '5.3.18', -1],
  // PEP 440 (the spec's summary ordering).
  ['pep440', '1.0.dev456', '1.0a1', -1],
  ['pep440', '1.0a1', '1.0a2.dev456', -1],
  ['pep440', '1.0a2.dev456', '1.0a12.dev456', -1],
  ['pep440', '1.0a12', '1.0b1.dev456', -1],
  ['pep440', '1.0b2.post345', '1.0rc1.dev456', -1],
  ['pep440', '1.0rc1', '1.0', -1],
  ['pep440', '1.0', '1.0+abc.5', -1],
  ['pep440', '1.0+abc.7', '1.0.post456.dev34', -1],
  ['pep440', '1.0.post456.dev34', '1.0.post456', -1],
  ['pep440', '1.0.post456', '1.1.dev1', -1],
  ['pep440', '1!0.1', '2.0', 1],
  ['pep440', '1.0', '1.0.0', 0],
  ['python-pkg', '0.9.8', '65.5.1', -1],
  ['pipenv', '2.0rc1', '2.0', -1],
  // semver (semver.org §11) and loose forms.
  ['npm', '1.0.0-alpha', '1.0.0-alpha.1', -1],
  ['npm', '1.0.0-alpha.1', '1.0.0-alpha.beta', -1],
  ['npm', '1.0.0-alpha.beta', '1.0.0-beta', -1],
  ['npm', '1.0.0-beta.2', '1.0.0-beta.11', -1],
  ['npm', '1.0.0-rc.1', '1.0.0', -1],
  ['npm', '1.0.0+build.1', '1.0.0', 0],
  ['npm', '3.3.9', '3.4.0', -1],
  ['npm', 'v1.2', '1.2.0', 0],
  ['cargo', '1.9.0', '2.1.0', -1],
  ['nuget', '4.5.0.1', '4.5.0.10', -1],
  ['composer', '5.4.10', '5.4.9', 1],
  // Go modules: `v`, +incompatible and pseudo-versions.
  ['gomod', 'v2.7.1+incompatible', 'v2.8.0', -1],
  ['gomod', 'v0.3.6', '0.3.7', -1],
  ['gobinary', 'v0.0.0-20191109021931-daa7c04131f5', 'v0.0.1', -1],
  ['go-module', 'v1.2.4-0.20191109021931-daa7c04131f5', 'v1.2.4', -1],
  ['go-module', 'v1.2.3', 'v1.2.4-0.20191109021931-daa7c04131f5', -1],
  ['gomod', 'v0.0.0-20191109021931-daa7c04131f5', 'v0.0.0-20200101000000-aaaaaaaaaaaa', -1],
  // RubyGems (Gem::Version tests).
  ['gemspec', '1.0.a', '1.0', -1],
  ['gem', '1.8.2.a', '1.8.2.b', -1],
  ['bundler', '1.8.2.a9', '1.8.2.a10', -1],
  ['gem', '1.0', '1.0.0', 0],
  ['gem', '1.0.0-rc1', '1.0.0', -1],
  ['gemspec', '6.0.2.1', '6.0.3.1', -1],
  ['gemspec', '5.2.4.3', '6.0.2.1', -1],
  ['gem', '0.10.1', '0.10.2', -1],
  // Anything else: natural order.
  ['conda-pkg', '1.10', '1.9', 1],
  ['unknown-type', '1.0rc1', '1.0', -1],
  ['unknown-type', '1.0', '1.0.1', -1],
  ['unknown-type', '2.0', '2.0', 0],
];

/** Lines of apk-tools' own test/version.data (`a op b`), leading zeros and suffixes among them. */
const APK_VERSION_DATA = `
2.34 > 0.1.0_alpha
23_foo > 4_beta
1.0 < 1.0bc
0.1.0_alpha2 > 0.1.0_alpha
1.1 > 1.1_alpha1
1.2.1 > 1.2
0.12.3 > 0.12
3.10.18-r1 > 2.3.0b-r1
2.3.0b-r1 < 2.3.0b-r2
3.1_p16 < 3.1_p17
3.1_p17 > 1.06-r6
1.06-r6 < 006
006 > 1.0.0
2.01.01_alpha10 > 0.94
1.00_beta2 > 0.9.2
1.39 > 1.00_beta2
7.15.1-r1 > 1.02
1.02 < 1.03-r1
4.2.52_p4-r2 > 1.02.07
1.02.07 < 1.02.10-r1
1.05-r18 < 1.05-r19
2.2.3-r2 < 013
013 < 014-r1
0.9.16-r1 < 3.9_pre20060124
3.9_pre20060124 > 0.01
0.01 < 0.06
0.06 < 1.1.7
1.1.7 < 6b-r7
2.5.1-r8 < 2.5.1a-r1
1.2.07.8 < 1.2.12.04
1.2.12.04 < 1.2.12.05
1.6d > 1.2.07.8
2.10.1 > 02.08.01b
5.1 > 2.02.06
2.02.06 < 2.02.10
0.98 < 1.00
4.01 < 4.20
4.20 > 0.20070118
0.20070118 < 0.20070207_rc1
1.07-r1 < 1.07.5
1.07.5 > 1.07
1.07 < 1.19
4.5.14 > 4.09-r1
0.9.28.1 < 087-r1
3.0.0-r2 < 021109-r3
021109-r3 < 20060512
20040406-r1 > 2.12r-r4
2.12r-r4 < 2.12r-r5
0.59s-r11 < 0.65
4.5_p1-r1 > 4.5_p1
1.3-r0 < 1.3.1-r0
1.3_pre1-r1 < 1.3.2
1.0_p10-r0 > 1.0_p9-r0
0.1.0_alpha_pre2 < 0.1.0_alpha
1.0.0_pre20191002222144-r0 < 1.0.0_pre20210530193627-r0
2.0.0_rc3-r1 > 1.5
`
  .trim()
  .split('\n')
  .map((line) => line.split(' ') as [string, '<' | '>' | '=', string]);

describe('apk-tools test/version.data', () => {
  it.each(APK_VERSION_DATA)('%s %s %s', (a, op, b) => {
    const expected = op === '<' ? -1 : op === '>' ? 1 : 0;
    expect(compareVersions('apk', a, b)).toBe(expected);
    expect(compareVersions('apk', b, a)).toBe(-expected || 0);
  });
});

describe('compareVersions', () => {
  it.each(CASES)('%s: %s vs %s → %i', (ecosystem, a, b, expected) => {
    expect(compareVersions(ecosystem, a, b)).toBe(expected);
    // Antisymmetry: the reverse comparison gives the opposite answer.
    expect(compareVersions(ecosystem, b, a)).toBe(-expected || 0);
  });

  it('differs by ecosystem where the rules differ', () => {
    // dpkg reads `~` as a pre-release, a plain natural order does not.
    expect(compareVersions('debian', '1.0~rc1', '1.0')).toBe(-1);
    expect(compareVersions('rpm', '6.0.rc1', '6.0')).toBe(1);
    expect(compareVersions('maven', '6.0.rc1', '6.0')).toBe(-1);
  });

  it('sorts a real list of fixed versions in each ecosystem', () => {
    const sorted = ['1.1.1d-r2', '1.1.1c-r0', '1.1.1d-r0', '1.1.1d_rc1-r0'].sort((a, b) =>
      compareVersions('alpine', a, b),
    );
    expect(sorted).toEqual(['1.1.1c-r0', '1.1.1d_rc1-r0', '1.1.1d-r0', '1.1.1d-r2']);
  });
});

describe('versionEcosystemOf', () => {
  it.each([
    ['npm', undefined, 'semver'],
    ['node-pkg', undefined, 'semver'],
    ['python-pkg', undefined, 'pep440'],
    ['poetry', undefined, 'pep440'],
    ['java-archive', undefined, 'maven'],
    ['pom', undefined, 'maven'],
    ['gobinary', undefined, 'go'],
    ['ubuntu', undefined, 'debian'],
    ['deb', undefined, 'debian'],
    ['rocky', undefined, 'rpm'],
    ['amazon', undefined, 'rpm'],
    ['wolfi', undefined, 'apk'],
    ['gemspec', undefined, 'rubygems'],
    ['cargo', undefined, 'semver'],
    ['conan', undefined, 'semver'],
    // The type words package keys read too (package-key.ts), Trivy's and Grype's alike.
    ['sles', undefined, 'rpm'],
    ['almalinux', undefined, 'rpm'],
    ['opensuse.leap', undefined, 'rpm'],
    ['minimos', undefined, 'apk'],
    ['dpkg', undefined, 'debian'],
    ['ruby', undefined, 'rubygems'],
    ['composer-vendor', undefined, 'semver'],
    ['rust-crate', undefined, 'semver'],
    ['conda-pkg', undefined, 'generic'],
    [undefined, 'pkg:deb/debian/bash@5.0-4?arch=amd64', 'debian'],
    ['sles', 'pkg:rpm/suse/openssl@1.1.1l-150400.7.28.1?distro=sles-15.4', 'rpm'],
    ['library', 'pkg:maven/org.apache/commons@1.0', 'maven'],
    [undefined, 'pkg:golang/golang.org/x/text@v0.3.6', 'go'],
    ['something-else', undefined, 'generic'],
    [undefined, undefined, 'generic'],
  ] as const)('%s (%s) → %s', (type, purl, expected) => {
    expect(versionEcosystemOf({ type, purl })).toBe(expected);
  });
});
