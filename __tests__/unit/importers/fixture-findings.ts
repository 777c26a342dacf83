/**
 * Findings made from the shared real fixtures for the SARIF tests, with a
 * deliberately small mapping (the real Trivy/Grype parsers live elsewhere):
 * only the fields the fingerprint and the writer read.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { normaliseSeverity, type Finding } from '../../../src/findings/finding.js';

export const SHARED_FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../fixtures/shared',
);
export const SARIF_FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../fixtures/sarif',
);

/** Parses a JSON fixture of the shared set (`trivy/…`, `grype/…`). */
export function readSharedJson(name: string): unknown {
  return JSON.parse(readFileSync(path.join(SHARED_FIXTURES, name), 'utf8'));
}

interface TrivyVulnerability {
  VulnerabilityID: string;
  PkgName: string;
  InstalledVersion: string;
  FixedVersion?: string;
  Severity: string;
  Title?: string;
  Description?: string;
  PrimaryURL?: string;
  PkgIdentifier?: { PURL?: string };
  CVSS?: Record<string, { V3Score?: number }>;
}
interface TrivyReport {
  ArtifactName: string;
  Results?: Array<{ Target: string; Type?: string; Vulnerabilities?: TrivyVulnerability[] }>;
}

/** Vulnerability findings of a Trivy JSON fixture, as scanner `trivy` found them. */
export function trivyVulnerabilityFindings(name: string): Finding[] {
  const report = readSharedJson(name) as TrivyReport;
  return (report.Results ?? []).flatMap((result) =>
    (result.Vulnerabilities ?? []).map((v): Finding => ({
      id: '',
      kind: 'vulnerability',
      ruleId: v.VulnerabilityID,
      aliases: [],
      severity: normaliseSeverity(v.Severity),
      title: v.Title ?? v.VulnerabilityID,
      description: v.Description ?? '',
      tools: ['Trivy'],
      source: { tool: 'Trivy', scanner: 'trivy' },
      target: report.ArtifactName,
      subTarget: result.Target,
      package: {
        name: v.PkgName,
        installedVersion: v.InstalledVersion,
        fixedVersions: v.FixedVersion === undefined ? [] : v.FixedVersion.split(', '),
        type: result.Type,
        purl: v.PkgIdentifier?.PURL,
      },
      cvssScore: v.CVSS?.nvd?.V3Score,
      references: v.PrimaryURL === undefined ? [] : [v.PrimaryURL],
      primaryUrl: v.PrimaryURL,
    })),
  );
}

interface GrypeReport {
  source: { target: { userInput?: string } | string };
  matches: Array<{
    vulnerability: {
      id: string;
      severity: string;
      description?: string;
      fix?: { versions?: string[] };
    };
    relatedVulnerabilities?: Array<{ id: string }>;
    artifact: { name: string; version: string; type: string; purl?: string };
  }>;
}

/** Vulnerability findings of a Grype JSON fixture, as scanner `grype` found them. */
export function grypeVulnerabilityFindings(name: string): Finding[] {
  const report = readSharedJson(name) as GrypeReport;
  const target =
    typeof report.source.target === 'string'
      ? report.source.target
      : (report.source.target.userInput ?? '');
  return report.matches.map((m) => ({
    id: '',
    kind: 'vulnerability',
    ruleId: m.vulnerability.id,
    aliases: (m.relatedVulnerabilities ?? [])
      .map((r) => r.id)
      .filter((id) => id !== m.vulnerability.id),
    severity: normaliseSeverity(m.vulnerability.severity),
    title: m.vulnerability.id,
    description: m.vulnerability.description ?? '',
    tools: ['Grype'],
    source: { tool: 'Grype', scanner: 'grype' },
    target,
    package: {
      name: m.artifact.name,
      installedVersion: m.artifact.version,
      fixedVersions: m.vulnerability.fix?.versions ?? [],
      type: m.artifact.type,
      purl: m.artifact.purl,
    },
    references: [],
  }));
}
