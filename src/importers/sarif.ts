/**
 * Imports any SARIF 2.1.0 file (SPEC sections 5 and 8): every result of
 * every run becomes a Finding. Pure: the caller reads and parses the file.
 *
 * - Severity: the rule's `security-severity` in CVSS bands (≥ 9 CRITICAL,
 *   ≥ 7 HIGH, ≥ 4 MEDIUM, > 0 LOW), else (no score, or one not > 0 such as
 *   "0.0") the result's `level`, else the rule's `defaultConfiguration.level`,
 *   else SARIF's own default `warning` (error HIGH, warning MEDIUM, note LOW,
 *   none UNKNOWN).
 * - Kind: from the rule's or result's tags, the rule name, or the tool
 *   (secret scanners); else `vulnerability` for CVE-like ids, else
 *   `misconfiguration` (the closest of our kinds for a generic code rule).
 * - URIs become repository-relative: `file://` and percent-encoding removed,
 *   `uriBaseId`s resolved through `originalUriBaseIds`, the `workspace`
 *   prefix cut; a relative URI under a base is kept as the tool wrote it.
 * - `snippet`s are never read (scanners put secrets there); the tool's
 *   `partialFingerprints` are kept as they are. Our own `securityGate/v1`
 *   becomes the finding's id: the run that scanned computed it against the
 *   checkout it scanned, which the importing run may not have.
 * - A result without a line (no `region.startLine`) is a whole-file finding.
 * - Results whose rule the run does not list are imported all the same (the
 *   writer adds the rule); results of kind `pass`/`notApplicable` are not
 *   problems and are skipped; results the tool itself suppressed arrive waived
 *   (SARIF §3.35.3: some suppression `accepted` or without a status, none
 *   `underReview` or `rejected`), unless `trustSuppressions` is false.
 * - `categoryPrefix`: every run's `automationDetails.id` that does not start
 *   with `<prefix>/` is put under it, so a report from an untrusted artifact
 *   cannot write into another tool's category (CodeQL's, say).
 */
import { z } from 'zod';
import { ReportFormatError } from '../config/errors.js';
import type {
  FileLocation,
  Finding,
  FindingKind,
  RuleInfo,
  Severity,
} from '../findings/finding.js';
import { FINGERPRINT_KEY, FINGERPRINT_LENGTH } from '../findings/fingerprint.js';
import { toRepositoryPath } from '../report/location.js';
import type { ImportOutcome } from '../scanners/types.js';

const Text = z.looseObject({ text: z.string().optional(), markdown: z.string().optional() });
const Message = z.looseObject({
  text: z.string().optional(),
  id: z.string().optional(),
  arguments: z.array(z.unknown()).optional(),
});
const Properties = z.record(z.string(), z.unknown());
const Rule = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  shortDescription: Text.optional(),
  fullDescription: Text.optional(),
  help: Text.optional(),
  helpUri: z.string().optional(),
  defaultConfiguration: z.looseObject({ level: z.string().optional() }).optional(),
  messageStrings: z.record(z.string(), Text).optional(),
  properties: Properties.optional(),
});
const ArtifactLocation = z.looseObject({
  uri: z.string().optional(),
  uriBaseId: z.string().optional(),
  index: z.number().optional(),
});
const Region = z.looseObject({
  startLine: z.number().optional(),
  endLine: z.number().optional(),
  startColumn: z.number().optional(),
  endColumn: z.number().optional(),
});
const Location = z.looseObject({
  physicalLocation: z
    .looseObject({ artifactLocation: ArtifactLocation.optional(), region: Region.optional() })
    .optional(),
  logicalLocations: z
    .array(
      z.looseObject({ name: z.string().optional(), fullyQualifiedName: z.string().optional() }),
    )
    .optional(),
});
const Result = z.looseObject({
  ruleId: z.string().optional(),
  ruleIndex: z.number().optional(),
  rule: z.looseObject({ id: z.string().optional(), index: z.number().optional() }).optional(),
  level: z.string().optional(),
  kind: z.string().optional(),
  message: Message,
  locations: z.array(Location).nullish(),
  partialFingerprints: z.record(z.string(), z.unknown()).optional(),
  properties: Properties.optional(),
  suppressions: z
    .array(z.looseObject({ status: z.string().optional(), justification: z.string().optional() }))
    .optional(),
});
const ToolComponent = z.looseObject({
  name: z.string(),
  version: z.string().optional(),
  semanticVersion: z.string().optional(),
  informationUri: z.string().optional(),
  rules: z.array(Rule).nullish(),
});
const Run = z.looseObject({
  tool: z.looseObject({ driver: ToolComponent, extensions: z.array(ToolComponent).nullish() }),
  results: z.array(Result).nullish(),
  automationDetails: z.looseObject({ id: z.string().optional() }).optional(),
  originalUriBaseIds: z.record(z.string(), ArtifactLocation).optional(),
  artifacts: z.array(z.looseObject({ location: ArtifactLocation.optional() })).nullish(),
  properties: Properties.optional(),
});
const SarifLog = z.looseObject({ version: z.literal('2.1.0'), runs: z.array(Run) });

