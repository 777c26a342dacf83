/**
 * Parsing the three places accepted risks are written (spec section 6): the
 * waivers file, `.trivyignore` and `.grype.yaml` `ignore:` rules. Pure: text
 * in, `Waiver[]` out; a malformed entry is a `ConfigError` whose one line
 * names the file, the entry and the problem.
 */
import picomatch from 'picomatch';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../config/errors.js';
import { isIsoDate, type Waiver } from './waiver.js';

export type { Waiver } from './waiver.js';

const WAIVER_KEYS = [
  'id',
  'package',
  'path',
  'reason',
  'expires',
  'approved-by',
  'mitigation',
] as const;

function optionalText(key: string) {
  return z
    .string({ error: `'${key}' must be text` })
    .trim()
    .min(1, { error: `'${key}' is empty (leave the key out instead)` })
    .optional();
}

const entrySchema = z
  .strictObject(
    {
      id: optionalText('id'),
      package: optionalText('package'),
      path: optionalText('path').refine(
        (glob) => glob === undefined || describeGlobProblem(glob) === undefined,
        {
          error: (issue) => `'path' ${describeGlobProblem(String(issue.input))}`,
        },
      ),
      reason: z
        .string({
          error: (issue) =>
            issue.input === undefined
              ? "'reason' is required: say why the risk is accepted"
              : "'reason' must be text",
        })
        .trim()
        .min(1, { error: "'reason' is empty: say why the risk is accepted" }),
      expires: z
        .string({
          error: (issue) =>
            issue.input === undefined
              ? "'expires' is required: the date (YYYY-MM-DD) from which the waiver no longer applies"
              : `'expires' ${JSON.stringify(issue.input)} is not a date written YYYY-MM-DD`,
        })
        .trim()
        .refine(isIsoDate, {
          error: (issue) =>
            `'expires' ${JSON.stringify(issue.input)} is not a real date written YYYY-MM-DD`,
        }),
      'approved-by': optionalText('approved-by'),
      mitigation: optionalText('mitigation'),
    },
    { error: (issue) => describeUnknownKeys(issue) },
  )
  .refine(
    (entry) => entry.id !== undefined || entry.package !== undefined || entry.path !== undefined,
    {
      error:
        "needs at least one of 'id', 'package' or 'path' (otherwise it would waive everything)",
    },
  );

function describeUnknownKeys(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys?: string[] }).keys ?? [];
    return `unknown key ${keys.map((k) => `'${k}'`).join(', ')} (accepted: ${WAIVER_KEYS.join(', ')})`;
  }
  if (issue.code === 'invalid_type') return 'is not a mapping of id, reason, expires, …';
  return undefined;
}

/** Why a glob cannot be used, or undefined when it can. */
export function describeGlobProblem(glob: string): string | undefined {
  if (glob.startsWith('!'))
    return `${JSON.stringify(glob)} is a negated glob; waivers list what they cover`;
  if (glob.includes('\\')) return `${JSON.stringify(glob)} contains '\\'; use forward slashes`;
  try {
    picomatch.makeRe(glob, { strictBrackets: true });
    return undefined;
  } catch (error) {
    return `${JSON.stringify(glob)} is not a valid glob (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Parses the waivers file (spec section 6). Throws `ConfigError` on the first malformed entry. */
export function parseWaiversFile(text: string, file: string): Waiver[] {
  const lineCounter = new LineCounter();
  const doc = readYaml(text, file, lineCounter);
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) return [];
  if (
    typeof root !== 'object' ||
    Array.isArray(root) ||
    Object.keys(root).some((key) => key !== 'waivers')
  ) {
    throw new ConfigError(
      `${file}: expected a mapping with one key, 'waivers:' (a list of waivers).`,
    );
  }
  const list = (root as { waivers?: unknown }).waivers;
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) throw new ConfigError(`${file}: 'waivers' must be a list of waivers.`);
  return list.map((entry, index) => {
    const parsed = entrySchema.safeParse(entry);
    if (!parsed.success) {
      const line = readEntryLine(doc, lineCounter, index);
      const id =
        typeof entry === 'object' && entry !== null && 'id' in entry
          ? ` (${String(entry.id)})`
          : '';
      const problem = parsed.error.issues[0]?.message ?? 'is malformed';
      throw new ConfigError(
        `${file}: waivers[${index}]${id}${line ? ` at line ${line}` : ''}: ${problem}.`,
      );
    }
    const v = parsed.data;
    return {
      ...(v.id ? { id: v.id } : {}),
      ...(v.package ? { package: v.package } : {}),
      ...(v.path ? { path: v.path } : {}),
      reason: v.reason,
      expires: v.expires,
      ...(v['approved-by'] ? { approvedBy: v['approved-by'] } : {}),
      ...(v.mitigation ? { mitigation: v.mitigation } : {}),
      origin: `${file}#${index}`,
    };
  });
}

