/**
 * zod schema of Trivy's JSON report (`--format json`, SchemaVersion 2), as
 * far as Security Gate reads it. Tolerant across releases: every field that
 * some release omits (v0.20 has no `Status`, v0.44 no `PkgIdentifier`, newer
 * ones no `AVDID`) is optional, Go's `null` slices are accepted, and unknown
 * keys are stripped.
 *
 * Deliberately absent: `Secrets[].Code`. Trivy prints the lines around a
 * secret there, and neighbouring lines are NOT masked; leaving the field out
 * of the schema means zod strips it, so it can never reach a finding.
 */
import { z } from 'zod';

const text = z.string().nullish();
const texts = z.array(z.string()).nullish();
const lineNumber = z.number().int().nullish();

const cvssEntrySchema = z.object({
  V2Score: z.number().nullish(),
  V3Score: z.number().nullish(),
});

export const trivyVulnerabilitySchema = z.object({
  VulnerabilityID: z.string(),
  PkgID: text,
  PkgName: text,
  PkgPath: text,
  PkgIdentifier: z.object({ PURL: text }).nullish(),
  InstalledVersion: text,
  FixedVersion: text,
  Status: text,
  SeveritySource: text,
  PrimaryURL: text,
  Title: text,
  Description: text,
  Severity: text,
  CweIDs: texts,
  CVSS: z.record(z.string(), cvssEntrySchema).nullish(),
  References: texts,
});

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Check = (value: unknown) => boolean;

const isText: Check = (value) => value === undefined || value === null || typeof value === 'string';

const isScore: Check = (value) =>
  value === undefined || value === null || (typeof value === 'number' && Number.isFinite(value));

const isTexts: Check = (value) => {
  if (value === undefined || value === null) return true;
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
};

const isCvss: Check = (value) => {
  if (value === undefined || value === null) return true;
  if (!isObject(value)) return false;
  for (const key in value) {
    const entry = value[key];
    if (!isObject(entry) || !isScore(entry.V2Score) || !isScore(entry.V3Score)) return false;
  }
  return true;
};

/**
 * The checks of the field schemas several fields share, found by identity;
 * each accepts exactly what its schema does.
 */
const CHECKS_BY_SCHEMA = new Map<z.ZodType, Check>([
  [text, isText],
  [texts, isTexts],
]);

/** The fields whose schema is their own. */
const OWN_CHECKS: Partial<Record<keyof typeof trivyVulnerabilitySchema.shape, Check>> = {
  VulnerabilityID: (value) => typeof value === 'string',
  PkgIdentifier: (value) =>
    value === undefined || value === null || (isObject(value) && isText(value.PURL)),
  CVSS: isCvss,
};

/**
 * One check per field of `trivyVulnerabilitySchema`, read from its shape so
 * the two cannot drift: a field added as `text` is checked as text, and a
 * field with no check refuses every value (zod then decides, and the
 * fixture test fails).
 */
const VULNERABILITY_CHECKS: ReadonlyArray<readonly [string, Check]> = Object.entries(
  trivyVulnerabilitySchema.shape,
).map(([key, schema]) => [
  key,
  OWN_CHECKS[key as keyof typeof OWN_CHECKS] ?? CHECKS_BY_SCHEMA.get(schema) ?? (() => false),
]);

/**
 * A fast path for `trivyVulnerabilitySchema`: true only for values the
 * schema accepts, checked in place. zod copies every object it parses, and
 * parsing 50,000 vulnerabilities that way costs more than converting them;
 * anything this check does not accept still goes to zod, which has the last
 * word and the error message. The value is used as it is, unknown keys
 * included: the converter reads only the schema's fields (and never
 * `Secrets[].Code`, which is not a vulnerability field).
 */
export function isTrivyVulnerability(value: unknown): value is TrivyVulnerability {
  if (!isObject(value)) return false;
  for (const [key, check] of VULNERABILITY_CHECKS) if (!check(value[key])) return false;
  return true;
}

const packageSchema = z.object({
  ID: text,
  Name: text,
  Version: text,
  Locations: z.array(z.object({ StartLine: lineNumber, EndLine: lineNumber })).nullish(),
});

export const trivyMisconfigurationSchema = z.object({
  Type: text,
  ID: z.string(),
  AVDID: text,
  Title: text,
  Description: text,
  Message: text,
  Resolution: text,
  Severity: text,
  PrimaryURL: text,
  References: texts,
  Status: text,
  CauseMetadata: z
    .object({
      Resource: text,
      Provider: text,
      Service: text,
      StartLine: lineNumber,
      EndLine: lineNumber,
    })
    .nullish(),
});

/** A secret: `Code` is intentionally not listed (see the module comment). */
export const trivySecretSchema = z.object({
  RuleID: z.string(),
  Category: text,
  Severity: text,
  Title: text,
  StartLine: lineNumber,
  EndLine: lineNumber,
  Match: text,
});

export const trivyLicenseSchema = z.object({
  Severity: text,
  Category: text,
  PkgName: text,
  FilePath: text,
  Name: z.string(),
  Confidence: z.number().nullish(),
  Link: text,
});

export const trivyResultSchema = z.object({
  Target: z.string().nullish(),
  Class: text,
  Type: text,
  Packages: z.array(packageSchema).nullish(),
  // Validated one by one while converting (see parse.ts): a report of 50,000
  // vulnerabilities then never exists twice in memory.
  Vulnerabilities: z.array(z.unknown()).nullish(),
  Misconfigurations: z.array(trivyMisconfigurationSchema).nullish(),
  Secrets: z.array(trivySecretSchema).nullish(),
  Licenses: z.array(trivyLicenseSchema).nullish(),
  ExperimentalModifiedFindings: z.array(z.unknown()).nullish(),
  CustomResources: z.array(z.unknown()).nullish(),
});

export const trivyReportSchema = z.object({
  SchemaVersion: z.literal(2),
  ArtifactName: z.string().nullish(),
  ArtifactType: text,
  Trivy: z.object({ Version: text }).nullish(),
  Results: z.array(trivyResultSchema).nullish(),
});

export type TrivyReport = z.infer<typeof trivyReportSchema>;
export type TrivyResult = z.infer<typeof trivyResultSchema>;
export type TrivyVulnerability = z.infer<typeof trivyVulnerabilitySchema>;
export type TrivyMisconfiguration = z.infer<typeof trivyMisconfigurationSchema>;
export type TrivySecret = z.infer<typeof trivySecretSchema>;
export type TrivyLicense = z.infer<typeof trivyLicenseSchema>;

/**
 * Keys of a Result that the parser reads or knowingly skips; any other key
 * holding a non-empty list becomes a note, so new finding classes in a
 * future Trivy are visible instead of silently dropped.
 */
export const KNOWN_RESULT_KEYS: ReadonlySet<string> = new Set([
  'Target',
  'Class',
  'Type',
  'Packages',
  'Vulnerabilities',
  'Misconfigurations',
  'MisconfSummary',
  'Secrets',
  'Licenses',
  'ExperimentalModifiedFindings',
  'CustomResources',
  'Layer',
]);
