/**
 * Merging duplicates (spec section 5): the same vulnerability in the same
 * package and installed version of the same target is one finding, whoever
 * reported it and under whichever id. Pure and order-stable: a merged
 * finding takes the position of its first reporter.
 *
 * Decisions:
 * - Vulnerabilities are grouped by one key: canonical id
 *   (`vulnerability-id.ts`: the CVE, a GHSA's one CVE alias, else the id
 *   itself), package key (`package-key.ts`: PURL when known, else type and
 *   name, both spelled alike), installed version and target. There is no
 *   transitive union over aliases: an advisory listing two CVEs would
 *   otherwise collapse two findings into one (an undercount, and a waiver of
 *   one would hide the other). Two findings whose ids are different CVEs are
 *   never one finding.
 * - The merged `ruleId` is a CVE when one of the reports used a CVE as its
 *   id (Grype may report the GHSA first), else the first reporter's id, so
 *   the id, and the fingerprint built on it, does not depend on which
 *   scanner ran first.
 * - Targets compare through `image-ref.ts`: `docker-archive:img.tar` is
 *   Trivy's `img.tar`, `docker.io/library/alpine:3.10` is `alpine:3.10`; the
 *   tag and digest still count (two tags of an image are two targets).
 * - Other findings (secrets, misconfigurations, licenses, pinning) merge
 *   when kind, rule, file and start line are equal (target and package
 *   stand in for the file when there is none), unless they come from one
 *   report that describes them differently (`toldApartByOneReport`).
 * - A merged finding keeps every reporter's package name
 *   (`package.aliases`: Trivy's Maven `group:artifact`, Grype's `artifact`),
 *   so a waiver's `package:` does not depend on which scanner came first,
 *   and every reporter's own id (`sourceIds`), so a Grype rule on its GHSA
 *   does not depend on whether Trivy also reported the CVE.
 */
import { maxSeverity, type Finding, type PackageRef, type Severity } from './finding.js';
import { targetReference } from './image-ref.js';
import { packageKey } from './package-key.js';
import { canonicalVulnerabilityId, isCveId } from './vulnerability-id.js';

/** Merges findings that describe the same problem; keeps the order of first reports. */
export function mergeFindings(findings: Finding[]): Finding[] {
  return groupDuplicates(findings).map((members) =>
    members.length === 1 ? (members[0] as Finding) : mergeGroup(members),
  );
}

function groupDuplicates(findings: Finding[]): Finding[][] {
  const groups: Finding[][] = [];
  const byKey = new Map<string, Finding[][]>();
  for (const finding of findings) {
    const key = readMergeKey(finding);
    const candidates = byKey.get(key) ?? [];
    // Nearly always one candidate; several only when one report told results apart.
    const group = candidates.find((g) => g.every((m) => !toldApartByOneReport(m, finding)));
    if (group !== undefined) {
      group.push(finding);
      continue;
    }
    const created = [finding];
    groups.push(created);
    candidates.push(created);
    byKey.set(key, candidates);
  }
  return groups;
}

/**
 * Merging is for one problem seen by several reporters. When one report lists
 * two results under the same rule at the same place but says different things
 * about them, the tool has already told them apart (Trivy's SARIF puts every
 * vulnerable package of an image at the image, line 1, and names the package
 * only in the message): they stay two findings. Package findings are exempt:
 * their key already holds the package and version.
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

/** Everything two reports of one problem must share, the id included. */
function readMergeKey(finding: Finding): string {
  if (finding.kind === 'vulnerability' && finding.package) {
    return [
      'vuln',
      targetReference(finding.target),
      packageKey(finding.package),
      finding.package.installedVersion ?? '',
      canonicalVulnerabilityId(finding),
    ].join('\u0000');
  }
  const place = finding.location
    ? [finding.location.path, String(finding.location.startLine)]
    : [targetReference(finding.target), finding.subTarget ?? '', finding.package?.name ?? ''];
  return [finding.kind, ...place, finding.ruleId.trim().toUpperCase()].join('\u0000');
}

function mergeGroup(members: Finding[]): Finding {
  const first = members[0] as Finding;
  const ruleId = isCveId(first.ruleId)
    ? first.ruleId
    : (members.find((m) => isCveId(m.ruleId))?.ruleId ?? first.ruleId);
  const ids = unique(members.flatMap((m) => [m.ruleId, ...m.aliases]));
  const severity = members.map((m) => m.severity).reduce(maxSeverity);
  const severityBySource = readSeverityBySource(members);
  const scores = members.map((m) => m.cvssScore).filter((s): s is number => s !== undefined);
  const merged: Finding = {
    ...first,
    // An imported report's own fingerprint (`securityGate/v1`) is kept over recomputing it.
    id: members.find((m) => m.id !== '')?.id ?? '',
    ruleId,
    aliases: ids.filter((id) => id.toUpperCase() !== ruleId.toUpperCase()),
    severity,
    title: members.find((m) => m.title !== '')?.title ?? first.title,
    description: members.find((m) => m.description !== '')?.description ?? first.description,
    tools: unique(members.flatMap((m) => m.tools)),
    references: unique(members.flatMap((m) => m.references)),
    properties: mergeProperties(members),
  };
  merged.sourceIds = readSourceIds(members);
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

/** The ids each tool reported the members under, so that rules on a reporter's own id still match. */
function readSourceIds(members: Finding[]): Record<string, string[]> {
  const byTool: Record<string, string[]> = {};
  for (const member of members) {
    const entries = member.sourceIds
      ? Object.entries(member.sourceIds)
      : member.tools.map((tool): [string, string[]] => [tool, [member.ruleId]]);
    for (const [tool, ids] of entries) byTool[tool] = unique([...(byTool[tool] ?? []), ...ids]);
  }
  return byTool;
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

function mergePackages(members: Finding[]): PackageRef {
  const packages = members.map((m) => m.package).filter((p): p is PackageRef => p !== undefined);
  const base = packages[0] as PackageRef;
  const fill = <K extends 'installedVersion' | 'type' | 'purl' | 'manifestPath'>(key: K) =>
    packages.find((p) => p[key] !== undefined && p[key] !== '')?.[key];
  const merged: PackageRef = {
    ...base,
    fixedVersions: unique(packages.flatMap((p) => p.fixedVersions)),
  };
  for (const key of ['installedVersion', 'type', 'purl', 'manifestPath'] as const) {
    const value = fill(key);
    if (value !== undefined) merged[key] = value;
  }
  // Every reporter's spelling of the name, so `package:` waivers match whichever came first.
  const aliases = unique(packages.flatMap((p) => [p.name, ...(p.aliases ?? [])])).filter(
    (name) => name !== base.name,
  );
  if (aliases.length > 0) merged.aliases = aliases;
  else delete merged.aliases;
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