function readYaml(text: string, file: string, lineCounter: LineCounter): Document {
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const line = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line;
    throw new ConfigError(
      `${file}: not valid YAML${line ? ` at line ${line}` : ''}: ${error.message.split('\n')[0]}`,
    );
  }
  return doc;
}

function readEntryLine(doc: Document, lineCounter: LineCounter, index: number): number | undefined {
  const contents = doc.contents;
  if (!isMap(contents)) return undefined;
  const list = contents.get('waivers', true);
  if (!isSeq(list)) return undefined;
  const item: unknown = list.items[index];
  const range = (item as { range?: [number, number, number] } | undefined)?.range;
  return range ? lineCounter.linePos(range[0]).line : undefined;
}

/**
 * `.trivyignore`: one id per line, optionally `exp:YYYY-MM-DD`; `#` comments.
 * The comment lines right above an id become its reason (Trivy's docs write
 * the reason there), else a generic one.
 */
export function parseTrivyIgnore(text: string, file: string): Waiver[] {
  const waivers: Waiver[] = [];
  let comments: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') {
      comments = [];
      return;
    }
    if (line.startsWith('#')) {
      comments.push(line.replace(/^#+\s*/, ''));
      return;
    }
    const [id, ...rest] = line.split(/\s+/);
    const waiver: Waiver = {
      id: id as string,
      reason: comments.filter((c) => c !== '').join(' ') || `Listed in ${file}`,
      origin: `${file}:${index + 1}`,
    };
    for (const field of rest) {
      if (field.startsWith('#')) break;
      if (!field.startsWith('exp:')) continue;
      const date = field.slice(4);
      if (!isIsoDate(date)) {
        throw new ConfigError(
          `${file}: line ${index + 1} (${id}): exp:${date} is not a real date written YYYY-MM-DD.`,
        );
      }
      waiver.expires = date;
    }
    waivers.push(waiver);
    comments = [];
  });
  return waivers;
}

/** Every key of a Grype ignore rule (grype/match/ignore.go `IgnoreRule`). */
const GRYPE_RULE_KEYS = [
  'vulnerability',
  'reason',
  'namespace',
  'fix-state',
  'package',
  'vex-status',
  'vex-justification',
  'match-type',
  'include-aliases',
] as const;
const GRYPE_PACKAGE_KEYS = [
  'name',
  'version',
  'language',
  'type',
  'location',
  'upstream-name',
] as const;

/**
 * Criteria Grype knows but a finding does not carry (or, for VEX, that only
 * apply to VEX documents, which the action does not read).
 */
const UNEVALUABLE: Record<string, string> = {
  'vex-status': 'applies to VEX documents only, which the action does not read',
  'vex-justification': 'applies to VEX documents only, which the action does not read',
  'package.language': "findings do not record Grype's package language",
  'package.upstream-name': "findings do not record a package's upstream (source) name",
};

const text = z.string().optional();
const grypePackageSchema = z.looseObject({
  name: text,
  version: text,
  language: text,
  type: text,
  location: text,
  'upstream-name': text,
});
const grypeRuleSchema = z.looseObject({
  vulnerability: text,
  reason: text,
  namespace: text,
  'fix-state': text,
  package: grypePackageSchema.nullish(),
  'vex-status': text,
  'vex-justification': text,
  'match-type': text,
  'include-aliases': z.boolean().optional(),
});
type GrypeRule = z.infer<typeof grypeRuleSchema>;

