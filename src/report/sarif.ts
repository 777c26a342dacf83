/**
 * The SARIF 2.1.0 writer (SPEC section 8). Pure: findings and run specs in,
 * a `Log` object out; `main.ts` writes and uploads it.
 *
 * - One run per (tool, category). A scanner that failed has no run spec, so
 *   neither its run nor its findings are written (an empty run would close
 *   its open alerts). Imported runs with no result are still written, to keep
 *   their alerts open.
 * - Levels follow severity alone; `security-severity` always falls in the
 *   band of the finding's severity, so GitHub shows the severity the gate
 *   counted (CVSS when it agrees, else the band's midpoint-ish value).
 * - Fingerprints: the tool's own `partialFingerprints` are kept, ours is
 *   added under `securityGate/v1`, and `primaryLocationLineHash` is added only
 *   when the tool set none (the REST upload does not compute it, and without
 *   it GitHub may duplicate alerts).
 * - Nothing a scanner found is copied verbatim into markup: help markdown
 *   of our own rules is built with the safe-text helpers; an imported rule's
 *   help is the tool's own and is kept as given. Results never carry
 *   `snippet` (scanners put secrets there).
 * - GitHub's size limits are applied last (`sarif-limits.ts`).
 */
import type { Log, Region, ReportingDescriptor, Result, Run } from 'sarif';
import {
  compareFindings,
  severityRank,
  type Finding,
  type FindingKind,
  type ScannerName,
  type Severity,
} from '../findings/finding.js';
import { FINGERPRINT_KEY } from '../findings/fingerprint.js';
import { targetIdentity } from '../findings/image-ref.js';
import type { ImportOutcome, ScanOutcome } from '../scanners/types.js';
import {
  escapeMarkdown,
  isSafeHttpsUrl,
  markdownCode,
  markdownLink,
  truncate,
} from '../util/safe-text.js';
import { resolveSarifLocation, slugifyTarget, type LocationOptions } from './location.js';
import {
  enforceSarifLimits,
  GITHUB_SARIF_LIMITS,
  noteDroppedBeforeBuild,
  type LimitedSarif,
  type SarifLimits,
  type SarifSerialiser,
} from './sarif-limits.js';

/** `security-severity` written when no CVSS score falls in the finding's band. */
export const SECURITY_SEVERITY_BY_SEVERITY: Record<Severity, number> = {
  CRITICAL: 9.5,
  HIGH: 8.0,
  MEDIUM: 5.5,
  LOW: 2.0,
  UNKNOWN: 0.0,
};

/** CVSS band of each severity, [min, max) (GitHub's own bands). */
const SEVERITY_BANDS: Record<Severity, [number, number]> = {
  CRITICAL: [9.0, 10.01],
  HIGH: [7.0, 9.0],
  MEDIUM: [4.0, 7.0],
  LOW: [0.1, 4.0],
  UNKNOWN: [0, 0],
};

const LEVEL_BY_SEVERITY: Record<Severity, Result.level> = {
  CRITICAL: 'error',
  HIGH: 'error',
  MEDIUM: 'warning',
  LOW: 'note',
  UNKNOWN: 'note',
};

const KIND_RULE_NAME: Record<FindingKind, string> = {
  vulnerability: 'Vulnerability',
  secret: 'Secret',
  misconfiguration: 'Misconfiguration',
  license: 'License',
  pinning: 'UnpinnedReference',
};

/** Home pages of the scanners the action runs (driver.informationUri). */
export const SCANNER_INFORMATION_URI: Record<ScannerName, string | undefined> = {
  trivy: 'https://github.com/aquasecurity/trivy',
  grype: 'https://github.com/anchore/grype',
  pinning: undefined,
};

/** One SARIF run to write and which findings go into it. */
export interface SarifRunSpec {
  /** Driver name (`Trivy`, `Grype`, `gitleaks`, …). */
  tool: string;
  toolVersion?: string;
  informationUri?: string;
  /** A scanner the action ran: the run holds the findings whose `source.scanner` is this. */
  scanner?: ScannerName;
  /** An imported SARIF run: the findings whose source has this tool and `automationId`. */
  automationId?: string;
  /** Imported non-SARIF report: only the findings of this file (with the tool). */
  reportFile?: string;
  /** `automationDetails.id` to write; defaults to `automationId`. */
  categoryId?: string;
}

