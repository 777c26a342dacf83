/**
 * One key per package, however a scanner names it (SPEC section 5,
 * "Merging": packages match by PURL when both sides have one, else by type,
 * name and version). Merging and fingerprints both use it, so a merged
 * finding's id does not depend on which scanner came first. Pure.
 *
 * Decisions:
 * - The key is `<purl type>/<name as scanners spell it>`. From a PURL the
 *   name is `namespace/name` (`golang.org/x/net`, `@scope/pkg`,
 *   `vendor/name`), `group:artifact` for Maven (Trivy's spelling); without a
 *   PURL it is the scanner's name, and its type word is mapped to a PURL type
 *   (Trivy `gemspec`, Grype `gem` → `gem`). Trivy 0.44 writes no PURL and
 *   Grype always does, so both forms must meet.
 * - Qualifiers, version and subpath of a PURL are not part of it: each
 *   scanner spells `distro=` its own way (`rhel-9.1` vs `redhat-9.1`); the
 *   installed version is compared separately.
 * - OS package types (apk, deb, rpm, alpm): the namespace is the vendor,
 *   which scanners also name differently; the target already pins the distro.
 * - Names compare case-insensitively; PyPI names as PEP 503 normalises them.
 */
import type { PackageRef } from './finding.js';

const OS_PURL_TYPES = new Set(['apk', 'deb', 'rpm', 'alpm']);

/** Scanner type words → PURL type. */
const ECOSYSTEMS: Record<string, string> = {
  alpine: 'apk',
  wolfi: 'apk',
  chainguard: 'apk',
  apk: 'apk',
  debian: 'deb',
  ubuntu: 'deb',
  deb: 'deb',
  redhat: 'rpm',
  centos: 'rpm',
  rocky: 'rpm',
  alma: 'rpm',
  amazon: 'rpm',
  oracle: 'rpm',
  fedora: 'rpm',
  'cbl-mariner': 'rpm',
  azurelinux: 'rpm',
  photon: 'rpm',
  suse: 'rpm',
  opensuse: 'rpm',
  rpm: 'rpm',
  gemspec: 'gem',
  bundler: 'gem',
  gem: 'gem',
  npm: 'npm',
  yarn: 'npm',
  pnpm: 'npm',
  'node-pkg': 'npm',
  bun: 'npm',
  pip: 'pypi',
  pipenv: 'pypi',
  poetry: 'pypi',
  uv: 'pypi',
  'python-pkg': 'pypi',
  python: 'pypi',
  pypi: 'pypi',
  jar: 'maven',
  pom: 'maven',
  gradle: 'maven',
  sbt: 'maven',
  'java-archive': 'maven',
  maven: 'maven',
  gomod: 'golang',
  gobinary: 'golang',
  'go-module': 'golang',
  golang: 'golang',
  go: 'golang',
  cargo: 'cargo',
  'rust-binary': 'cargo',
  'rust-crate': 'cargo',
  composer: 'composer',
  'php-composer': 'composer',
  nuget: 'nuget',
  'dotnet-core': 'nuget',
  'dotnet-deps': 'nuget',
  dotnet: 'nuget',
  'packages-props': 'nuget',
  conan: 'conan',
  'conda-pkg': 'conda',
  conda: 'conda',
  hex: 'hex',
  mix: 'hex',
  pub: 'pub',
  'dart-pub': 'pub',
  cocoapods: 'cocoapods',
  pod: 'cocoapods',
  swift: 'swift',
};

/** The parts of a PURL packages are compared by. */
export interface PurlParts {
  type: string;
  namespace: string;
  name: string;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `pkg:type/namespace/name@version?qualifiers#subpath` → type, namespace and name (lower-case). */
export function parsePurl(purl: string): PurlParts | undefined {
  const match = /^pkg:([^/]+)\/(.+?)(?:@[^?#]*)?(?:\?[^#]*)?(?:#.*)?$/.exec(purl.trim());
  if (!match) return undefined;
  const segments = (match[2] ?? '').split('/').map(decodeSegment);
  const name = segments.pop() ?? '';
  const type = (match[1] ?? '').toLowerCase();
  if (name === '') return undefined;
  return { type, namespace: segments.join('/').toLowerCase(), name: name.toLowerCase() };
}

/** The PURL type a scanner's type word stands for (the word itself when unknown). */
export function ecosystemOf(type: string | undefined): string {
  const word = (type ?? '').trim().toLowerCase();
  return ECOSYSTEMS[word] ?? word;
}

/** A package name as the scanners that spell it in full write it (Trivy's Maven `group:artifact`). */
function spellPurlName(ecosystem: string, purl: PurlParts): string {
  if (purl.namespace === '' || OS_PURL_TYPES.has(ecosystem)) return purl.name;
  return ecosystem === 'maven'
    ? `${purl.namespace}:${purl.name}`
    : `${purl.namespace}/${purl.name}`;
}

function normaliseName(ecosystem: string, name: string): string {
  const lower = name.trim().toLowerCase();
  return ecosystem === 'pypi' ? lower.replace(/[-_.]+/g, '-') : lower;
}

/**
 * `<purl type>/<name>`: equal for two reports of one package, whether they
 * came with a PURL or with a type and a name.
 */
export function packageKey(pkg: Pick<PackageRef, 'name' | 'type' | 'purl'>): string {
  const purl = pkg.purl === undefined || pkg.purl === '' ? undefined : parsePurl(pkg.purl);
  if (purl !== undefined) {
    const ecosystem = ecosystemOf(purl.type);
    return `${ecosystem}/${normaliseName(ecosystem, spellPurlName(ecosystem, purl))}`;
  }
  const ecosystem = ecosystemOf(pkg.type);
  return `${ecosystem}/${normaliseName(ecosystem, pkg.name)}`;
}
