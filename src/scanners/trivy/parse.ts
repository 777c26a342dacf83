/**
 * Turns a Trivy JSON report (SchemaVersion 2, Trivy 0.20 … 0.74 shapes) into
 * findings. Pure: no I/O. Used both for reports Trivy writes when the action
 * runs it and for Trivy JSON files given in `reports`.
 *
 * Choices worth knowing:
 * - Only `filesystem` / `repository` scans point at repository files; paths in
 *   image, VM and SBOM scans are inside the artifact, so those findings carry
 *   `target`/`subTarget` and no `location`.
 * - Vulnerabilities get a location only from `lang-pkgs` results (the
 *   lockfile/manifest), at the package's line when Trivy listed it.
 * - Secrets never use `Code.Lines` (unmasked neighbouring lines); the schema
 *   does not even read it. `Match` is re-masked (see masked-excerpt.ts).
 * - Licenses get the rule id `license/<license name>` so waivers can name one
 *   license (`license/GPL-3.0`) and SARIF groups results per license.
 * - Misconfigurations: only `FAIL` (or no status, as older releases wrote).
 */
import { posix } from 'node:path';
import { ReportFormatError } from '../../config/errors.js';
import {
  normaliseSeverity,
  type FileLocation,
  type Finding,
  type FindingSource,
  type PackageRef,
  type RuleInfo,
} from '../../findings/finding.js';
import { hardenMaskedExcerpt } from './masked-excerpt.js';
import {
  isTrivyVulnerability,
  KNOWN_RESULT_KEYS,
  trivyReportSchema,
  trivyVulnerabilitySchema,
  type TrivyLicense,
  type TrivyMisconfiguration,
  type TrivyReport,
  type TrivyResult,
  type TrivySecret,
  type TrivyVulnerability,
} from './schema.js';

export interface TrivyParseOptions {
  source: FindingSource;
  /** Repository-relative directory of the scan root, `''` for the repository root. */
  pathPrefix: string;
}

export interface TrivyParseResult {
  /** `ArtifactName`: the scanned path, image reference or SBOM file. */
  target: string;
  artifactType?: string;
  /** `Trivy.Version` when the report has it (0.50+; `dev` for some builds). */
  version?: string;
  findings: Finding[];
  /** Entries of `ExperimentalModifiedFindings` (suppressed by VEX or ignore rules). */
  suppressedByVex: number;
  /** Parts of the report that were not converted into findings. */
  notes: string[];
}

/** What every finding of one report shares. */
interface ReportContext {
  source: FindingSource;
  pathPrefix: string;
  target: string;
  /** True when result targets are paths in the repository (fs / repo scans). */
  repositoryFiles: boolean;
}

const FILE_ARTIFACT_TYPES = new Set(['filesystem', 'repository']);

/**
 * Parses a Trivy JSON report. Throws `ReportFormatError` (named after
 * `source.reportFile`, else `trivy`) when `report` is not a Trivy JSON report
 * this parser understands.
 */
export function parseTrivyReport(report: unknown, options: TrivyParseOptions): TrivyParseResult {
  const parsed = validateTrivyReport(report, options.source.reportFile ?? 'trivy');
  const artifactType = parsed.ArtifactType ?? undefined;
  const context: ReportContext = {
    source: options.source,
    pathPrefix: options.pathPrefix,
    target: parsed.ArtifactName ?? '',
    repositoryFiles: FILE_ARTIFACT_TYPES.has(artifactType ?? ''),
  };
  const rawResults = isRecord(report) && Array.isArray(report.Results) ? report.Results : [];
  const findings: Finding[] = [];
  const notes: string[] = [];
  let suppressedByVex = 0;
  (parsed.Results ?? []).forEach((result, index) => {
    for (const finding of convertResult(result, index, context)) findings.push(finding);
    suppressedByVex += result.ExperimentalModifiedFindings?.length ?? 0;
    notes.push(...describeUnconverted(result, rawResults[index]));
  });
  return {
    target: context.target,
    artifactType,
    version: parsed.Trivy?.Version ?? undefined,
    findings,
    suppressedByVex,
    notes,
  };
}

