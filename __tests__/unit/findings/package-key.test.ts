import { describe, expect, it } from 'vitest';
import type { PackageRef } from '../../../src/findings/finding.js';
import { packageKey, parsePurl, purlTypeOf } from '../../../src/findings/package-key.js';
import { versionEcosystemOf } from '../../../src/findings/versions/index.js';
import {
  grypeVulnerabilityFindings,
  trivyVulnerabilityFindings,
} from '../importers/fixture-findings.js';

type Pkg = Pick<PackageRef, 'name' | 'type' | 'purl'>;

describe('packageKey', () => {
  it.each<[string, Pkg, Pkg]>([
    [
      'Maven: Trivy group:artifact without PURL, Grype artifact with PURL',
      { name: 'com.fasterxml.jackson.core:jackson-databind', type: 'pom' },
      {
        name: 'jackson-databind',
        type: 'java-archive',
        purl: 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.1',
      },
    ],
    [
      'Go module path',
      { name: 'golang.org/x/net', type: 'gomod' },
      { name: 'golang.org/x/net', type: 'go-module', purl: 'pkg:golang/golang.org/x/net@v0.7.0' },
    ],
    [
      'npm scope',
      { name: '@babel/core', type: 'npm' },
      { name: '@babel/core', type: 'npm', purl: 'pkg:npm/%40babel/core@7.0.0' },
    ],
    [
      'composer vendor/name',
      { name: 'symfony/http-kernel', type: 'composer' },
      {
        name: 'symfony/http-kernel',
        type: 'php-composer',
        purl: 'pkg:composer/symfony/http-kernel@4.4.0',
      },
    ],
    [
      'gem: Trivy gemspec, Grype gem',
      { name: 'uri', type: 'gemspec' },
      { name: 'uri', type: 'gem', purl: 'pkg:gem/uri@0.10.1' },
    ],
    [
      'PyPI names as PEP 503 normalises them',
      { name: 'Typing_Extensions', type: 'python-pkg' },
      { name: 'typing-extensions', type: 'python', purl: 'pkg:pypi/typing-extensions@4.0.0' },
    ],
    [
      'OS packages: the vendor namespace and the qualifiers do not count',
      { name: 'nss', type: 'redhat', purl: 'pkg:rpm/redhat/nss@3.79?distro=redhat-9.1' },
      { name: 'nss', type: 'rpm', purl: 'pkg:rpm/rhel/nss@3.79?arch=x86_64&distro=rhel-9.1' },
    ],
  ])('one key for %s', (_label, a, b) => {
    expect(packageKey(a)).toBe(packageKey(b));
  });

  it.each<[string, Pkg, Pkg]>([
    [
      'two Maven groups',
      { name: 'org.example:core', type: 'jar' },
      { name: 'core', type: 'java-archive', purl: 'pkg:maven/org.other/core@1' },
    ],
    [
      'two npm scopes',
      { name: '@a/util', type: 'npm' },
      { name: 'util', type: 'npm', purl: 'pkg:npm/%40b/util@1' },
    ],
    [
      'two ecosystems',
      { name: 'requests', type: 'pip' },
      { name: 'requests', type: 'gem', purl: 'pkg:gem/requests@1' },
    ],
  ])('two keys for %s', (_label, a, b) => {
    expect(packageKey(a)).not.toBe(packageKey(b));
  });

  // Trivy without PURLs (0.44, or a result type it writes none for) names a package by its
  // OS family or language type; Grype by its artifact type and a PURL. Each pair is one key
  // and one set of version rules, or the same vulnerability is counted twice.
  it.each([
    // Trivy OS families (Metadata.OS.Family / Result.Type) → Grype artifact type, PURL type.
    ['alpine', 'apk', 'apk'],
    ['wolfi', 'apk', 'apk'],
    ['chainguard', 'apk', 'apk'],
    ['minimos', 'apk', 'apk'],
    ['debian', 'deb', 'deb'],
    ['ubuntu', 'deb', 'deb'],
    ['dpkg', 'deb', 'deb'],
    ['redhat', 'rpm', 'rpm'],
    ['centos', 'rpm', 'rpm'],
    ['rocky', 'rpm', 'rpm'],
    ['alma', 'rpm', 'rpm'],
    ['almalinux', 'rpm', 'rpm'],
    ['amazon', 'rpm', 'rpm'],
    ['oracle', 'rpm', 'rpm'],
    ['fedora', 'rpm', 'rpm'],
    ['photon', 'rpm', 'rpm'],
    ['cbl-mariner', 'rpm', 'rpm'],
    ['azurelinux', 'rpm', 'rpm'],
    ['sles', 'rpm', 'rpm'],
    ['suse', 'rpm', 'rpm'],
    ['opensuse', 'rpm', 'rpm'],
    ['opensuse.leap', 'rpm', 'rpm'],
    ['opensuse-leap', 'rpm', 'rpm'],
    ['opensuse.tumbleweed', 'rpm', 'rpm'],
    // Trivy language types → Grype artifact type, PURL type.
    ['gemspec', 'gem', 'gem'],
    ['bundler', 'gem', 'gem'],
    ['ruby', 'gem', 'gem'],
    ['npm', 'npm', 'npm'],
    ['node-pkg', 'npm', 'npm'],
    ['yarn', 'npm', 'npm'],
    ['pnpm', 'npm', 'npm'],
    ['python-pkg', 'python', 'pypi'],
    ['pipenv', 'python', 'pypi'],
    ['poetry', 'python', 'pypi'],
    ['pip', 'python', 'pypi'],
    ['gomod', 'go-module', 'golang'],
    ['gobinary', 'go-module', 'golang'],
    ['cargo', 'rust-crate', 'cargo'],
    ['rust-binary', 'rust-crate', 'cargo'],
    ['composer', 'php-composer', 'composer'],
    ['composer-vendor', 'php-composer', 'composer'],
    ['nuget', 'dotnet', 'nuget'],
    ['dotnet-core', 'dotnet', 'nuget'],
    ['conan', 'conan', 'conan'],
    ['pub', 'dart-pub', 'pub'],
    ['hex', 'hex', 'hex'],
    ['cocoapods', 'pod', 'cocoapods'],
    ['swift', 'swift', 'swift'],
  ])('Trivy %s and Grype %s (pkg:%s) name one package', (trivyType, grypeType, purlType) => {
    const trivy = { name: 'openssl', type: trivyType };
    const grype = { name: 'openssl', type: grypeType, purl: `pkg:${purlType}/openssl@1.0` };
    expect(packageKey(trivy)).toBe(`${purlType}/openssl`);
    expect(packageKey(grype)).toBe(packageKey(trivy));
    expect(versionEcosystemOf(trivy)).toBe(versionEcosystemOf(grype));
  });

  it('gives the real alpine packages of Trivy and the derived Grype scan one key each', () => {
    const trivy = trivyVulnerabilityFindings('trivy/image-alpine-310.json');
    const keys = new Set(trivy.map((f) => packageKey(f.package!)));
    expect([...keys].sort()).toEqual(['apk/libcrypto1.1', 'apk/libssl1.1']);
    const grype = grypeVulnerabilityFindings('grype/real-0.65.1-java-ghsa.json');
    expect(new Set(grype.map((f) => packageKey(f.package!)))).toEqual(
      new Set(['maven/org.apache.httpcomponents:httpclient']),
    );
  });
});

describe('purl helpers', () => {
  it.each([
    [
      'pkg:apk/alpine/libssl1.1@1.1.1c-r0?arch=x86_64&distro=3.10.2',
      { type: 'apk', namespace: 'alpine', name: 'libssl1.1' },
    ],
    ['pkg:npm/%40babel/core@7.0.0', { type: 'npm', namespace: '@babel', name: 'core' }],
    ['pkg:gem/uri@0.10.1#lib', { type: 'gem', namespace: '', name: 'uri' }],
    ['not a purl', undefined],
  ])('parsePurl(%s)', (purl, expected) => {
    expect(parsePurl(purl)).toEqual(expected);
  });

  it.each([
    ['gemspec', 'gem'],
    ['java-archive', 'maven'],
    ['gomod', 'golang'],
    ['wolfi', 'apk'],
    ['Unknown-Thing', 'unknown-thing'],
    [undefined, ''],
  ])('purlTypeOf(%s) = %s', (type, expected) => {
    expect(purlTypeOf(type)).toBe(expected);
  });
});
