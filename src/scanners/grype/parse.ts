/**
 * Grype JSON (`grype -o json`) → findings. Pure: no I/O. Reads every shape
 * from grype 0.50 (2022) to current (epss/risk/knownExploited added since);
 * unknown fields are ignored and optional ones may be missing, so a newer
 * grype does not break the gate.
 */
import { z } from 'zod';
import { ReportFormatError } from '../../config/errors.js';
import {
  normaliseSeverity,
  type FileLocation,
  type Finding,
  type FindingSource,
  type PackageRef,
} from '../../findings/finding.js';

const cvssSchema = z.looseObject({
  metrics: z.looseObject({ baseScore: z.number().optional() }).optional(),
});

const vulnerabilityMetaSchema = z.looseObject({
  id: z.string().min(1),
  dataSource: z.string().optional(),
  namespace: z.string().optional(),
  severity: z.string().optional(),
  urls: z.array(z.string()).nullish(),
  description: z.string().optional(),
  cvss: z.array(cvssSchema).nullish(),
});

const matchSchema = z.looseObject({
  vulnerability: vulnerabilityMetaSchema.extend({
    fix: z
      .looseObject({ versions: z.array(z.string()).nullish(), state: z.string().optional() })
      .optional(),
  }),
  relatedVulnerabilities: z.array(vulnerabilityMetaSchema).nullish(),
  matchDetails: z.array(z.looseObject({ type: z.string().optional() })).nullish(),
  artifact: z.looseObject({
    name: z.string(),
    version: z.string().optional(),
    type: z.string().optional(),
    purl: z.string().optional(),
    locations: z.array(z.looseObject({ path: z.string().optional() })).nullish(),
  }),
});

const reportSchema = z.looseObject({
  matches: z.array(matchSchema),
  ignoredMatches: z.array(z.unknown()).nullish(),
  source: z
    .looseObject({
      type: z.string().optional(),
      target: z.unknown().optional(),
    })
    .optional(),
  descriptor: z
    .looseObject({ name: z.string().optional(), version: z.string().optional() })
    .optional(),
});

type GrypeMatch = z.infer<typeof matchSchema>;
type GrypeReport = z.infer<typeof reportSchema>;

/** What the Grype parser needs besides the document. */
export interface GrypeParseOptions {
  source: FindingSource;
  /** The scanned directory relative to the repository root (`''` for the root), for directory sources. */
  pathPrefix: string;
  /**
   * The scanned artifact as the action names it (the `scan-ref`), overriding
   * `source.target`: grype turns a directory into an absolute path, and
   * Trivy's findings of the same scan must carry the same target to merge.
   */
  target?: string;
}

/** The findings of one Grype report. */
export interface GrypeParseResult {
  target: string;
  findings: Finding[];
  /** Facts worth showing in the summary (e.g. matches Grype ignored itself). */
  notes: string[];
  /** `descriptor.version`, when grype reported a real one. */
  version?: string;
}

/**
 * Parses a Grype JSON document. Throws `ReportFormatError` for anything that
 * is not Grype's own JSON (CycloneDX, SARIF, a truncated file).
 */
export function parseGrypeReport(report: unknown, options: GrypeParseOptions): GrypeParseResult {
  const label = options.source.reportFile ?? 'grype output';
  refuseOtherFormats(report, label);
  const parsed = reportSchema.safeParse(report);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unreadable';
    throw new ReportFormatError(label, `not a Grype JSON report (${where})`);
  }
  const doc = parsed.data;
  const sourceType = doc.source?.type ?? 'unknown';
  const target = options.target ?? readTarget(doc);
  const context: MatchContext = {
    source: options.source,
    target,
    directory: sourceType === 'directory',
    pathPrefix: options.pathPrefix,
  };
  const findings = doc.matches.map((match) => convertMatch(match, context));
  const notes: string[] = [];
  const ignored = doc.ignoredMatches?.length ?? 0;
  if (ignored > 0) {
    notes.push(
      `Grype ignored ${ignored} match(es) by its own ignore rules or VEX documents; they are not reported.`,
    );
  }
  const version = doc.descriptor?.version;
  return {
    target,
    findings,
    notes,
    ...(version && /^v?\d/.test(version) ? { version: version.replace(/^v/, '') } : {}),
  };
}

function refuseOtherFormats(report: unknown, label: string): void {
  if (typeof report !== 'object' || report === null || Array.isArray(report)) {
    throw new ReportFormatError(
      label,
      'not a Grype JSON report (expected a JSON object with "matches")',
    );
  }
  const record = report as Record<string, unknown>;
  if (record.bomFormat === 'CycloneDX') {
    throw new ReportFormatError(
      label,
      'is a CycloneDX document, not a Grype JSON report (use grype -o json)',
    );
  }
  if (typeof record.$schema === 'string' && /sarif/i.test(record.$schema)) {
    throw new ReportFormatError(label, 'is a SARIF file, not a Grype JSON report');
  }
}

/**
 * `source.target` is a string for directories and an object for images
 * (`userInput` is the reference as the user typed it) and files.
 */
function readTarget(doc: GrypeReport): string {
  const target = doc.source?.target;
  if (typeof target === 'string' && target !== '') return target;
  if (typeof target === 'object' && target !== null) {
    const record = target as Record<string, unknown>;
    for (const key of ['userInput', 'path', 'name']) {
      const value = record[key];
      if (typeof value === 'string' && value !== '') return value;
    }
  }
  return 'unknown';
}

