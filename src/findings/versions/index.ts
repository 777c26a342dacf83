/**
 * Version comparison by ecosystem: each package manager orders versions by
 * its own rules (dpkg's `~`, rpm's `^`, Maven's qualifiers, PEP 440's dev
 * releases…), so "smallest fixed version" must ask the right one. Pure.
 */
import { compareApk } from './apk.js';
import { compareDebian } from './debian.js';
import { compareGeneric } from './generic.js';
import { compareMaven } from './maven.js';
import { comparePep440 } from './pep440.js';
import { compareRpm } from './rpm.js';
import { compareRubyGems } from './rubygems.js';
import { compareGo, compareSemver } from './semver.js';

export const ECOSYSTEMS = [
  'semver',
  'pep440',
  'maven',
  'go',
  'debian',
  'rpm',
  'apk',
  'rubygems',
  'generic',
] as const;
export type Ecosystem = (typeof ECOSYSTEMS)[number];

/** The comparator of each ecosystem (the strategy table). */
const COMPARATORS: Record<Ecosystem, (a: string, b: string) => number> = {
  semver: compareSemver,
  pep440: comparePep440,
  maven: compareMaven,
  go: compareGo,
  debian: compareDebian,
  rpm: compareRpm,
  apk: compareApk,
  rubygems: compareRubyGems,
  generic: compareGeneric,
};

/** Package types as Trivy (`Result.Type`) and Grype (`artifact.type`) name them, and PURL types. */
const TYPE_TO_ECOSYSTEM: Record<string, Ecosystem> = {
  ...Object.fromEntries(ECOSYSTEMS.map((e) => [e, e])),
  ...table(
    'semver',
    'npm node-pkg yarn pnpm bun javascript cargo rust-crate rust-binary composer composer-vendor php-composer nuget dotnet-core dotnet-deps packages-props conan conan-lock pub dart-pub hex swift cocoapods',
  ),
  ...table('pep440', 'pip python-pkg pipenv poetry uv python pypi'),
  ...table('maven', 'jar pom gradle sbt java-archive jenkins-plugin maven war ear par'),
  ...table('go', 'gomod gobinary go-module golang'),
  ...table('debian', 'debian ubuntu deb dpkg'),
  ...table(
    'rpm',
    'redhat centos rocky alma almalinux amazon rpm fedora oracle photon suse sles opensuse opensuse-leap opensuse.leap opensuse-tumbleweed cbl-mariner azurelinux mariner openeuler',
  ),
  ...table('apk', 'alpine apk wolfi chainguard minimos'),
  ...table('rubygems', 'gemspec bundler gem ruby'),
};

function table(ecosystem: Ecosystem, types: string): Record<string, Ecosystem> {
  return Object.fromEntries(types.split(' ').map((type) => [type, ecosystem]));
}

/**
 * The ecosystem of a package type (`npm`, `debian`, `java-archive`, …), or of
 * a PURL (`pkg:deb/debian/bash@5.0`) when the type is unknown; `generic` when
 * neither says.
 */
export function ecosystemOf(packageType: string | undefined, purl?: string): Ecosystem {
  const byType = TYPE_TO_ECOSYSTEM[(packageType ?? '').trim().toLowerCase()];
  if (byType) return byType;
  const purlType = /^pkg:([a-z0-9.+-]+)\//i.exec(purl ?? '')?.[1]?.toLowerCase();
  return (purlType && TYPE_TO_ECOSYSTEM[purlType]) || 'generic';
}

/**
 * Compares two versions by the rules of `ecosystem` (an ecosystem name or a
 * package type). Negative when `a` is older, 0 when equal, positive when newer.
 */
export function compareVersions(ecosystem: string, a: string, b: string): number {
  return Math.sign(COMPARATORS[ecosystemOf(ecosystem)](a, b));
}
