/**
 * Where the baseline of `gate-scope: new` comes from (SPEC section 11):
 * `auto` restores the base branch's newest record from the cache, else reads
 * the base branch's open and dismissed code scanning alerts (narrowed to this
 * run's categories when the findings are marked); `<path>` reads a SARIF file
 * (or a saved record); `none` uses none. Push runs save their branch's
 * record. Side effects sit behind the interfaces passed in.
 */
import path from 'node:path';
import { z } from 'zod';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../config/errors.js';
import type { Logger } from '../util/logger.js';
import { sourceFromRecord, type BaselineSource } from './compare.js';
import {
  isBaselineRecord,
  parseBaselineRecord,
  type BaselineRecord,
  type BaselineResult,
} from './record.js';
import { sourceFromSarif } from './sarif.js';
import { CacheUnavailableError } from '../install/db-cache.js';
import { categoryTargetSegment } from '../report/sarif.js';

/** Outside GitHub Actions the cache is simply absent: that is information, not a warning. */
function logCacheProblem(logger: Logger, error: unknown, text: string): void {
  if (error instanceof CacheUnavailableError) logger.info(text);
  else logger.warning(text);
}

/** The part of `@actions/cache` the baseline uses. */
export interface BaselineCache {
  /** Restores `paths`; returns the key that matched, or undefined on a miss. */
  restore(paths: string[], primaryKey: string, restoreKeys?: string[]): Promise<string | undefined>;
  save(paths: string[], key: string): Promise<unknown>;
}

/** The alert states that mean "the base branch has it" (a dismissed alert is still there). */
export type ExistingAlertState = 'open' | 'dismissed';

/**
 * Lists the code scanning alerts of a ref in one state as the API returns them
 * (`GET /repos/{o}/{r}/code-scanning/alerts?ref=…&state=…`, every page).
 */
export interface AlertsReader {
  listAlerts(ref: string, state: ExistingAlertState): Promise<unknown[]>;
}

export interface ResolveBaselineOptions {
  config: Pick<Config, 'gateScope' | 'baseline' | 'sarifCategory'>;
  /**
   * True when the run gates a pull request: in the action, when the run
   * context has one (`ctx.pullRequest`: pull request events, and workflow_runs
   * of one whose head is the scanned commit); the CLI always compares.
   */
  gatesPullRequest: boolean;
  /** The run's event, named in the note when it gates no pull request. */
  eventName: string;
  /** workflow_run only: the event of the triggering run (`pull_request`, `push`, …), for the note. */
  triggeringEvent?: string;
  /** The scanned image of an image scan: each image has its own record. */
  imageRef?: string;
  /** The pull request's base branch (`main` or `refs/heads/main`). */
  baseRef?: string;
  /** The branch of a push run. */
  branchRef?: string;
  cache: BaselineCache;
  alerts?: AlertsReader;
  /**
   * Where the cache restores the record to: the same path the push run saved
   * it from (see `baselineRecordPath`), since the cache version hashes it.
   */
  recordPath: string;
  /** Reads a file as text; rejects when it cannot. */
  readFile(path: string): Promise<string>;
  logger: Logger;
}

export interface ResolvedBaseline {
  source?: BaselineSource;
  /** Where existing findings came from, or why every finding counts. */
  note: string;
}