interface MatchContext {
  source: FindingSource;
  target: string;
  directory: boolean;
  pathPrefix: string;
}

function convertMatch(match: GrypeMatch, context: MatchContext): Finding {
  const vuln = match.vulnerability;
  const related = match.relatedVulnerabilities ?? [];
  const severityWord = vuln.severity ?? '';
  const severity = normaliseSeverity(severityWord);
  const negligible = severityWord.trim().toLowerCase() === 'negligible';
  const baseDescription = vuln.description ?? related.find((r) => r.description)?.description ?? '';
  const description = negligible
    ? `${baseDescription}${baseDescription ? ' ' : ''}(Grype rates this Negligible; reported as LOW.)`
    : baseDescription;
  const cvssScore = readHighestScore([vuln, ...related]);
  const primaryUrl = [vuln.dataSource, ...(vuln.urls ?? [])].find(
    (url) => url && /^https?:\/\//.test(url),
  );
  const pkg = readPackage(match);
  const location = context.directory ? readLocation(match, context.pathPrefix) : undefined;
  return {
    id: '',
    kind: 'vulnerability',
    ruleId: vuln.id,
    aliases: unique(related.map((r) => r.id)).filter((id) => id !== vuln.id),
    severity,
    title: readTitle(vuln.id, pkg.name, baseDescription),
    description,
    tools: ['Grype'],
    source: context.source,
    target: context.target,
    package: pkg,
    ...(location ? { location } : {}),
    ...(cvssScore !== undefined ? { cvssScore } : {}),
    references: readReferences([vuln, ...related]),
    ...(primaryUrl ? { primaryUrl } : {}),
    properties: readProperties(match, negligible ? severityWord : undefined),
  };
}

/**
 * The file of a directory scan a match names: Grype roots its paths at the
 * scanned directory (`/package-lock.json`). Grype names no line, so it is a
 * whole-file location (line 1, `wholeFile`), as the Trivy parser and the
 * SARIF importer mark a file named without a line: nothing downstream takes
 * line 1 for the flagged line. A path that names no file of the directory
 * (`/`, `..`) gives no location.
 */
function readLocation(match: GrypeMatch, pathPrefix: string): FileLocation | undefined {
  const manifest = manifestOf(match);
  if (manifest === undefined) return undefined;
  const segments = manifest.replace(/\\/g, '/').split('/');
  if (segments.includes('..') || segments.every((segment) => segment === '' || segment === '.'))
    return undefined;
  return { path: joinPath(pathPrefix, manifest), startLine: 1, wholeFile: true };
}

/** The first file the match's artifact was found in. */
function manifestOf(match: GrypeMatch): string | undefined {
  return match.artifact.locations?.find((l) => l.path)?.path;
}

function readPackage(match: GrypeMatch): PackageRef {
  const { artifact } = match;
  const manifest = manifestOf(match);
  return {
    name: artifact.name,
    ...(artifact.version ? { installedVersion: artifact.version } : {}),
    fixedVersions: unique(match.vulnerability.fix?.versions ?? []),
    ...(artifact.type ? { type: artifact.type } : {}),
    ...(artifact.purl ? { purl: artifact.purl } : {}),
    ...(manifest ? { manifestPath: manifest.replace(/^\/+/, '') } : {}),
  };
}

function readProperties(
  match: GrypeMatch,
  grypeSeverity: string | undefined,
): Record<string, string | string[]> {
  const properties: Record<string, string | string[]> = {
    fixState: match.vulnerability.fix?.state ?? '',
    matchTypes: unique((match.matchDetails ?? []).map((d) => d.type ?? '').filter((t) => t !== '')),
  };
  if (match.vulnerability.namespace) properties.namespace = match.vulnerability.namespace;
  if (grypeSeverity) properties.grypeSeverity = grypeSeverity;
  return properties;
}

/** Grype has no title: the first sentence of the description reads best next to the id. */
function readTitle(id: string, packageName: string, description: string): string {
  const sentence = description.split(/(?<=\.)\s|\n/)[0]?.trim() ?? '';
  if (sentence === '') return `${id} in ${packageName}`;
  return sentence.length > 120 ? `${sentence.slice(0, 119)}…` : sentence;
}

function readHighestScore(
  vulns: Array<z.infer<typeof vulnerabilityMetaSchema>>,
): number | undefined {
  const scores = vulns
    .flatMap((v) => v.cvss ?? [])
    .map((c) => c.metrics?.baseScore)
    .filter((s): s is number => typeof s === 'number' && Number.isFinite(s));
  return scores.length > 0 ? Math.max(...scores) : undefined;
}

function readReferences(vulns: Array<z.infer<typeof vulnerabilityMetaSchema>>): string[] {
  return unique(
    vulns.flatMap((v) => [v.dataSource ?? '', ...(v.urls ?? [])]).filter((u) => u.trim() !== ''),
  );
}

/** Grype's directory paths are rooted at the scanned directory (`/package-lock.json`). */
function joinPath(prefix: string, path: string): string {
  const relative = path.replace(/\\/g, '/').replace(/^\/+/, '');
  const base = prefix
    .replace(/\\/g, '/')
    .replace(/^\.\/?/, '')
    .replace(/\/+$/, '');
  return base === '' ? relative : `${base}/${relative}`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
