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

/**
 * The one table of package type words: what Trivy (`Result.Type`: OS
 * families and language types), Grype (`artifact.type`) and PURLs call a
 * kind of package → its PURL type. Package keys and version rules
 * (`versions/index.ts`) both read it, so a report without PURLs (Trivy 0.44,
 * a SLES image's `sles`) keys and compares its packages as the report with
 * them (Grype's `rpm`) does.
 */
const PURL_TYPES: Record<string, string> = {
  ...purlType('apk', 'alpine wolfi chainguard minimos apk'),
  ...purlType('deb', 'debian ubuntu echo deb dpkg'),
  ...purlType(
    'rpm',
    'redhat centos rocky alma almalinux amazon oracle fedora cbl-mariner mariner azurelinux photon suse sles slem opensuse opensuse-leap opensuse.leap opensuse-tumbleweed opensuse.tumbleweed openeuler rpm',
  ),
  ...purlType('alpm', 'alpm'),
  ...purlType('gem', 'gemspec bundler gem ruby'),
  ...purlType('npm', 'npm yarn pnpm bun node-pkg javascript'),
  ...purlType('pypi', 'pip pipenv poetry uv python-pkg python pypi'),
  ...purlType('maven', 'jar pom gradle sbt java-archive jenkins-plugin war ear par maven'),
  ...purlType('golang', 'gomod gobinary go-module go golang'),
  ...purlType('cargo', 'cargo rust-binary rust-crate'),
  ...purlType('composer', 'composer composer-vendor php-composer'),
  ...purlType('nuget', 'nuget dotnet-core dotnet-deps dotnet packages-props'),
  ...purlType('conan', 'conan conan-lock'),
  ...purlType('conda', 'conda-pkg conda-environment conda'),
  ...purlType('hex', 'hex mix'),
  ...purlType('pub', 'pub dart-pub'),
  ...purlType('cocoapods', 'cocoapods pod'),
  ...purlType('swift', 'swift'),
};

function purlType(type: string, words: string): Record<string, string> {
  return Object.fromEntries(words.split(' ').map((word) => [word, type]));
}

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
export function purlTypeOf(type: string | undefined): string {
  const word = (type ?? '').trim().toLowerCase();
  return PURL_TYPES[word] ?? word;
}

/** A package's PURL type: its PURL's when it has one, else its type word's. */
export function packagePurlType(pkg: Pick<PackageRef, 'type' | 'purl'>): string {
  const purl = pkg.purl === undefined || pkg.purl === '' ? undefined : parsePurl(pkg.purl);
  return purlTypeOf(purl?.type ?? pkg.type);
}

/** A package name as the scanners that spell it in full write it (Trivy's Maven `group:artifact`). */
function spellPurlName(type: string, purl: PurlParts): string {
  if (purl.namespace === '' || OS_PURL_TYPES.has(type)) return purl.name;
  return type === 'maven' ? `${purl.namespace}:${purl.name}` : `${purl.namespace}/${purl.name}`;
}

function normaliseName(type: string, name: string): string {
  const lower = name.trim().toLowerCase();
  return type === 'pypi' ? lower.replace(/[-_.]+/g, '-') : lower;
}

/**
 * `<purl type>/<name>`: equal for two reports of one package, whether they
 * came with a PURL or with a type and a name.
 */
export function packageKey(pkg: Pick<PackageRef, 'name' | 'type' | 'purl'>): string {
  const purl = pkg.purl === undefined || pkg.purl === '' ? undefined : parsePurl(pkg.purl);
  if (purl !== undefined) {
    const type = purlTypeOf(purl.type);
    return `${type}/${normaliseName(type, spellPurlName(type, purl))}`;
  }
  const type = purlTypeOf(pkg.type);
  return `${type}/${normaliseName(type, pkg.name)}`;
}