export interface BuildSarifInput {
  /** Every finding (waived and existing ones included: they are written as such). */
  findings: Finding[];
  runs: SarifRunSpec[];
  location: LocationOptions;
  limits?: SarifLimits;
  /** How the file will be written (default: compact JSON); the size limit is checked on that text. */
  serialise?: SarifSerialiser;
}

/**
 * `automationDetails.id` of a run the action makes: `<prefix>/<scanner>/`,
 * plus `<image-slug>/` for image scans. It ends with `/` because GitHub takes
 * everything up to the last `/` as the category: without it two images would
 * share one category and overwrite each other's alerts. The slug is the
 * image's identity (`image-ref.ts`), without digest or transport: two tags
 * (`node:18` and `node:20`, one matrix job each) keep two categories, while
 * a tag that names a commit is left out, so `app:${{ github.sha }}` keeps one
 * category from commit to commit (a new category on every commit would never
 * close the alerts of the last one).
 */
export function sarifCategoryId(prefix: string, scanner: string, imageRef?: string): string {
  const base = `${prefix.replace(/\/+$/, '')}/${scanner}/`;
  const segment = categoryTargetSegment(imageRef);
  return segment === '' ? base : `${base}${segment}/`;
}

/**
 * The image's segment of a category (see `sarifCategoryId`), `''` without an
 * image: the baseline record's scope names the image the same way.
 */
export function categoryTargetSegment(imageRef: string | undefined): string {
  const identity = targetIdentity(imageRef);
  return identity === '' ? '' : slugifyTarget(identity);
}

/** `security-severity` for a finding: its CVSS score when that agrees with its severity, else the band value. */
export function securitySeverityFor(finding: Pick<Finding, 'severity' | 'cvssScore'>): string {
  const [min, max] = SEVERITY_BANDS[finding.severity];
  const score = finding.cvssScore;
  const value =
    score !== undefined && score >= min && score < max
      ? Math.min(score, 10)
      : SECURITY_SEVERITY_BY_SEVERITY[finding.severity];
  return value.toFixed(1);
}

/** SARIF level of a severity (SPEC section 8, "Levels"). */
export function sarifLevelFor(severity: Severity): Result.level {
  return LEVEL_BY_SEVERITY[severity];
}

/**
 * The run specs for one action run: one per scanner that succeeded, one per
 * imported SARIF run (tool + automationId, empty runs included), one per
 * imported JSON report's (tool, target).
 */
export function buildRunSpecs(options: {
  scans: ScanOutcome[];
  imports: ImportOutcome[];
  category: string;
  imageRef?: string;
}): SarifRunSpec[] {
  const specs: SarifRunSpec[] = options.scans
    .filter((scan) => scan.error === undefined)
    .map((scan) => ({
      tool: scan.tool,
      toolVersion: scan.version,
      informationUri: SCANNER_INFORMATION_URI[scan.scanner],
      scanner: scan.scanner,
      categoryId: sarifCategoryId(options.category, scan.scanner, options.imageRef),
    }));
  const seen = new Set<string>();
  const add = (key: string, spec: SarifRunSpec): void => {
    if (seen.has(key)) return;
    seen.add(key);
    specs.push(spec);
  };
  const importRunKey = (file: string, tool: string, target: string | undefined) => {
    const usable = target === undefined || /^\.?\/?$/.test(target) ? undefined : target;
    const categoryId = sarifCategoryId(options.category, slugifyTarget(tool), usable);
    return { key: `${file}\u0000${tool}\u0000${categoryId}`, categoryId };
  };
  for (const outcome of options.imports) {
    if (outcome.findings.length === 0 && outcome.scan !== undefined) {
      // A clean report is news too: its empty run closes the alerts it no longer has.
      const { tool, toolVersion, informationUri, target } = outcome.scan;
      const { key, categoryId } = importRunKey(outcome.file, tool, target);
      add(key, { tool, toolVersion, informationUri, reportFile: outcome.file, categoryId });
    }
    for (const finding of outcome.findings) {
      const { tool, toolVersion, informationUri, automationId } = finding.source;
      if (outcome.format === 'sarif') {
        add(`sarif\u0000${tool}\u0000${automationId ?? ''}`, {
          tool,
          toolVersion,
          informationUri,
          automationId,
        });
      } else {
        const { key, categoryId } = importRunKey(outcome.file, tool, finding.target);
        add(key, {
          tool,
          toolVersion,
          informationUri,
          reportFile: outcome.file,
          categoryId,
        });
      }
    }
    for (const run of outcome.emptyRuns ?? []) {
      add(`sarif\u0000${run.tool}\u0000${run.automationId ?? ''}`, { ...run });
    }
  }
  return specs;
}