const grypeConfigSchema = z.looseObject({ ignore: z.array(grypeRuleSchema).nullish() }).nullish();

/** Options of `parseGrypeIgnoreRules`. */
export interface GrypeIgnoreOptions {
  /** Told about every rule that is not applied, naming the file, rule and criterion. */
  warn?: (message: string) => void;
}

/**
 * `ignore:` rules of a grype config (`.grype.yaml`). The rest of the file is
 * grype's business and is not checked. Rules have no expiry. A rule with a
 * criterion the action cannot evaluate on a finding (or does not know) is
 * not applied — ignoring it would waive more than Grype does — and is
 * reported through `warn`.
 */
export function parseGrypeIgnoreRules(
  yamlText: string,
  file: string,
  options: GrypeIgnoreOptions = {},
): Waiver[] {
  const doc = readYaml(yamlText, file, new LineCounter());
  const parsed = grypeConfigSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(
      `${file}: ${issue ? issue.path.join('.') : 'ignore'}: ${issue?.message ?? 'malformed'}.`,
    );
  }
  return (parsed.data?.ignore ?? []).flatMap((rule, index) => {
    const where = `${file}: ignore[${index}]`;
    const unevaluable = findUnevaluable(rule);
    if (unevaluable.length > 0) {
      options.warn?.(
        `${where} is not applied: ${unevaluable.join('; ')}. Findings it would match still count; remove the criterion or waive them in the waivers file.`,
      );
      return [];
    }
    return [toGrypeWaiver(rule, { file, index, where })];
  });
}

/** The criteria of a rule the action cannot evaluate, each with why. */
function findUnevaluable(rule: GrypeRule): string[] {
  const known = new Set<string>(GRYPE_RULE_KEYS);
  const knownPackage = new Set<string>(GRYPE_PACKAGE_KEYS);
  const keys = [
    ...Object.keys(rule).filter((key) => rule[key] !== undefined && rule[key] !== ''),
    ...Object.entries(rule.package ?? {})
      .filter(([, value]) => value !== undefined && value !== '')
      .map(([key]) => `package.${key}`),
  ];
  return keys.flatMap((key) => {
    if (key === 'package') return [];
    const reason = UNEVALUABLE[key];
    if (reason !== undefined) return [`'${key}' ${reason}`];
    const isKnown = key.startsWith('package.')
      ? knownPackage.has(key.slice('package.'.length))
      : known.has(key);
    return isKnown ? [] : [`'${key}' is not a Grype ignore-rule criterion the action knows`];
  });
}

/** Turns an evaluable rule into a waiver; every criterion it sets must match. */
function toGrypeWaiver(
  rule: GrypeRule,
  at: { file: string; index: number; where: string },
): Waiver {
  const pkg = rule.package ?? {};
  const waiver: Waiver = {
    reason: rule.reason?.trim() || `Ignore rule in ${at.file}`,
    origin: `${at.file}#${at.index}`,
  };
  if (rule.vulnerability) {
    waiver.id = rule.vulnerability;
    // Grype compares related ids (GHSA ↔ CVE) only when the rule asks for it.
    if (rule['include-aliases'] !== true) waiver.matchAliases = false;
  }
  if (pkg.name) waiver.package = pkg.name;
  if (pkg.version) waiver.packageVersion = pkg.version;
  if (pkg.type) waiver.packageType = pkg.type;
  if (rule['fix-state']) waiver.fixState = rule['fix-state'];
  const properties: Record<string, string> = {};
  if (rule.namespace) properties.namespace = rule.namespace;
  if (rule['match-type']) properties.matchTypes = rule['match-type'];
  if (Object.keys(properties).length > 0) waiver.findingProperties = properties;
  if (pkg.location) {
    const problem = describeGlobProblem(pkg.location);
    if (problem) throw new ConfigError(`${at.where}.package.location ${problem}.`);
    waiver.packageLocation = pkg.location;
  }
  const criteria = Object.keys(waiver).filter(
    (key) => !['reason', 'origin', 'matchAliases'].includes(key),
  );
  if (criteria.length === 0) {
    throw new ConfigError(`${at.where} has no criteria and would ignore everything.`);
  }
  return waiver;
}