type SarifRun = z.infer<typeof Run>;
type SarifResult = z.infer<typeof Result>;
type SarifRule = z.infer<typeof Rule>;

/** Options of the importer. */
export interface ImportSarifOptions {
  /** Absolute path of the repository checkout: absolute URIs under it become relative. */
  workspace?: string;
  /**
   * False for a report from an untrusted source (a `workflow_run` artifact,
   * written by a fork's own workflow): its suppressions are ignored, and the
   * findings count. Default true.
   */
  trustSuppressions?: boolean;
  /** The `sarif-category` every run's `automationDetails.id` must start with (see the header). */
  categoryPrefix?: string;
}

const LEVEL_SEVERITY: Record<string, Severity> = {
  error: 'HIGH',
  warning: 'MEDIUM',
  note: 'LOW',
  none: 'UNKNOWN',
};
const KIND_WORDS: Array<[RegExp, FindingKind]> = [
  [/secret|credential|leak/i, 'secret'],
  [/vulnerab|^cve$/i, 'vulnerability'],
  [/misconfig|^iac$|^config$/i, 'misconfiguration'],
  [/licen[cs]e/i, 'license'],
  [/pinning|unpinned/i, 'pinning'],
];
const SECRET_TOOLS = /gitleaks|trufflehog|detect-secrets|ggshield|secretlint/i;
const VULNERABILITY_ID = /^(CVE|GHSA|OSV|PYSEC|GO|RUSTSEC|GSD|ALAS2?|RHSA|DSA|DLA|USN|ELSA|SNYK)-/i;

/** Severity from a CVSS-like score (SPEC section 5 bands), undefined when it is not a number. */
export function severityFromScore(value: unknown): Severity | undefined {
  const score = typeof value === 'number' ? value : Number.parseFloat(String(value ?? ''));
  if (!Number.isFinite(score)) return undefined;
  return score >= 9
    ? 'CRITICAL'
    : score >= 7
      ? 'HIGH'
      : score >= 4
        ? 'MEDIUM'
        : score > 0
          ? 'LOW'
          : 'UNKNOWN';
}

function stringTags(...bags: Array<Record<string, unknown> | undefined>): string[] {
  return bags.flatMap((bag) =>
    Array.isArray(bag?.tags) ? bag.tags.filter((t): t is string => typeof t === 'string') : [],
  );
}

function detectKind(
  result: SarifResult,
  rule: SarifRule | undefined,
  tool: string,
  ruleId: string,
): FindingKind {
  const words = [...stringTags(rule?.properties, result.properties), rule?.name ?? ''];
  for (const [pattern, kind] of KIND_WORDS) if (words.some((w) => pattern.test(w))) return kind;
  if (SECRET_TOOLS.test(tool)) return 'secret';
  return VULNERABILITY_ID.test(ruleId) ? 'vulnerability' : 'misconfiguration';
}

function detectSeverity(result: SarifResult, rule: SarifRule | undefined): Severity {
  const fromScore = severityFromScore(rule?.properties?.['security-severity']);
  // A score that is not > 0 ("0.0") rates nothing: the level still says something.
  if (fromScore !== undefined && fromScore !== 'UNKNOWN') return fromScore;
  // SARIF §3.27.10: an absent level is the rule's configured one, else `warning`.
  return (
    LEVEL_SEVERITY[result.level ?? rule?.defaultConfiguration?.level ?? 'warning'] ?? 'UNKNOWN'
  );
}