const branchName = (ref: string): string => ref.replace(/^refs\/heads\//, '');

/** Cache keys allow few characters; escaping keeps `a/b` and `a-b` apart and no branch a prefix of another. */
function keyPart(text: string): string {
  return text.replace(/[^A-Za-z0-9.]/g, (ch) => `_${ch.charCodeAt(0).toString(16)}`);
}

/**
 * What one record covers: the `sarif-category`, plus for an image scan the
 * image, named exactly as the SARIF category names it (so it follows that
 * writer, e.g. in leaving the tag out). Matrix jobs scanning several images
 * under the default category then keep one record each.
 */
export function baselineScope(category: string, imageRef?: string): string {
  const image = categoryTargetSegment(imageRef);
  return image === '' ? category : `${category}/${image}`;
}

/**
 * The record's file: one fixed path per scope under the runner's temp
 * directory. `@actions/cache` derives an entry's version from the exact path
 * strings, so the push run's save and the pull request run's restore must
 * name the same path; a per-run temp directory would never match.
 */
export function baselineRecordPath(tempRoot: string, scope: string): string {
  return path.join(tempRoot, 'security-gate-baseline', `${keyPart(scope)}.json`);
}

/** `security-gate-baseline-<scope>-<branch>-`: restoring by this prefix gets the branch's newest record. */
export function baselineKeyPrefix(scope: string, branch: string): string {
  return `security-gate-baseline-${keyPart(scope)}-${keyPart(branchName(branch))}-`;
}

/** The cache key of one record: the branch prefix plus the commit. */
export function baselineKey(scope: string, branch: string, sha: string): string {
  return `${baselineKeyPrefix(scope, branch)}${keyPart(sha)}`;
}

const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** Decides the baseline for this run; never throws except for a `baseline` file the user named that is unusable. */
export async function resolveBaseline(options: ResolveBaselineOptions): Promise<ResolvedBaseline> {
  const { config } = options;
  if (config.gateScope === 'all') return { note: 'gate-scope is all: every finding counts.' };
  if (!options.gatesPullRequest) {
    const event =
      options.eventName === 'workflow_run'
        ? `a workflow_run of ${options.triggeringEvent ?? 'another event'}`
        : options.eventName;
    return { note: `gate-scope new applies to pull requests; on ${event} every finding counts.` };
  }
  if (config.baseline.kind === 'none') return { note: 'baseline is none: every finding counts.' };
  if (config.baseline.kind === 'file')
    return { source: await readBaselineFile(options, config.baseline.path), note: '' };
  if (options.baseRef === undefined || options.baseRef === '') {
    return { note: 'the base branch of the pull request is unknown: every finding counts.' };
  }
  const record = await restoreRecord(options, options.baseRef);
  if (record) return { source: sourceFromRecord(record), note: '' };
  const fromAlerts = await readAlerts(options, options.baseRef);
  if (fromAlerts.source) return fromAlerts;
  return {
    note: `no baseline record of ${branchName(options.baseRef)} (a push run saves one) and ${fromAlerts.note}: every finding counts.`,
  };
}

async function readBaselineFile(
  options: ResolveBaselineOptions,
  path: string,
): Promise<BaselineSource> {
  let data: unknown;
  try {
    data = JSON.parse(await options.readFile(path)) as unknown;
  } catch (error) {
    throw new ConfigError(
      `Input 'baseline' names ${JSON.stringify(path)}, which could not be read as JSON (${message(error)}): expected a SARIF file, auto or none.`,
    );
  }
  try {
    return isBaselineRecord(data)
      ? { ...sourceFromRecord(parseBaselineRecord(data)), label: path }
      : sourceFromSarif(data, path);
  } catch (error) {
    throw new ConfigError(
      `Input 'baseline' names ${JSON.stringify(path)}, which is ${message(error)}: expected a SARIF file, auto or none.`,
    );
  }
}

async function restoreRecord(
  options: ResolveBaselineOptions,
  baseRef: string,
): Promise<BaselineRecord | undefined> {
  const scope = baselineScope(options.config.sarifCategory, options.imageRef);
  const prefix = baselineKeyPrefix(scope, baseRef);
  try {
    const key = await options.cache.restore([options.recordPath], prefix, [prefix]);
    if (key === undefined) return undefined;
    const record = parseBaselineRecord(
      JSON.parse(await options.readFile(options.recordPath)) as unknown,
    );
    options.logger.info(`Baseline: restored ${key}.`);
    return record;
  } catch (error) {
    logCacheProblem(
      options.logger,
      error,
      `Baseline: could not restore the record of ${branchName(baseRef)}: ${message(error)}`,
    );
    return undefined;
  }
}

const alertSchema = z.looseObject({
  rule: z.looseObject({ id: z.string().nullish() }).nullish(),
  most_recent_instance: z
    .looseObject({
      category: z.string().nullish(),
      message: z.looseObject({ text: z.string().nullish() }).nullish(),
      location: z
        .looseObject({ path: z.string().nullish(), start_line: z.number().nullish() })
        .nullish(),
    })
    .nullish(),
});

/**
 * Code scanning alerts as baseline results (alerts carry no fingerprints),
 * each with its category: which of them are this run's is known only once the
 * imported reports are parsed (see `narrowToRuns`).
 */
export function resultsFromAlerts(alerts: readonly unknown[]): BaselineResult[] {
  return alerts.flatMap((alert): BaselineResult[] => {
    const parsed = alertSchema.safeParse(alert);
    const ruleId = parsed.success ? parsed.data.rule?.id : undefined;
    if (!parsed.success || !ruleId) return [];
    const instance = parsed.data.most_recent_instance;
    return [
      {
        ruleId,
        path: instance?.location?.path ?? undefined,
        message: instance?.message?.text ?? undefined,
        line: instance?.location?.start_line ?? undefined,
        category: instance?.category ?? undefined,
      },
    ];
  });
}

async function readAlerts(
  options: ResolveBaselineOptions,
  baseRef: string,
): Promise<ResolvedBaseline> {
  if (!options.alerts) return { note: 'code scanning alerts cannot be read without a token' };
  const ref = `refs/heads/${branchName(baseRef)}`;
  try {
    // Two reads: the API takes one state, and listing every state would page through fixed ones.
    const open = await options.alerts.listAlerts(ref, 'open');
    const dismissed = await options.alerts.listAlerts(ref, 'dismissed');
    return {
      source: {
        kind: 'alerts',
        label: `open or dismissed code scanning alerts of ${branchName(baseRef)}`,
        fingerprints: [],
        results: resultsFromAlerts([...open, ...dismissed]),
      },
      note: '',
    };
  } catch (error) {
    options.logger.warning(
      `Baseline: could not read the code scanning alerts of ${branchName(baseRef)} (needs \`security-events: read\`): ${message(error)}`,
    );
    return {
      note: `the code scanning alerts of ${branchName(baseRef)} could not be read (${message(error)})`,
    };
  }
}

/**
 * Saves a push run's record under its branch and commit. The caller decides
 * when (push events with gate-scope new or baseline auto); a failure only warns.
 */
export async function saveBaselineRecord(options: {
  cache: BaselineCache;
  record: BaselineRecord;
  recordPath: string;
  writeFile(path: string, text: string): Promise<void>;
  logger: Logger;
}): Promise<string | undefined> {
  const { record } = options;
  // record.category holds the scope (see baselineScope).
  const key = baselineKey(record.category, record.ref, record.sha);
  try {
    await options.writeFile(options.recordPath, `${JSON.stringify(record)}\n`);
    await options.cache.save([options.recordPath], key);
    options.logger.info(`Baseline: saved ${record.fingerprints.length} fingerprints as ${key}.`);
    return key;
  } catch (error) {
    logCacheProblem(
      options.logger,
      error,
      `Baseline: could not save the record of ${branchName(record.ref)} as ${key}: ${message(error)}`,
    );
    return undefined;
  }
}

/** The note for the summary once the source is known and the findings are marked. */
export function describeBaseline(resolved: ResolvedBaseline, existing: number): string {
  if (!resolved.source) return resolved.note;
  return `${existing} existing finding(s) from ${resolved.source.label} do not count; only new ones do.`;
}