/** Recognises the report, naming the format when it is another tool's or Trivy's other output. */
function validateTrivyReport(report: unknown, file: string): TrivyReport {
  if (Array.isArray(report)) {
    throw new ReportFormatError(
      file,
      'is a JSON array, not a Trivy JSON report (SchemaVersion 2, Trivy 0.20 or later).',
    );
  }
  if (!isRecord(report))
    throw new ReportFormatError(file, 'is not a Trivy JSON report (not a JSON object).');
  if (report.bomFormat === 'CycloneDX') {
    throw new ReportFormatError(
      file,
      'is a CycloneDX SBOM, not a Trivy JSON report: run Trivy with --format json.',
    );
  }
  if (typeof report.spdxVersion === 'string') {
    throw new ReportFormatError(
      file,
      'is an SPDX SBOM, not a Trivy JSON report: run Trivy with --format json.',
    );
  }
  if (report.SchemaVersion === undefined) {
    throw new ReportFormatError(file, 'is not a Trivy JSON report (no SchemaVersion).');
  }
  if (report.SchemaVersion !== 2) {
    throw new ReportFormatError(
      file,
      `has Trivy SchemaVersion ${JSON.stringify(report.SchemaVersion)}; only SchemaVersion 2 is understood.`,
    );
  }
  const result = trivyReportSchema.safeParse(report);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.join('.') || '(root)';
    throw new ReportFormatError(
      file,
      `is not a Trivy JSON report this version understands: ${where}: ${issue?.message ?? 'invalid'}.`,
    );
  }
  return result.data;
}

function parseVulnerability(
  raw: unknown,
  [resultIndex, index]: [number, number],
  context: ReportContext,
): TrivyVulnerability {
  if (isTrivyVulnerability(raw)) return raw;
  const parsed = trivyVulnerabilitySchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = ['Results', resultIndex, 'Vulnerabilities', index, ...(issue?.path ?? [])].join(
    '.',
  );
  throw new ReportFormatError(
    context.source.reportFile ?? 'trivy',
    `is not a Trivy JSON report this version understands: ${where}: ${issue?.message ?? 'invalid'}.`,
  );
}

function convertResult(
  result: TrivyResult,
  resultIndex: number,
  context: ReportContext,
): Finding[] {
  return [
    ...(result.Vulnerabilities ?? []).map((raw, index) =>
      convertVulnerability(parseVulnerability(raw, [resultIndex, index], context), result, context),
    ),
    ...(result.Misconfigurations ?? [])
      .filter(
        (misconf) =>
          misconf.Status === undefined || misconf.Status === null || misconf.Status === 'FAIL',
      )
      .map((misconf) => withoutUndefined(convertMisconfiguration(misconf, result, context))),
    ...(result.Secrets ?? []).map((secret) =>
      withoutUndefined(convertSecret(secret, result, context)),
    ),
    ...(result.Licenses ?? []).map((license) =>
      withoutUndefined(convertLicense(license, result, context)),
    ),
  ];
}

type BaseFinding = Pick<Finding, 'id' | 'tools' | 'source' | 'target' | 'subTarget' | 'aliases'>;

/** Fields every Trivy finding shares; kind-specific converters fill the rest. */
function baseFinding(context: ReportContext, result: TrivyResult): BaseFinding {
  const base: BaseFinding = {
    id: '',
    tools: ['Trivy'],
    source: context.source,
    target: context.target,
    aliases: [],
  };
  setDefined(base, 'subTarget', result.Target ?? undefined);
  return base;
}

/**
 * A vulnerability's finding: one typed literal of the required fields (the
 * compiler checks them), then the optional ones that are present, so no
 * field holds undefined (what `withoutUndefined` does for the other kinds).
 * A large report has tens of thousands of these: building each object once,
 * without spreading `baseFinding`'s, is measurably faster.
 */
function convertVulnerability(
  vuln: TrivyVulnerability,
  result: TrivyResult,
  context: ReportContext,
): Finding {
  const manifest = result.Class === 'lang-pkgs' ? (result.Target ?? undefined) : undefined;
  const title = nonEmpty(vuln.Title) ?? vuln.VulnerabilityID;
  const rule: RuleInfo = { shortDescription: title };
  setDefined(rule, 'fullDescription', nonEmpty(vuln.Description));
  setDefined(rule, 'helpUri', nonEmpty(vuln.PrimaryURL));
  const finding: Finding = {
    id: '',
    tools: ['Trivy'],
    source: context.source,
    target: context.target,
    aliases: [],
    kind: 'vulnerability',
    ruleId: vuln.VulnerabilityID,
    severity: normaliseSeverity(vuln.Severity),
    title,
    description: vuln.Description ?? '',
    rule,
    package: vulnerabilityPackage(vuln, result, manifest),
    references: vuln.References ?? [],
  };
  setDefined(finding, 'subTarget', result.Target ?? undefined);
  setDefined(finding, 'cvssScore', highestCvssScore(vuln));
  setDefined(finding, 'primaryUrl', nonEmpty(vuln.PrimaryURL));
  if (context.repositoryFiles && manifest !== undefined)
    finding.location = packageLocation(vuln, result, context);
  setDefined(
    finding,
    'properties',
    compactProperties({
      status: nonEmpty(vuln.Status),
      severitySource: nonEmpty(vuln.SeveritySource),
      cweIds: vuln.CweIDs && vuln.CweIDs.length > 0 ? vuln.CweIDs : undefined,
      pkgPath: nonEmpty(vuln.PkgPath),
    }),
  );
  return finding;
}