function findRule(run: SarifRun, result: SarifResult): SarifRule | undefined {
  const rules = run.tool.driver.rules ?? [];
  const id = result.ruleId ?? result.rule?.id;
  const byIndex = rules[result.ruleIndex ?? result.rule?.index ?? -1];
  if (id === undefined) return byIndex;
  if (byIndex?.id === id) return byIndex;
  const all = [...rules, ...(run.tool.extensions ?? []).flatMap((e) => e.rules ?? [])];
  // Hierarchical ids (`a/b`) may name a rule `a` (SARIF §3.27.5).
  return all.find((r) => r.id === id) ?? all.find((r) => id.startsWith(`${r.id}/`));
}

function messageText(result: SarifResult, rule: SarifRule | undefined): string {
  const message = result.message;
  if (message.text !== undefined) return message.text;
  const template = message.id === undefined ? undefined : rule?.messageStrings?.[message.id]?.text;
  return (template ?? '').replace(/\{(\d+)\}/g, (_, i: string) =>
    String(message.arguments?.[Number(i)] ?? ''),
  );
}

function decodeUri(uri: string): string {
  try {
    return decodeURIComponent(uri);
  } catch {
    return uri;
  }
}

/** `file:///a/b` → `/a/b`, `file:///C:/a` → `C:/a`; other strings are only percent-decoded. */
function uriToPath(uri: string): string {
  const match = /^file:(?:\/\/[^/]*)?(\/.*)$/i.exec(uri);
  if (match === null) return decodeUri(uri).replace(/\\/g, '/');
  const path = decodeUri(match[1] ?? '');
  return /^\/[a-z]:\//i.test(path) ? path.slice(1) : path;
}

function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[a-z]:\//i.test(path);
}

/** Joins a base URI and a relative one, following `uriBaseId` chains (bounded against cycles). */
function resolveBase(run: SarifRun, baseId: string | undefined, relative: string): string {
  let uri = relative;
  let id = baseId;
  for (let depth = 0; id !== undefined && depth < 8; depth += 1) {
    const base = run.originalUriBaseIds?.[id];
    if (base?.uri === undefined) break;
    uri = `${base.uri.replace(/\/?$/, '/')}${uri.replace(/^\/+/, '')}`;
    id = base.uriBaseId;
  }
  return uri;
}

function toRelative(path: string, workspace: string | undefined): string | undefined {
  const root = workspace?.replace(/\\/g, '/').replace(/\/+$/, '');
  if (
    root !== undefined &&
    root !== '' &&
    path.toLowerCase().startsWith(`${root.toLowerCase()}/`)
  ) {
    return path.slice(root.length + 1);
  }
  return undefined;
}

/** A repository-relative path for an artifact location, or undefined. */
function resolvePath(
  run: SarifRun,
  location: z.infer<typeof ArtifactLocation>,
  workspace?: string,
): string | undefined {
  const own = location.uri ?? run.artifacts?.[location.index ?? -1]?.location?.uri;
  if (own === undefined || own === '') return undefined;
  const full = uriToPath(
    location.uriBaseId === undefined ? own : resolveBase(run, location.uriBaseId, own),
  );
  const underWorkspace = isAbsolutePath(full) ? toRelative(full, workspace) : undefined;
  if (underWorkspace !== undefined) return underWorkspace;
  const path = uriToPath(own);
  // Outside the workspace (a path inside an image, another machine's checkout): keep it, relative;
  // a path that climbs out of the root (`..`) is no location at all.
  return toRepositoryPath(isAbsolutePath(path) ? path.replace(/^([a-z]:)?\/+/i, '') : path);
}

function buildLocation(
  run: SarifRun,
  result: SarifResult,
  workspace?: string,
): FileLocation | undefined {
  const physical = result.locations?.[0]?.physicalLocation;
  if (physical?.artifactLocation === undefined) return undefined;
  const path = resolvePath(run, physical.artifactLocation, workspace);
  if (path === undefined || path === '') return undefined;
  const region = physical.region;
  const startLine = Math.max(1, Math.trunc(region?.startLine ?? 1));
  const location: FileLocation = { path, startLine };
  if (region?.startLine === undefined) location.wholeFile = true;
  if (region?.endLine !== undefined && region.endLine >= startLine)
    location.endLine = Math.trunc(region.endLine);
  if (region?.startColumn !== undefined && region.startColumn >= 1)
    location.startColumn = Math.trunc(region.startColumn);
  if (region?.endColumn !== undefined && region.endColumn >= 1)
    location.endColumn = Math.trunc(region.endColumn);
  return location;
}