/** The `automationDetails.id` a spec's run is written with, when it has one. */
export function runCategory(spec: SarifRunSpec): string | undefined {
  return spec.categoryId ?? spec.automationId;
}

function belongsToRun(finding: Finding, spec: SarifRunSpec): boolean {
  const source = finding.source;
  if (spec.scanner !== undefined) return source.scanner === spec.scanner;
  if (spec.reportFile !== undefined && source.reportFile !== spec.reportFile) return false;
  return (
    source.scanner === undefined &&
    source.tool === spec.tool &&
    source.automationId === spec.automationId
  );
}

function isAbsoluteUri(uri: string | undefined): uri is string {
  if (uri === undefined) return false;
  try {
    return new URL(uri).protocol.length > 1 && !/\s/.test(uri);
  } catch {
    return false;
  }
}

/**
 * What one build of a log works out once per distinct text: the findings of
 * a large report share their reference URLs (in the benchmark's 50,000
 * vulnerabilities, 250,000 references name 43,000 URLs), and each check
 * parses the URL.
 */
interface BuildCache {
  absoluteUri: Map<string, boolean>;
  safeUrl: Map<string, boolean>;
  link: Map<string, string>;
}

function createBuildCache(): BuildCache {
  return { absoluteUri: new Map(), safeUrl: new Map(), link: new Map() };
}

function cached<V>(map: Map<string, V>, key: string, make: (key: string) => V): V {
  let value = map.get(key);
  if (value === undefined && !map.has(key)) {
    value = make(key);
    map.set(key, value);
  }
  return value as V;
}

function nonEmpty(...texts: Array<string | undefined>): string {
  for (const text of texts) if (text !== undefined && text.trim() !== '') return text.trim();
  return '';
}

/** The first `max` distinct safe https URLs of `urls`, in order (the rest are never checked). */
function firstSafeLinks(urls: Array<string | undefined>, max: number, cache: BuildCache): string[] {
  const links = new Set<string>();
  for (const url of urls) {
    if (links.size === max) break;
    if (url !== undefined && !links.has(url) && cached(cache.safeUrl, url, isSafeHttpsUrl))
      links.add(url);
  }
  return [...links];
}

function buildHelp(
  finding: Finding,
  helpUri: string | undefined,
  cache: BuildCache,
): { text: string; markdown: string } {
  const rule = finding.rule;
  const description = nonEmpty(
    rule?.fullDescription,
    finding.description,
    finding.title,
    finding.ruleId,
  );
  const uniqueLinks = firstSafeLinks([helpUri, ...finding.references], 5, cache);
  const text = [
    `${finding.ruleId}: ${nonEmpty(finding.title, finding.ruleId)}`,
    `Kind: ${finding.kind}; severity: ${finding.severity}`,
    description,
    ...uniqueLinks,
  ].join('\n');
  const markdown = [
    `**${escapeMarkdown(nonEmpty(finding.title, finding.ruleId))}**`,
    '',
    `| Rule | Kind | Severity |`,
    `| --- | --- | --- |`,
    `| ${markdownCode(finding.ruleId)} | ${finding.kind} | ${finding.severity} |`,
    '',
    escapeMarkdown(description, 4000),
    ...(uniqueLinks.length > 0
      ? [
          '',
          ...uniqueLinks.map((u) => `- ${cached(cache.link, u, (url) => markdownLink(url, url))}`),
        ]
      : []),
  ].join('\n');
  if (rule?.helpText === undefined) return { text, markdown: rule?.helpMarkdown ?? markdown };
  // A tool's plain help text, made safe line by line (escapeMarkdown flattens newlines).
  const escaped = rule.helpText
    .split(/\r?\n/)
    .map((line) => escapeMarkdown(line))
    .join('  \n');
  return { text: rule.helpText, markdown: rule.helpMarkdown ?? escaped };
}