function vulnerabilityPackage(
  vuln: TrivyVulnerability,
  result: TrivyResult,
  manifest: string | undefined,
): PackageRef {
  const pkg: PackageRef = {
    name: vuln.PkgName ?? '',
    fixedVersions: splitFixedVersions(vuln.FixedVersion),
  };
  setDefined(pkg, 'installedVersion', nonEmpty(vuln.InstalledVersion));
  setDefined(pkg, 'type', nonEmpty(result.Type));
  setDefined(pkg, 'purl', nonEmpty(vuln.PkgIdentifier?.PURL));
  setDefined(pkg, 'manifestPath', manifest);
  return pkg;
}

/** The lockfile line of the vulnerable package (1 when Trivy did not list packages). */
function packageLocation(
  vuln: TrivyVulnerability,
  result: TrivyResult,
  context: ReportContext,
): FileLocation {
  const pkg = (result.Packages ?? []).find((candidate) =>
    vuln.PkgID
      ? candidate.ID === vuln.PkgID
      : candidate.Name === vuln.PkgName && candidate.Version === vuln.InstalledVersion,
  );
  const first = pkg?.Locations?.[0];
  return makeLocation(context, result.Target ?? '', first?.StartLine, first?.EndLine);
}

function convertMisconfiguration(
  misconf: TrivyMisconfiguration,
  result: TrivyResult,
  context: ReportContext,
): Finding {
  const cause = misconf.CauseMetadata;
  const title = nonEmpty(misconf.Title) ?? misconf.ID;
  const avdId = nonEmpty(misconf.AVDID);
  return {
    ...baseFinding(context, result),
    kind: 'misconfiguration',
    ruleId: misconf.ID,
    aliases: avdId !== undefined && avdId !== misconf.ID ? [avdId] : [],
    severity: normaliseSeverity(misconf.Severity),
    title,
    description: [misconf.Description?.trim(), misconf.Message?.trim()]
      .filter((part) => part)
      .join('\n\n'),
    rule: withoutUndefined({
      name: misconf.ID,
      shortDescription: title,
      fullDescription: nonEmpty(misconf.Description?.trim()),
      helpText: nonEmpty(misconf.Resolution),
      helpUri: nonEmpty(misconf.PrimaryURL),
    }),
    references: misconf.References ?? [],
    primaryUrl: nonEmpty(misconf.PrimaryURL),
    location: context.repositoryFiles
      ? makeLocation(context, result.Target ?? '', cause?.StartLine, cause?.EndLine)
      : undefined,
    properties: compactProperties({
      checkType: nonEmpty(misconf.Type),
      message: nonEmpty(misconf.Message),
      resource: nonEmpty(cause?.Resource),
      provider: nonEmpty(cause?.Provider),
      service: nonEmpty(cause?.Service),
    }),
  };
}

function convertSecret(secret: TrivySecret, result: TrivyResult, context: ReportContext): Finding {
  const title = nonEmpty(secret.Title) ?? secret.RuleID;
  const category = nonEmpty(secret.Category);
  return {
    ...baseFinding(context, result),
    kind: 'secret',
    ruleId: secret.RuleID,
    severity: normaliseSeverity(secret.Severity),
    title,
    description: `${title}: a ${category ?? 'generic'} secret is committed in this file. Revoke and rotate it, then remove it from the code.`,
    rule: withoutUndefined({ name: secret.RuleID, shortDescription: title }),
    references: [],
    location: context.repositoryFiles
      ? makeLocation(context, result.Target ?? '', secret.StartLine, secret.EndLine)
      : undefined,
    maskedExcerpt: secret.Match ? hardenMaskedExcerpt(secret.Match) : undefined,
    properties: compactProperties({ category }),
  };
}

/** Result targets that name a language or group, not a file (Trivy's license results). */
const NON_FILE_TARGETS = new Set([
  'OS Packages',
  'Loose File License(s)',
  'Java',
  'Node.js',
  'Python',
  'Ruby',
  'Conda',
  'Kubernetes',
  'Julia',
]);