function buildRuleInfo(rule: SarifRule | undefined): RuleInfo | undefined {
  if (rule === undefined) return undefined;
  const info: RuleInfo = {
    name: rule.name,
    shortDescription: rule.shortDescription?.text,
    fullDescription: rule.fullDescription?.text,
    helpText: rule.help?.text,
    helpMarkdown: rule.help?.markdown,
    helpUri: rule.helpUri,
    tags: stringTags(rule.properties),
  };
  return Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined)) as RuleInfo;
}

/** A fingerprint as `fingerprint.ts` writes it: `FINGERPRINT_LENGTH` lower-case hex characters. */
const OWN_FINGERPRINT = new RegExp(`^[0-9a-f]{${FINGERPRINT_LENGTH}}$`);

/** Our own fingerprint, when the result carries one. */
function readOwnFingerprint(result: SarifResult): string | undefined {
  const value = result.partialFingerprints?.[FINGERPRINT_KEY];
  return typeof value === 'string' && OWN_FINGERPRINT.test(value) ? value : undefined;
}

/** The tool's fingerprints; ours is the finding's id instead (the writer adds it back). */
function keptFingerprints(result: SarifResult): Record<string, string> | undefined {
  const own = readOwnFingerprint(result);
  const entries = Object.entries(result.partialFingerprints ?? {}).filter(
    (e): e is [string, string] =>
      typeof e[1] === 'string' && !(e[0] === FINGERPRINT_KEY && e[1] === own),
  );
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

/**
 * The suppression that makes a result suppressed (SARIF §3.35.3): one that
 * is `accepted` or has no status, with none `underReview` or `rejected`.
 */
function readSuppression(
  result: SarifResult,
): NonNullable<SarifResult['suppressions']>[number] | undefined {
  const all = result.suppressions ?? [];
  if (all.some((s) => s.status === 'underReview' || s.status === 'rejected')) return undefined;
  return all.find((s) => s.status === undefined || s.status === 'accepted');
}

/** `automationDetails.id` under `<prefix>/` unless it already is (see the header). */
export function prefixCategory(
  id: string | undefined,
  prefix: string | undefined,
): string | undefined {
  if (prefix === undefined) return id;
  const base = prefix.replace(/\/+$/, '');
  if (base === '') return id;
  if (id !== undefined && id.startsWith(`${base}/`)) return id;
  return `${base}/${(id ?? '').replace(/^\/+/, '')}`;
}

interface RunContext {
  run: SarifRun;
  file: string;
  workspace?: string;
  trustSuppressions: boolean;
  automationId?: string;
}

const ownPropertiesSchema = z.looseObject({
  package: z.string().optional(),
  'installed-version': z.string().optional(),
  'fixed-versions': z.array(z.string()).optional(),
  'package-type': z.string().optional(),
  purl: z.string().optional(),
  target: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  'package-aliases': z.array(z.string()).optional(),
});

/**
 * The package, target and aliases this action writes into a result's
 * properties: reading them back lets an aggregate job that imports the SARIF
 * of earlier jobs tell apart two packages that share a CVE, and plan upgrades.
 */
function readOwnProperties(properties: unknown): Pick<Finding, 'package' | 'target' | 'aliases'> {
  const parsed = ownPropertiesSchema.safeParse(properties ?? {});
  if (!parsed.success) return { aliases: [] };
  const p = parsed.data;
  return {
    aliases: p.aliases ?? [],
    target: p.target,
    package:
      p.package === undefined
        ? undefined
        : {
            name: p.package,
            installedVersion: p['installed-version'],
            fixedVersions: p['fixed-versions'] ?? [],
            type: p['package-type'],
            purl: p.purl,
            aliases: p['package-aliases'],
          },
  };
}

function importResult(result: SarifResult, context: RunContext): Finding {
  const { run, file } = context;
  const driver = run.tool.driver;
  const rule = findRule(run, result);
  const ruleId = result.ruleId ?? result.rule?.id ?? rule?.id ?? 'unknown-rule';
  const text = messageText(result, rule).trim();
  const firstLine = text
    .split(/\r?\n/)
    .find((l) => l.trim() !== '')
    ?.trim();
  const score = Number.parseFloat(String(rule?.properties?.['security-severity'] ?? ''));
  const location = buildLocation(run, result, context.workspace);
  const logical = result.locations?.[0]?.logicalLocations?.[0];
  const imageName = run.properties?.imageName;
  const suppression = context.trustSuppressions ? readSuppression(result) : undefined;
  const finding: Finding = {
    id: readOwnFingerprint(result) ?? '',
    kind: detectKind(result, rule, driver.name, ruleId),
    ruleId,
    aliases: [],
    severity: detectSeverity(result, rule),
    title: (rule?.shortDescription?.text ?? firstLine ?? ruleId).slice(0, 300),
    description: text || (rule?.fullDescription?.text ?? ''),
    tools: [driver.name],
    source: {
      tool: driver.name,
      toolVersion: driver.version ?? driver.semanticVersion,
      informationUri: driver.informationUri,
      reportFile: file,
      automationId: context.automationId,
    },
    references: rule?.helpUri === undefined ? [] : [rule.helpUri],
  };
  const ours = readOwnProperties(result.properties);
  const rest: Partial<Finding> = {
    rule: buildRuleInfo(rule),
    location,
    package: ours.package,
    aliases: ours.aliases,
    target:
      ours.target ??
      (typeof imageName === 'string' ? imageName : (logical?.fullyQualifiedName ?? logical?.name)),
    cvssScore: Number.isFinite(score) && score > 0 ? score : undefined,
    primaryUrl: rule?.helpUri,
    partialFingerprints: keptFingerprints(result),
    waiver: suppression && {
      origin: `${file} (suppressed in the SARIF)`,
      reason: suppression.justification ?? 'suppressed by the tool',
    },
  };
  for (const [key, value] of Object.entries(rest))
    if (value !== undefined) Object.assign(finding, { [key]: value });
  return finding;
}

/** Imports a parsed SARIF 2.1.0 log; throws `ReportFormatError` naming the file when it is not one. */
export function importSarif(
  log: unknown,
  file: string,
  options: ImportSarifOptions = {},
): ImportOutcome {
  const parsed = SarifLog.safeParse(log);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where =
      issue === undefined ? '' : ` at ${issue.path.join('.') || 'the top level'}: ${issue.message}`;
    throw new ReportFormatError(file, `is not valid SARIF 2.1.0${where}`);
  }
  const trustSuppressions = options.trustSuppressions ?? true;
  const findings: Finding[] = [];
  const emptyRuns: NonNullable<ImportOutcome['emptyRuns']> = [];
  let ignoredSuppressions = 0;
  for (const run of parsed.data.runs) {
    const automationId = prefixCategory(run.automationDetails?.id, options.categoryPrefix);
    const context: RunContext = { run, file, workspace: options.workspace, trustSuppressions };
    if (automationId !== undefined) context.automationId = automationId;
    const results = (run.results ?? []).filter(
      (r) => r.kind !== 'pass' && r.kind !== 'notApplicable',
    );
    findings.push(...results.map((r) => importResult(r, context)));
    if (!trustSuppressions)
      ignoredSuppressions += results.filter((r) => readSuppression(r) !== undefined).length;
    if (results.length === 0) {
      const driver = run.tool.driver;
      const empty: (typeof emptyRuns)[number] = { tool: driver.name };
      const version = driver.version ?? driver.semanticVersion;
      if (version !== undefined) empty.toolVersion = version;
      if (automationId !== undefined) empty.automationId = automationId;
      emptyRuns.push(empty);
    }
  }
  const outcome: ImportOutcome = { file, format: 'sarif', findings, emptyRuns };
  if (ignoredSuppressions > 0) outcome.notes = [describeIgnoredSuppressions(ignoredSuppressions)];
  return outcome;
}

/** The summary line for suppressions not honoured (SPEC section 11, fork pull requests). */
function describeIgnoredSuppressions(count: number): string {
  return `${count} result(s) suppressed in this report were counted anyway: the report came from another workflow's artifact (workflow_run), whose suppressions are not trusted.`;
}