/** A rule from the most severe finding that names it. */
function buildRule(finding: Finding, cache: BuildCache): ReportingDescriptor {
  const rule = finding.rule;
  const helpUri = [rule?.helpUri, finding.primaryUrl].find(
    (uri): uri is string => uri !== undefined && cached(cache.absoluteUri, uri, isAbsoluteUri),
  );
  const tags = [
    ...new Set(['security', finding.kind, finding.severity.toLowerCase(), ...(rule?.tags ?? [])]),
  ].slice(0, 20);
  const short = nonEmpty(rule?.shortDescription, finding.title, finding.ruleId);
  return {
    id: finding.ruleId,
    // SARIF1001: a name equal to the id is noise; a readable kind name instead.
    name: truncate(
      rule?.name !== undefined && rule.name !== finding.ruleId
        ? rule.name
        : KIND_RULE_NAME[finding.kind],
      255,
    ),
    shortDescription: { text: truncate(short, 1024) },
    fullDescription: {
      text: truncate(nonEmpty(rule?.fullDescription, finding.description, short), 1024),
    },
    help: buildHelp(finding, helpUri, cache),
    ...(helpUri === undefined ? {} : { helpUri }),
    properties: {
      'security-severity': securitySeverityFor(finding),
      tags,
      precision: finding.kind === 'secret' ? 'high' : 'very-high',
    },
  };
}

function buildMessage(finding: Finding): string {
  const pkg = finding.package;
  if (finding.kind === 'vulnerability' && pkg !== undefined) {
    const installed = pkg.installedVersion ?? 'an unknown version';
    const fixed =
      pkg.fixedVersions.length > 0
        ? `fixed in ${pkg.fixedVersions.join(', ')}`
        : 'no fixed version yet';
    return truncate(
      `Package ${pkg.name} installed ${installed}, ${fixed}: ${nonEmpty(finding.title, finding.ruleId)}`,
      4000,
    );
  }
  return truncate(nonEmpty(finding.description, finding.title, finding.ruleId), 4000);
}

function buildProperties(finding: Finding): Record<string, unknown> {
  const pkg = finding.package;
  // Copied key by key rather than spread: spreading objects of many shapes, then adding
  // keys, measured 6× slower over 25,000 results (serialising included).
  const props: Record<string, unknown> = {};
  const own = finding.properties ?? {};
  for (const key of Object.keys(own)) props[key] = own[key];
  props.severity = finding.severity;
  props.scanners = finding.tools;
  if (finding.severityBySource !== undefined)
    props['severity-by-scanner'] = finding.severityBySource;
  if (finding.target !== undefined) props.target = finding.target;
  if (finding.cvssScore !== undefined) props.cvss = finding.cvssScore;
  if (finding.aliases.length > 0) props.aliases = finding.aliases;
  if (pkg !== undefined) {
    props.package = pkg.name;
    if (pkg.installedVersion !== undefined) props['installed-version'] = pkg.installedVersion;
    props['fixed-versions'] = pkg.fixedVersions;
    if (pkg.type !== undefined) props['package-type'] = pkg.type;
    if (pkg.purl !== undefined) props.purl = pkg.purl;
    if (pkg.aliases !== undefined && pkg.aliases.length > 0) props['package-aliases'] = pkg.aliases;
  }
  return props;
}

function buildResult(finding: Finding, ruleIndex: number, location: LocationOptions): Result {
  const where = resolveSarifLocation(finding, location);
  const { uri, startLine, endLine, startColumn, endColumn } = where;
  // Built field by field: no undefined fields, and no intermediate arrays for 25,000 results.
  const region: Region = { startLine };
  if (endLine !== undefined) region.endLine = endLine;
  if (startColumn !== undefined) region.startColumn = startColumn;
  if (endColumn !== undefined) region.endColumn = endColumn;
  const fingerprints: Record<string, string> = { ...finding.partialFingerprints };
  // Never overwrite what the tool set: GitHub matches alerts across uploads by these.
  fingerprints[FINGERPRINT_KEY] ??= finding.id;
  // Our id is already line-content based and unique in the list, so it serves as the line hash.
  fingerprints.primaryLocationLineHash ??= `${finding.id}:1`;
  const result: Result = {
    ruleId: finding.ruleId,
    ruleIndex,
    level: sarifLevelFor(finding.severity),
    message: { text: buildMessage(finding) },
    locations: [{ physicalLocation: { artifactLocation: { uri }, region } }],
    partialFingerprints: fingerprints,
    properties: buildProperties(finding),
  };
  if (finding.waiver !== undefined) {
    const w = finding.waiver;
    const details = [
      w.reason,
      w.expires && `expires ${w.expires}`,
      w.approvedBy && `approved by ${w.approvedBy}`,
      w.mitigation && `mitigation: ${w.mitigation}`,
    ];
    result.suppressions = [
      {
        kind: 'external',
        status: 'accepted',
        justification: truncate(details.filter(Boolean).join('; '), 1024),
      },
    ];
  }
  if (finding.baselineState !== undefined)
    result.baselineState = finding.baselineState === 'new' ? 'new' : 'unchanged';
  return result;
}

