/**
 * The one data model every stage shares. Scanners and importers produce
 * `Finding`s; merge, filter, waivers and the gate transform them; reporters
 * render them. Plain data only: no classes, no methods, no I/O.
 */

/** Most severe first; the index is the rank used for sorting. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const FINDING_KINDS = [
  'vulnerability',
  'secret',
  'misconfiguration',
  'license',
  'pinning',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** Identifier of a scanner the action runs itself (the strategy table key). */
export type ScannerName = 'trivy' | 'grype' | 'pinning';

/** A place in a file of the repository (1-based lines). */
export interface FileLocation {
  /** Path relative to the repository root, forward slashes. */
  path: string;
  startLine: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
  /**
   * True when the scanner named the file but no line (`startLine` is then 1):
   * Trivy's `Image user should not be 'root'`, a lockfile vulnerability. Its
   * fingerprint hashes no line, so a line added at the top does not make it new.
   */
  wholeFile?: boolean;
}

/** The package a vulnerability (or license finding) was found in. */
export interface PackageRef {
  name: string;
  installedVersion?: string;
  /** Versions that fix it, as the scanner listed them (may be several). */
  fixedVersions: string[];
  /** Ecosystem / package type as the scanner named it (npm, debian, gemspec, rpm, …). */
  type?: string;
  purl?: string;
  /**
   * The other spellings of the name by the reporters of a merged finding
   * (Grype's Maven `artifact` for Trivy's `group:artifact`); waivers match all.
   */
  aliases?: string[];
  /** File the package was declared in (lockfile, manifest), relative to the scanned root. */
  manifestPath?: string;
}

/**
 * Where a finding came from: the SARIF run it belongs to. Runs are keyed by
 * (tool, automationId); findings of scanners the action runs get their
 * category assigned by the SARIF writer, imported SARIF keeps its own.
 */
export interface FindingSource {
  /** Display/driver name of the tool: `Trivy`, `Grype`, `gitleaks`, `CodeQL`, … */
  tool: string;
  toolVersion?: string;
  informationUri?: string;
  /** Scanner run by this action, when it was. */
  scanner?: ScannerName;
  /** Imported report path, when imported. */
  reportFile?: string;
  /** `runs[].automationDetails.id` of an imported SARIF run, kept as is. */
  automationId?: string;
}

/** Rule metadata carried through from the scanner (used to build SARIF rules). */
export interface RuleInfo {
  name?: string;
  shortDescription?: string;
  fullDescription?: string;
  helpText?: string;
  helpMarkdown?: string;
  helpUri?: string;
  tags?: string[];
}

export interface Finding {
  /** Stable fingerprint (section 5 of the spec); filled by `fingerprintFindings`. */
  id: string;
  kind: FindingKind;
  /** CVE/GHSA id, secret rule, misconfiguration id, pinning rule, or imported SARIF rule id. */
  ruleId: string;
  /** Other ids of the same vulnerability (GHSA ↔ CVE), never including ruleId. */
  aliases: string[];
  /**
   * Set by merging: the ids each reporter (by tool) gave the finding as its
   * own, before the merge chose one `ruleId` (a CVE over Grype's GHSA). Grype
   * ignore rules without `include-aliases` compare these, as Grype compares
   * its own match's id.
   */
  sourceIds?: Record<string, string[]>;
  severity: Severity;
  /** Per-scanner severities when merged scanners disagreed (the higher one is `severity`). */
  severityBySource?: Record<string, Severity>;
  title: string;
  description: string;
  /** Every tool that reported it (display names), first reporter first. */
  tools: string[];
  source: FindingSource;
  rule?: RuleInfo;
  /** Repository file location, when the scanner gave one (may not exist in the workspace). */
  location?: FileLocation;
  /** Scanned artifact: image reference, SBOM file, or scanned path for fs scans. */
  target?: string;
  /** The scanner's own target inside the artifact (Trivy `Target`, e.g. `package-lock.json`). */
  subTarget?: string;
  package?: PackageRef;
  cvssScore?: number;
  references: string[];
  primaryUrl?: string;
  /** Masked excerpt of the flagged line, for secrets. Never the secret itself. */
  maskedExcerpt?: string;
  /**
   * Hash of the flagged line's content (not its number), like GitHub's
   * `primaryLocationLineHash`; set when the file could be read.
   */
  lineHash?: string;
  /** Fingerprints a tool already set on an imported SARIF result: kept, never overwritten. */
  partialFingerprints?: Record<string, string>;
  /** Free-form scanner details shown in reports and SARIF properties. */
  properties?: Record<string, string | number | boolean | string[]>;
  /** Set by the waiver stage. */
  waiver?: AppliedWaiver;
  /** Set by the baseline stage: `new` counts under gate-scope new; `existing` does not. */
  baselineState?: 'new' | 'existing';
}

/** The accepted risk that suppresses a finding. */
export interface AppliedWaiver {
  /** Where the waiver came from: the waivers file, `.trivyignore` or `.grype.yaml`. */
  origin: string;
  reason: string;
  expires?: string;
  approvedBy?: string;
  mitigation?: string;
}

/** Rank: 0 for CRITICAL … 4 for UNKNOWN. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** The more severe of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) <= severityRank(b) ? a : b;
}

/**
 * Maps a scanner's severity word to ours. Scanners spell them in several
 * cases (`Critical`, `HIGH`, `negligible`); anything unknown is UNKNOWN.
 */
export function normaliseSeverity(value: string | undefined | null): Severity {
  const upper = (value ?? '').trim().toUpperCase();
  if (upper === 'NEGLIGIBLE') return 'LOW';
  return (SEVERITIES as readonly string[]).includes(upper) ? (upper as Severity) : 'UNKNOWN';
}

/** Most severe first, then by rule id, then by location, for stable output. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    (b.cvssScore ?? 0) - (a.cvssScore ?? 0) ||
    a.ruleId.localeCompare(b.ruleId) ||
    (a.location?.path ?? a.target ?? '').localeCompare(b.location?.path ?? b.target ?? '') ||
    (a.location?.startLine ?? 0) - (b.location?.startLine ?? 0) ||
    a.id.localeCompare(b.id)
  );
}

/** Zero counts for every severity. */
export function emptyCounts(): Record<Severity, number> {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
}
