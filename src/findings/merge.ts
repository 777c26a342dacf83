/**
 * Merging duplicates (spec section 5): the same vulnerability in the same
 * package and installed version of the same target is one finding, whoever
 * reported it and under whichever id. Pure and order-stable: a merged
 * finding takes the position of its first reporter.
 *
 * Decisions:
 * - Ids are compared through aliases, transitively: if A lists B and B's
 *   other report lists C, all three are one finding.
 * - The merged `ruleId` is a CVE when one of the reports used a CVE as its
 *   id (Grype may report the GHSA first), else the first reporter's id, so
 *   the id, and the fingerprint built on it, does not depend on which
 *   scanner ran first.
 * - Packages: with a PURL on both sides, compare the PURLs without their
 *   qualifiers (`?arch=…&distro=…`: each scanner spells the distro its own
 *   way, `distro=rhel-9.1` vs `distro=redhat-9.1`) and without subpath. For
 *   OS package types (apk, deb, rpm) the namespace is the vendor, which the
 *   scanners also name differently (`rhel` vs `redhat`); the target already
 *   pins the distro, so it is ignored there. Without a PURL on one side,
 *   compare ecosystem + name (the scanners' type words are mapped to PURL
 *   types: Trivy `gemspec` and Grype `gem` are both `gem`).
 * - Targets are compared after dropping Docker Hub's implicit
 *   `docker.io/library/` prefix, which one scanner may add.
 * - Other findings (secrets, misconfigurations, licenses, pinning) merge
 *   when kind, rule, file and start line are equal (target and package
 *   stand in for the file when there is none), unless they come from one
 *   report that describes them differently (`toldApartByOneReport`).
 */
import { maxSeverity, type Finding, type Severity } from './finding.js';

/** Merges findings that describe the same problem; keeps the order of first reports. */
export function mergeFindings(findings: Finding[]): Finding[] {
  const groups = groupDuplicates(findings);
  return groups.map((members) =>
    members.length === 1 ? (members[0] as Finding) : mergeGroup(members),
  );
}

function groupDuplicates(findings: Finding[]): Finding[][] {
  const parent = findings.map((_, index) => index);
  const find = (index: number): number => {
    let root = index;
    while (parent[root] !== root) root = parent[root] as number;
    parent[index] = root;
    return root;
  };
  const union = (a: number, b: number): void => {
    const rootA = find(a);
    const rootB = find(b);
    // The earlier finding stays the root so the group keeps its first position.
    if (rootA !== rootB) parent[Math.max(rootA, rootB)] = Math.min(rootA, rootB);
  };
  const firstById = new Map<string, number>();
  findings.forEach((finding, index) => {
    const bucket = readBucketKey(finding);
    const ids =
      finding.kind === 'vulnerability' && finding.package
        ? [finding.ruleId, ...finding.aliases]
        : [finding.ruleId];
    for (const id of ids) {
      const key = `${bucket}\u0000${id.trim().toUpperCase()}`;
      const seen = firstById.get(key);
      if (seen === undefined) firstById.set(key, index);
      else if (!toldApartByOneReport(findings[seen] as Finding, finding)) union(seen, index);
    }
  });
  const groups = new Map<number, Finding[]>();
  findings.forEach((finding, index) => {
    const root = find(index);
    const group = groups.get(root);
    if (group) group.push(finding);
    else groups.set(root, [finding]);
  });
  // Map iteration follows insertion order, and a root is always its group's first index.
  return [...groups.values()];
}

/**
 * Merging is for one problem seen by several reporters. When one report lists
 * two results under the same rule at the same place but says different things
 * about them, the tool has already told them apart (Trivy's SARIF puts every
 * vulnerable package of an image at the image, line 1, and names the package
 * only in the message): they stay two findings. Package findings are exempt:
 * their bucket already holds the package and version.
 */
function toldApartByOneReport(a: Finding, b: Finding): boolean {
  if (a.kind === 'vulnerability' && a.package !== undefined) return false;
  const sameReport =
    a.source.tool === b.source.tool &&
    a.source.scanner === b.source.scanner &&
    a.source.reportFile === b.source.reportFile &&
    a.source.automationId === b.source.automationId;
  return sameReport && (a.description !== b.description || a.title !== b.title);
}

/** Everything but the id that two reports of one problem must share. */
function readBucketKey(finding: Finding): string {
  if (finding.kind === 'vulnerability' && finding.package) {
    const pkg = finding.package;
    return [
      'vuln',
      normaliseTarget(finding.target),
      readPackageKey(finding),
      pkg.installedVersion ?? '',
    ].join('\u0000');
  }
  const place = finding.location
    ? [finding.location.path, String(finding.location.startLine)]
    : [normaliseTarget(finding.target), finding.subTarget ?? '', finding.package?.name ?? ''];
  return [finding.kind, ...place].join('\u0000');
}

