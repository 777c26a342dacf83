/**
 * Test helper: Findings from the real scanner fixtures. Grype goes through the
 * real parser; Trivy through a tiny local converter until `parseTrivyReport`
 * lands (it reads only the fields these tests need).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fingerprintFindings } from '../../../src/findings/fingerprint.js';
import { normaliseSeverity, type Finding } from '../../../src/findings/finding.js';
import { parseGrypeReport } from '../../../src/scanners/grype/parse.js';

export const SHARED_FIXTURES = fileURLToPath(new URL('../../fixtures/shared/', import.meta.url));

interface TrivyVuln {
  VulnerabilityID: string;
  PkgName: string;
  InstalledVersion?: string;
  FixedVersion?: string;
  Severity?: string;
  Title?: string;
  Description?: string;
  PkgIdentifier?: { PURL?: string };
  PrimaryURL?: string;
}
interface TrivyIssue {
  ID?: string;
  RuleID?: string;
  Severity?: string;
  Title?: string;
  Message?: string;
  StartLine?: number;
  CauseMetadata?: { StartLine?: number };
}
interface TrivyResult {
  Target: string;
  Type?: string;
  Vulnerabilities?: TrivyVuln[];
  Secrets?: TrivyIssue[];
  Misconfigurations?: TrivyIssue[];
}

/** Reads a shared fixture as parsed JSON. */
export function readFixtureJson(relative: string): unknown {
  return JSON.parse(readFileSync(`${SHARED_FIXTURES}${relative}`, 'utf8')) as unknown;
}

const TRIVY_SOURCE = { tool: 'Trivy', scanner: 'trivy' } as const;

function vulnFinding(result: TrivyResult, v: TrivyVuln, target: string): Finding {
  return {
    id: '',
    kind: 'vulnerability',
    ruleId: v.VulnerabilityID,
    aliases: [],
    severity: normaliseSeverity(v.Severity),
    title: v.Title ?? v.VulnerabilityID,
    description: v.Description ?? '',
    tools: ['Trivy'],
    source: TRIVY_SOURCE,
    target,
    subTarget: result.Target,
    package: {
      name: v.PkgName,
      installedVersion: v.InstalledVersion,
      fixedVersions: v.FixedVersion ? v.FixedVersion.split(',').map((s) => s.trim()) : [],
      type: result.Type,
      purl: v.PkgIdentifier?.PURL,
    },
    references: [],
    primaryUrl: v.PrimaryURL,
  };
}

function fileFinding(
  result: TrivyResult,
  issue: TrivyIssue,
  kind: 'secret' | 'misconfiguration',
  target: string,
): Finding {
  const ruleId = issue.RuleID ?? issue.ID ?? 'unknown';
  return {
    id: '',
    kind,
    ruleId,
    aliases: [],
    severity: normaliseSeverity(issue.Severity),
    title: issue.Title ?? ruleId,
    description: issue.Message ?? '',
    tools: ['Trivy'],
    source: TRIVY_SOURCE,
    target,
    location: {
      path: result.Target,
      startLine: issue.StartLine ?? issue.CauseMetadata?.StartLine ?? 1,
    },
    references: [],
  };
}

/** Findings of a Trivy JSON fixture (vulnerabilities, secrets, misconfigurations), fingerprinted. */
export function loadTrivyFindings(relative: string): Finding[] {
  const report = readFixtureJson(relative) as { ArtifactName?: string; Results?: TrivyResult[] };
  const target = report.ArtifactName ?? '.';
  const findings = (report.Results ?? []).flatMap((result) => [
    ...(result.Vulnerabilities ?? []).map((v) => vulnFinding(result, v, target)),
    ...(result.Secrets ?? []).map((s) => fileFinding(result, s, 'secret', target)),
    ...(result.Misconfigurations ?? []).map((m) =>
      fileFinding(result, m, 'misconfiguration', target),
    ),
  ]);
  return fingerprintFindings(findings, () => undefined);
}

/** Findings of a Grype JSON fixture through the real parser, fingerprinted. */
export function loadGrypeFindings(relative: string): Finding[] {
  const parsed = parseGrypeReport(readFixtureJson(relative), {
    source: { tool: 'Grype', scanner: 'grype', reportFile: relative },
    pathPrefix: '',
  });
  return fingerprintFindings(parsed.findings, () => undefined);
}
