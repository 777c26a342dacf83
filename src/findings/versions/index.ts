/**
 * Version comparison by ecosystem: each package manager orders versions by
 * its own rules (dpkg's `~`, rpm's `^`, Maven's qualifiers, PEP 440's dev
 * releases…), so "smallest fixed version" must ask the right one. Pure.
 */
import type { PackageRef } from '../finding.js';
import { packagePurlType, purlTypeOf } from '../package-key.js';
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

/**
 * The version rules of each PURL type; scanners' type words reach it through
 * `purlTypeOf` (package-key.ts), the one table of them. Unlisted types
 * (conda, alpm, …) compare by the generic order.
 */
const ECOSYSTEM_BY_PURL_TYPE: Record<string, Ecosystem> = {
  ...table('semver', 'npm cargo composer nuget conan pub hex swift cocoapods'),
  pypi: 'pep440',
  maven: 'maven',
  golang: 'go',
  deb: 'debian',
  rpm: 'rpm',
  apk: 'apk',
  gem: 'rubygems',
};

function table(ecosystem: Ecosystem, types: string): Record<string, Ecosystem> {
  return Object.fromEntries(types.split(' ').map((type) => [type, ecosystem]));
}

const ECOSYSTEM_NAMES: ReadonlySet<string> = new Set(ECOSYSTEMS);

/**
 * The version rules of a package: those of its PURL's type when it has a
 * PURL (`pkg:deb/debian/bash@5.0` → `debian`), else of its type word's
 * (`npm`, `sles`, `java-archive`, …); `generic` when neither says.
 */
export function versionEcosystemOf(pkg: Pick<PackageRef, 'type' | 'purl'>): Ecosystem {
  return ECOSYSTEM_BY_PURL_TYPE[packagePurlType(pkg)] ?? 'generic';
}

/**
 * An ecosystem name as is; a package type word (`ubuntu`, `gemspec`) as
 * `versionEcosystemOf` reads it.
 */
export function resolveEcosystem(ecosystem: string): Ecosystem {
  return ECOSYSTEM_NAMES.has(ecosystem)
    ? (ecosystem as Ecosystem)
    : (ECOSYSTEM_BY_PURL_TYPE[purlTypeOf(ecosystem)] ?? 'generic');
}

/**
 * Compares two versions by the rules of `ecosystem` (an ecosystem name or a
 * package type). Negative when `a` is older, 0 when equal, positive when newer.
 */
export function compareVersions(ecosystem: string, a: string, b: string): number {
  return Math.sign(COMPARATORS[resolveEcosystem(ecosystem)](a, b));
}
