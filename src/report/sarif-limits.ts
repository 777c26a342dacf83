/**
 * GitHub's SARIF upload limits (SPEC section 8), enforced on a built log.
 * Results are dropped least severe first; every cut is stated in its run
 * (`run.properties["securityGate/truncation"]` and a warning notification on
 * the invocation) and returned as lines for the job summary. The report
 * file and outputs keep every finding: only the uploaded SARIF is cut.
 *
 * Pure apart from node:zlib, which only measures the gzipped size.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Log, Notification, ReportingDescriptor, Result, Run } from 'sarif';
import { SEVERITIES, type Severity } from '../findings/finding.js';

export interface SarifLimits {
  maxRuns: number;
  maxResultsPerRun: number;
  maxRulesPerRun: number;
  maxLocationsPerResult: number;
  maxTagsPerRule: number;
  maxRuleNameLength: number;
  maxDescriptionLength: number;
  maxGzipBytes: number;
}

/** https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning */
export const GITHUB_SARIF_LIMITS: SarifLimits = {
  maxRuns: 20,
  maxResultsPerRun: 25_000,
  maxRulesPerRun: 25_000,
  maxLocationsPerResult: 1_000,
  maxTagsPerRule: 20,
  maxRuleNameLength: 255,
  maxDescriptionLength: 1_024,
  maxGzipBytes: 10 * 1024 * 1024,
};

/** Property under which a run states what was cut from it. */
export const TRUNCATION_PROPERTY = 'securityGate/truncation';

const gzipAsync = promisify(gzip);

/** Severity ranks of results a builder left out before building a run (see `noteDroppedBeforeBuild`). */
const droppedBeforeBuild = new WeakMap<Run, number[]>();

/**
 * Records that the builder of `run` did not build results of these severity
 * ranks (0 CRITICAL … 4 UNKNOWN) because they could not have been kept:
 * building 50,000 results to throw half away costs time and memory. The
 * limits step states them like any other cut.
 */
export function noteDroppedBeforeBuild(run: Run, ranks: number[]): void {
  if (ranks.length > 0) droppedBeforeBuild.set(run, ranks);
}

function takeDroppedBeforeBuild(run: Run): number[] {
  const ranks = droppedBeforeBuild.get(run) ?? [];
  droppedBeforeBuild.delete(run);
  return ranks;
}

/** Per run: what was cut, for the notes. */
interface RunCuts {
  dropped: number[];
  locations: number;
  rulesMetadata: number;
}

const LEVEL_RANK: Record<string, number> = { error: 1, warning: 2, note: 3, none: 4 };
const fmt = (n: number): string => n.toLocaleString('en-US');

/** 0 (CRITICAL) … 4 (UNKNOWN): our `properties.severity`, else the rule's security-severity, else the level. */
function rankResult(result: Result, rules: ReportingDescriptor[]): number {
  const severity = result.properties?.severity;
  if (typeof severity === 'string' && (SEVERITIES as readonly string[]).includes(severity)) {
    return SEVERITIES.indexOf(severity as Severity);
  }
  const rule = result.ruleIndex === undefined ? undefined : rules[result.ruleIndex];
  const score = Number.parseFloat(String(rule?.properties?.['security-severity'] ?? ''));
  if (Number.isFinite(score))
    return score >= 9 ? 0 : score >= 7 ? 1 : score >= 4 ? 2 : score > 0 ? 3 : 4;
  return LEVEL_RANK[result.level ?? 'warning'] ?? 2;
}

function truncateText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `text` cut to `max` characters (marked), or undefined when it already fits. */
function cutText(text: string, max: number): string | undefined {
  return text.length > max ? truncateText(text, max) : undefined;
}

/**
 * Shortens rule names, descriptions and tags; returns whether anything
 * changed. Compared by length, not by serialising the rule: a run has up to
 * 25,000 rules and `truncateText` changes a text exactly when it is too long.
 */