/**
 * Builds a run of at most `maxResults` results: the most severe findings
 * (findings sorted as `compareFindings` sorts them, severity first); the
 * others are only counted, for the truncation note.
 */
function buildLimitedRun(
  group: { spec: SarifRunSpec; findings: Finding[] },
  location: LocationOptions,
  maxResults: number,
): Run {
  const sorted = [...group.findings].sort(compareFindings);
  const run = buildRun(group.spec, sorted.slice(0, maxResults), location, createBuildCache());
  noteDroppedBeforeBuild(
    run,
    sorted.slice(maxResults).map((f) => severityRank(f.severity)),
  );
  return run;
}

/** A run of `sorted` (in `compareFindings` order, so each rule comes from its most severe finding). */
function buildRun(
  spec: SarifRunSpec,
  sorted: Finding[],
  location: LocationOptions,
  cache: BuildCache,
): Run {
  const rules: ReportingDescriptor[] = [];
  const ruleIndexes = new Map<string, number>();
  const results = sorted.map((finding) => {
    let index = ruleIndexes.get(finding.ruleId);
    if (index === undefined) {
      index = rules.push(buildRule(finding, cache)) - 1;
      ruleIndexes.set(finding.ruleId, index);
    }
    return buildResult(finding, index, location);
  });
  const driver: Run['tool']['driver'] = { name: spec.tool, rules };
  // SARIF2005 wants a version that starts with a digit: `v8.0.0` is written `8.0.0`.
  if (spec.toolVersion !== undefined && spec.toolVersion !== '')
    driver.version = spec.toolVersion.replace(/^v(?=\d)/, '');
  if (isAbsoluteUri(spec.informationUri)) driver.informationUri = spec.informationUri;
  const categoryId = runCategory(spec);
  return {
    tool: { driver },
    ...(categoryId === undefined ? {} : { automationDetails: { id: categoryId } }),
    invocations: [{ executionSuccessful: true }],
    columnKind: 'utf16CodeUnits',
    results,
  };
}

/** The log of `input`'s runs, before the limits that need the whole log. */
function buildLog(input: BuildSarifInput): Log {
  const groups = new Map<string, { spec: SarifRunSpec; findings: Finding[] }>();
  const claims = input.runs.map((spec) => {
    const key = `${spec.tool}\u0000${runCategory(spec) ?? ''}`;
    const group = groups.get(key) ?? { spec, findings: [] };
    groups.set(key, group);
    return { spec, group };
  });
  for (const finding of input.findings) {
    // Each finding goes to the first run that claims it, so nothing is written twice.
    claims.find(({ spec }) => belongsToRun(finding, spec))?.group.findings.push(finding);
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [...groups.values()].map((g) =>
      buildLimitedRun(g, input.location, (input.limits ?? GITHUB_SARIF_LIMITS).maxResultsPerRun),
    ),
  };
}

/**
 * Builds the SARIF log: one run per (tool, category) of `runs`, GitHub's
 * limits applied. `truncation` lists, for the summary, what the limits cut;
 * `text` is the log serialised as `input.serialise` writes it. The log is
 * built, limited and serialised before this returns: only the gzip that
 * measures a large file runs after, on another thread, so the caller can do
 * other work meanwhile (see `enforceSarifLimits`).
 */
export function buildSarif(input: BuildSarifInput): Promise<LimitedSarif> {
  // The log was built here: limit it in place rather than copying it.
  return enforceSarifLimits(buildLog(input), input.limits ?? GITHUB_SARIF_LIMITS, input.serialise);
}