function convertLicense(
  license: TrivyLicense,
  result: TrivyResult,
  context: ReportContext,
): Finding {
  const severity = normaliseSeverity(license.Severity);
  const category = nonEmpty(license.Category);
  const pkgName = nonEmpty(license.PkgName);
  const target = result.Target ?? '';
  const file =
    nonEmpty(license.FilePath) ??
    (NON_FILE_TARGETS.has(target) || /\s/.test(target) ? undefined : nonEmpty(target));
  const link = nonEmpty(license.Link);
  return {
    ...baseFinding(context, result),
    kind: 'license',
    ruleId: `license/${license.Name}`,
    severity,
    title: `License ${license.Name}${category ? ` (${category})` : ''}`,
    description: `${pkgName ? `Package ${pkgName}` : 'A file'} is under the ${license.Name} license${category ? `, classified ${category}` : ''}.`,
    rule: withoutUndefined({
      name: `license/${license.Name}`,
      shortDescription: `License ${license.Name}`,
      helpUri: link,
    }),
    package: pkgName !== undefined ? { name: pkgName, fixedVersions: [] } : undefined,
    references: link !== undefined ? [link] : [],
    primaryUrl: link,
    location:
      context.repositoryFiles && file !== undefined
        ? makeLocation(context, file, undefined, undefined)
        : undefined,
    properties: compactProperties({
      category,
      confidence: license.Confidence ?? undefined,
      licenseName: license.Name,
    }),
  };
}

/** Non-empty lists of things this parser does not turn into findings (e.g. custom resources). */
function describeUnconverted(result: TrivyResult, raw: unknown): string[] {
  const where = result.Target ? `result "${result.Target}"` : `a ${result.Class ?? 'Trivy'} result`;
  const notes: string[] = [];
  const custom = result.CustomResources?.length ?? 0;
  if (custom > 0)
    notes.push(
      `Trivy ${where}: ${custom} custom resource(s) are not security findings and were not converted.`,
    );
  if (isRecord(raw)) {
    for (const [key, value] of Object.entries(raw)) {
      if (!KNOWN_RESULT_KEYS.has(key) && Array.isArray(value) && value.length > 0) {
        notes.push(
          `Trivy ${where}: ${value.length} "${key}" entr${value.length === 1 ? 'y was' : 'ies were'} not converted (not understood by this version).`,
        );
      }
    }
  }
  return notes;
}

function makeLocation(
  context: ReportContext,
  file: string,
  startLine: number | null | undefined,
  endLine: number | null | undefined,
): FileLocation {
  const start = startLine && startLine > 0 ? startLine : 1;
  const location: FileLocation = { path: joinRepoPath(context.pathPrefix, file), startLine: start };
  // No line named: a whole-file finding, fingerprinted without line 1's content.
  if (!(startLine && startLine > 0)) location.wholeFile = true;
  if (endLine && endLine >= start) location.endLine = endLine;
  return location;
}

/** Repository-relative path with forward slashes and no `./`. */
export function joinRepoPath(prefix: string, file: string): string {
  const joined = posix.normalize(posix.join(prefix.replace(/\\/g, '/'), file.replace(/\\/g, '/')));
  return joined.replace(/^(\.\/)+/, '');
}

/** `FixedVersion` is one string; Trivy joins several fixes with ", ". */
function splitFixedVersions(value: string | null | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** Highest CVSS v3 score over all sources (NVD, GHSA, vendor), else highest v2. */
function highestCvssScore(vuln: TrivyVulnerability): number | undefined {
  const entries = Object.values(vuln.CVSS ?? {});
  const pick = (scores: Array<number | null | undefined>): number | undefined => {
    const valid = scores.filter((score): score is number => typeof score === 'number' && score > 0);
    return valid.length > 0 ? Math.max(...valid) : undefined;
  };
  return pick(entries.map((entry) => entry.V3Score)) ?? pick(entries.map((entry) => entry.V2Score));
}

type PropertyValue = string | number | boolean | string[];

/** Properties without the absent ones; undefined when nothing is left. */
function compactProperties(
  values: Record<string, PropertyValue | undefined>,
): Record<string, PropertyValue> | undefined {
  const kept = withoutUndefined(values) as Record<string, PropertyValue>;
  return Object.keys(kept).length > 0 ? kept : undefined;
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === '' ? undefined : value;
}

/** Drops undefined values so findings compare and serialise cleanly. */
function withoutUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  return out as T;
}

/** Sets `key` only when there is a value, so that objects never hold undefined fields. */
function setDefined<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value !== undefined) target[key] = value as T[K];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