function trimRule(rule: ReportingDescriptor, limits: SarifLimits): boolean {
  let changed = false;
  const name = rule.name === undefined ? undefined : cutText(rule.name, limits.maxRuleNameLength);
  if (name !== undefined) {
    rule.name = name;
    changed = true;
  }
  for (const d of [rule.shortDescription, rule.fullDescription]) {
    if (d === undefined) continue;
    const text = cutText(d.text, limits.maxDescriptionLength);
    const markdown =
      d.markdown === undefined ? undefined : cutText(d.markdown, limits.maxDescriptionLength);
    if (text !== undefined) d.text = text;
    if (markdown !== undefined) d.markdown = markdown;
    changed ||= text !== undefined || markdown !== undefined;
  }
  const tags: unknown = rule.properties?.tags;
  if (Array.isArray(tags) && rule.properties !== undefined && tags.length > limits.maxTagsPerRule) {
    rule.properties.tags = tags.slice(0, limits.maxTagsPerRule);
    changed = true;
  }
  return changed;
}

/** Keeps the `keep` most severe results (stable), returns the ranks of the dropped ones. */
function keepMostSevere(run: Run, keep: number): number[] {
  const results = run.results ?? [];
  if (results.length <= keep) return [];
  const rules = run.tool.driver.rules ?? [];
  const ranked = results.map((result, index) => ({
    result,
    index,
    rank: rankResult(result, rules),
  }));
  const order = [...ranked].sort((a, b) => a.rank - b.rank || a.index - b.index);
  const kept = new Set(order.slice(0, keep).map((r) => r.index));
  run.results = ranked.filter((r) => kept.has(r.index)).map((r) => r.result);
  return ranked.filter((r) => !kept.has(r.index)).map((r) => r.rank);
}

/** Keeps at most `max` rules: those of the most severe results; drops the results of the others. */
function limitRules(run: Run, max: number): number[] {
  const rules = run.tool.driver.rules ?? [];
  if (rules.length <= max) return [];
  const results = run.results ?? [];
  const best = new Map<number, number>();
  results.forEach((r) =>
    best.set(r.ruleIndex ?? -1, Math.min(best.get(r.ruleIndex ?? -1) ?? 9, rankResult(r, rules))),
  );
  const order = rules
    .map((_, i) => i)
    .sort((a, b) => (best.get(a) ?? 9) - (best.get(b) ?? 9) || a - b);
  const keptRules = order.slice(0, max).sort((a, b) => a - b);
  const newIndex = new Map(keptRules.map((old, i) => [old, i]));
  const dropped = results
    .filter((r) => !newIndex.has(r.ruleIndex ?? -1))
    .map((r) => rankResult(r, rules));
  run.results = results
    .filter((r) => newIndex.has(r.ruleIndex ?? -1))
    .map((r) => ({ ...r, ruleIndex: newIndex.get(r.ruleIndex ?? -1) }));
  run.tool.driver.rules = keptRules.map((i) => rules[i] as ReportingDescriptor);
  return dropped;
}