/** Docker Hub references may or may not be spelled out (`docker.io/library/alpine` = `alpine`). */
export function normaliseTarget(target: string | undefined): string {
  const value = (target ?? '').trim().replace(/\/+$/, '');
  return value.replace(/^(?:index\.)?docker\.io\//, '').replace(/^library\//, '');
}

const OS_PURL_TYPES = new Set(['apk', 'deb', 'rpm', 'alpm']);

/** Scanner type words → PURL type, so that packages compare across scanners without a PURL. */
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

function readPackageKey(finding: Finding): string {
  const pkg = finding.package;
  if (!pkg) return '';
  const purl = pkg.purl ? parsePurl(pkg.purl) : undefined;
  if (purl) {
    const namespace = OS_PURL_TYPES.has(purl.type) ? '' : purl.namespace;
    return `purl\u0000${purl.type}\u0000${namespace}\u0000${purl.name}`;
  }
  const ecosystem = ECOSYSTEMS[(pkg.type ?? '').toLowerCase()] ?? (pkg.type ?? '').toLowerCase();
  // Maven names are `group:artifact` in Trivy and `artifact` in Grype.
  const name = ecosystem === 'maven' ? (pkg.name.split(':').pop() ?? pkg.name) : pkg.name;
  return `purl\u0000${ecosystem}\u0000\u0000${name.toLowerCase()}`;
}

interface PurlParts {
  type: string;
  namespace: string;
  name: string;
}

/** `pkg:type/namespace/name@version?qualifiers#subpath` → the parts packages are compared by. */
export function parsePurl(purl: string): PurlParts | undefined {
  const match = /^pkg:([^/]+)\/(.+?)(?:@[^?#]*)?(?:\?[^#]*)?(?:#.*)?$/.exec(purl.trim());
  if (!match) return undefined;
  const segments = (match[2] ?? '').split('/').map(decodeSegment);
  const name = segments.pop() ?? '';
  const type = (match[1] ?? '').toLowerCase();
  if (name === '') return undefined;
  return { type, namespace: segments.join('/').toLowerCase(), name: name.toLowerCase() };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function mergeGroup(members: Finding[]): Finding {
  const first = members[0] as Finding;
  const ruleId =
    members.find((m) => /^CVE-\d+-\d+$/i.test(m.ruleId) && !/^CVE-/i.test(first.ruleId))?.ruleId ??
    first.ruleId;
  const ids = unique(members.flatMap((m) => [m.ruleId, ...m.aliases]));
  const severity = members.map((m) => m.severity).reduce(maxSeverity);
  const severityBySource = readSeverityBySource(members);
  const scores = members.map((m) => m.cvssScore).filter((s): s is number => s !== undefined);
  const merged: Finding = {
    ...first,
    ruleId,
    aliases: ids.filter((id) => id.toUpperCase() !== ruleId.toUpperCase()),
    severity,
    title: members.find((m) => m.title !== '')?.title ?? first.title,
    description: members.find((m) => m.description !== '')?.description ?? first.description,
    tools: unique(members.flatMap((m) => m.tools)),
    references: unique(members.flatMap((m) => m.references)),
    properties: mergeProperties(members),
  };
  if (severityBySource) merged.severityBySource = severityBySource;
  else delete merged.severityBySource;
  if (scores.length > 0) merged.cvssScore = Math.max(...scores);
  const primaryUrl = members.find((m) => m.primaryUrl)?.primaryUrl;
  if (primaryUrl) merged.primaryUrl = primaryUrl;
  const location = members.find((m) => m.location)?.location;
  if (location) merged.location = location;
  if (first.package) merged.package = mergePackages(members);
  if (!merged.properties) delete merged.properties;
  else if (
    merged.package &&
    merged.package.fixedVersions.length > 0 &&
    'fixState' in merged.properties
  ) {
    // One report's `unknown` must not hide another's listed fix.
    merged.properties.fixState = 'fixed';
  }
  return merged;
}

/** Per-tool severities, kept only when the tools disagree; a tool's own worst rating stands for it. */
function readSeverityBySource(members: Finding[]): Record<string, Severity> | undefined {
  const byTool: Record<string, Severity> = {};
  for (const member of members) {
    const entries = member.severityBySource
      ? Object.entries(member.severityBySource)
      : member.tools.map((tool): [string, Severity] => [tool, member.severity]);
    for (const [tool, severity] of entries) {
      const known = byTool[tool];
      byTool[tool] = known ? maxSeverity(known, severity) : severity;
    }
  }
  return new Set(Object.values(byTool)).size > 1 ? byTool : undefined;
}

function mergePackages(members: Finding[]): Finding['package'] {
  const packages = members
    .map((m) => m.package)
    .filter((p): p is NonNullable<Finding['package']> => p !== undefined);
  const base = packages[0] as NonNullable<Finding['package']>;
  const fill = <K extends 'installedVersion' | 'type' | 'purl' | 'manifestPath'>(key: K) =>
    packages.find((p) => p[key] !== undefined && p[key] !== '')?.[key];
  const merged = { ...base, fixedVersions: unique(packages.flatMap((p) => p.fixedVersions)) };
  for (const key of ['installedVersion', 'type', 'purl', 'manifestPath'] as const) {
    const value = fill(key);
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/** First reporter's values win; list values are united (e.g. Grype match types). */
function mergeProperties(members: Finding[]): Finding['properties'] {
  const merged: NonNullable<Finding['properties']> = {};
  for (const member of members) {
    for (const [key, value] of Object.entries(member.properties ?? {})) {
      const known = merged[key];
      if (known === undefined || known === '') merged[key] = value;
      else if (Array.isArray(known) && Array.isArray(value))
        merged[key] = unique([...known, ...value]);
    }
  }
  return Object.keys(merged).length > 0 ? merged : undefined;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