function describeDropped(ranks: number[]): string {
  const counts = new Map<number, number>();
  for (const rank of ranks) counts.set(rank, (counts.get(rank) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([rank, n]) => `${fmt(n)} ${SEVERITIES[rank] ?? 'UNKNOWN'}`)
    .join(', ');
}

function runNotes(run: Run, cuts: RunCuts, limits: SarifLimits): string[] {
  const notes: string[] = [];
  if (cuts.dropped.length > 0) {
    const written = (run.results ?? []).length;
    notes.push(
      `${fmt(written)} of ${fmt(written + cuts.dropped.length)} results written; the least severe were dropped ` +
        `(${describeDropped(cuts.dropped)}) to stay within GitHub's limits (${fmt(limits.maxResultsPerRun)} results and ` +
        `${fmt(limits.maxRulesPerRun)} rules per run, ${fmt(limits.maxGzipBytes / 1024 / 1024)} MB gzipped per file). ` +
        `The report file lists every finding.`,
    );
  }
  if (cuts.locations > 0)
    notes.push(
      `${fmt(cuts.locations)} results kept only their first ${fmt(limits.maxLocationsPerResult)} locations.`,
    );
  if (cuts.rulesMetadata > 0) {
    notes.push(
      `${fmt(cuts.rulesMetadata)} rules had names, descriptions or tags shortened to GitHub's limits.`,
    );
  }
  return notes;
}

/** Writes the notes into the run (idempotent: called again after further cuts). */
function stateCuts(run: Run, notes: string[]): void {
  if (notes.length === 0) return;
  run.properties = { ...run.properties, [TRUNCATION_PROPERTY]: notes };
  const invocation = run.invocations?.[0] ?? { executionSuccessful: true };
  const others = (invocation.toolExecutionNotifications ?? []).filter(
    (n) => n.descriptor?.id !== TRUNCATION_PROPERTY,
  );
  const ours: Notification[] = notes.map((text) => ({
    level: 'warning',
    descriptor: { id: TRUNCATION_PROPERTY },
    message: { text },
  }));
  invocation.toolExecutionNotifications = [...others, ...ours];
  run.invocations = [invocation, ...(run.invocations ?? []).slice(1)];
}

function runLabel(run: Run): string {
  const category = run.automationDetails?.id;
  return category === undefined ? run.tool.driver.name : `${run.tool.driver.name} (${category})`;
}

/** Keeps the `max` runs whose results are most severe (original order), returns summary lines. */
function limitRuns(log: Log, max: number): string[] {
  if (log.runs.length <= max) return [];
  const best = log.runs.map((run, index) => {
    const rules = run.tool.driver.rules ?? [];
    const rank = Math.min(5, ...(run.results ?? []).map((r) => rankResult(r, rules)));
    return { run, index, rank, size: (run.results ?? []).length };
  });
  const order = [...best].sort((a, b) => a.rank - b.rank || b.size - a.size || a.index - b.index);
  const kept = new Set(order.slice(0, max).map((r) => r.index));
  const dropped = best.filter((r) => !kept.has(r.index));
  log.runs = best.filter((r) => kept.has(r.index)).map((r) => r.run);
  return [
    `SARIF: ${fmt(dropped.length)} of ${fmt(best.length)} runs not written (GitHub accepts ${max} per file): ` +
      dropped.map((r) => `${runLabel(r.run)}, ${fmt(r.size)} results`).join('; '),
  ];
}

/**
 * zlib's `deflateBound` plus the gzip wrapper: the most bytes gzip can make
 * of `length` bytes, however incompressible they are.
 */
function gzipBound(length: number): number {
  return length + (length >> 12) + (length >> 14) + (length >> 25) + 7 + 18;
}

/**
 * The gzipped size of `text` when it is known without gzip, and its UTF-8
 * bytes when they had to be made (the caller writes those instead of
 * encoding the text again). A text whose raw size cannot exceed the limit
 * even incompressible needs no gzip (nor, when small, even its bytes).
 */
function measureWithoutGzip(text: string, limit: number): { size?: number; bytes?: Buffer } {
  // At most 3 UTF-8 bytes per UTF-16 code unit.
  if (gzipBound(text.length * 3) <= limit) return { size: gzipBound(text.length * 3) };
  const bytes = Buffer.from(text, 'utf8');
  return gzipBound(bytes.length) <= limit ? { size: gzipBound(bytes.length), bytes } : { bytes };
}

/**
 * Gzip, for the sizes `measureWithoutGzip` cannot tell, runs at its fastest
 * level: its output is never smaller than the upload's default level, so it
 * is an upper bound of what GitHub measures.
 */
const GZIP_OPTIONS = { level: 1 };

/** Drops the `count` least severe results across all runs. */
function dropLeastSevere(log: Log, cuts: RunCuts[], count: number): void {
  const all = log.runs.flatMap((run, r) => {
    const rules = run.tool.driver.rules ?? [];
    return (run.results ?? []).map((result, i) => ({ r, i, rank: rankResult(result, rules) }));
  });
  all.sort((a, b) => b.rank - a.rank || b.i - a.i);
  const doomed = all.slice(0, count);
  log.runs.forEach((run, r) => {
    const mine = new Set(doomed.filter((d) => d.r === r).map((d) => d.i));
    if (mine.size === 0) return;
    cuts[r]?.dropped.push(...doomed.filter((d) => d.r === r).map((d) => d.rank));
    run.results = (run.results ?? []).filter((_, i) => !mine.has(i));
  });
}

/** A limited log, and the exact text whose size was checked (the text to write). */
export interface LimitedSarif {
  log: Log;
  truncation: string[];
  /** The serialised log that was measured against `maxGzipBytes`. */
  text: string;
  /** `text` in UTF-8, when measuring it needed the bytes (large files): write these. */
  bytes?: Buffer;
}

/** How the log will be written; its size limit is checked on exactly this text. */
export type SarifSerialiser = (log: Log) => string;

const compactJson: SarifSerialiser = (log) => JSON.stringify(log);

/** The limits that need no serialising: runs, locations, rule texts, results and rules per run. */
function enforceCountLimits(
  log: Log,
  limits: SarifLimits,
): { truncation: string[]; cuts: RunCuts[] } {
  const truncation = limitRuns(log, limits.maxRuns);
  const cuts: RunCuts[] = log.runs.map((run) => {
    const rulesMetadata = (run.tool.driver.rules ?? []).filter((rule) =>
      trimRule(rule, limits),
    ).length;
    let locations = 0;
    for (const result of run.results ?? []) {
      if ((result.locations?.length ?? 0) <= limits.maxLocationsPerResult) continue;
      result.locations = result.locations?.slice(0, limits.maxLocationsPerResult);
      locations += 1;
    }
    const dropped = [
      ...takeDroppedBeforeBuild(run),
      ...keepMostSevere(run, limits.maxResultsPerRun),
    ];
    dropped.push(...limitRules(run, limits.maxRulesPerRun));
    return { dropped, locations, rulesMetadata };
  });
  return { truncation, cuts };
}

/**
 * The gzipped size of `bytes` (level 1, see `GZIP_OPTIONS`), measured on
 * libuv's thread pool.
 */
async function gzippedSize(bytes: Buffer): Promise<number> {
  // One output buffer that holds any result, so that zlib does the whole file in one
  // job on the pool: with the default 16 KB chunks, each next chunk waits for the
  // busy main thread and nothing overlaps.
  const chunkSize = gzipBound(bytes.length);
  return (await gzipAsync(bytes, { ...GZIP_OPTIONS, chunkSize })).length;
}

/**
 * Applies GitHub's SARIF limits to `log`, changing it in place (for a log
 * built just now, where a copy of tens of thousands of results would only
 * cost time and memory); `truncation` holds one summary line per cut. The
 * size limit is checked on `serialise(log)`, the text the caller writes,
 * which is returned so that it is not serialised twice; the least severe
 * results are dropped until it fits. The notes are written before measuring,
 * so that they cannot push the file over.
 *
 * Everything before the first gzip (count limits, serialising, encoding)
 * runs before this returns, so a caller that does other work before awaiting
 * overlaps only the gzip of a large file with it, on another core. A file
 * whose size is known without gzip is done by then.
 */
export async function enforceSarifLimits(
  log: Log,
  limits: SarifLimits = GITHUB_SARIF_LIMITS,
  serialise: SarifSerialiser = compactJson,
): Promise<LimitedSarif> {
  const { truncation, cuts } = enforceCountLimits(log, limits);
  for (;;) {
    log.runs.forEach((run, r) => stateCuts(run, runNotes(run, cuts[r] as RunCuts, limits)));
    const text = serialise(log);
    const { size: known, bytes } = measureWithoutGzip(text, limits.maxGzipBytes);
    const size = known ?? (await gzippedSize(bytes as Buffer));
    const total = log.runs.reduce((n, run) => n + (run.results?.length ?? 0), 0);
    if (size <= limits.maxGzipBytes || total === 0) {
      log.runs.forEach((run, r) => {
        for (const note of runNotes(run, cuts[r] as RunCuts, limits))
          truncation.push(`${runLabel(run)}: ${note}`);
      });
      return { log, truncation, text, ...(bytes === undefined ? {} : { bytes }) };
    }
    dropLeastSevere(
      log,
      cuts,
      Math.max(1, Math.ceil(total * (1 - (limits.maxGzipBytes * 0.9) / size))),
    );
  }
}
