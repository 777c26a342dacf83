/**
 * Where the baseline of `gate-scope: new` comes from (SPEC section 11):
 * `auto` restores the base branch's newest record from the cache, else reads
 * the base branch's open code scanning alerts; `<path>` reads a SARIF file (or
 * a saved record); `none` uses none. Push runs save their branch's record.
 * Side effects sit behind the interfaces passed in.
 */
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

/**
 * Lists the open code scanning alerts of a ref as the API returns them
 * (`GET /repos/{o}/{r}/code-scanning/alerts?ref=…&state=open`, every page).
 */
export interface AlertsReader {
  listOpenAlerts(ref: string): Promise<unknown[]>;
}

/** Events whose runs gate a pull request (workflow_run imports a pull request's report). */
export const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target', 'workflow_run'];

export interface ResolveBaselineOptions {
  config: Pick<Config, 'gateScope' | 'baseline' | 'sarifCategory'>;
  eventName: string;
  /** The pull request's base branch (`main` or `refs/heads/main`). */
  baseRef?: string;
  /** The branch of a push run. */
  branchRef?: string;
  cache: BaselineCache;
  alerts?: AlertsReader;
  /** Where the cache restores the record to (a file in the run's temp directory). */
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

/** `security-gate-baseline-<category>-<branch>-`: restoring by this prefix gets the branch's newest record. */
export function baselineKeyPrefix(category: string, branch: string): string {
  return `security-gate-baseline-${keyPart(category)}-${keyPart(branchName(branch))}-`;
}

/** The cache key of one record: the branch prefix plus the commit. */
export function baselineKey(category: string, branch: string, sha: string): string {
  return `${baselineKeyPrefix(category, branch)}${keyPart(sha)}`;
}

const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** Decides the baseline for this run; never throws except for a `baseline` file the user named that is unusable. */
export async function resolveBaseline(options: ResolveBaselineOptions): Promise<ResolvedBaseline> {
  const { config } = options;
  if (config.gateScope === 'all') return { note: 'gate-scope is all: every finding counts.' };
  if (!PULL_REQUEST_EVENTS.includes(options.eventName)) {
    return {
      note: `gate-scope new applies to pull requests; on ${options.eventName} every finding counts.`,
    };
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
  const prefix = baselineKeyPrefix(options.config.sarifCategory, baseRef);
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
      message: z.looseObject({ text: z.string().nullish() }).nullish(),
      location: z
        .looseObject({ path: z.string().nullish(), start_line: z.number().nullish() })
        .nullish(),
    })
    .nullish(),
});

/** Code scanning alerts as baseline results (alerts carry no fingerprints). */
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
    const alerts = await options.alerts.listOpenAlerts(ref);
    const results = resultsFromAlerts(alerts);
    return {
      source: {
        kind: 'alerts',
        label: `${results.length} open code scanning alerts of ${branchName(baseRef)}`,
        fingerprints: [],
        results,
      },
      note: '',
    };
  } catch (error) {
    options.logger.warning(
      `Baseline: could not read the code scanning alerts of ${branchName(baseRef)}: ${message(error)}`,
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
      `Baseline: could not save the record of ${branchName(record.ref)}: ${message(error)}`,
    );
    return undefined;
  }
}

/** The note for the summary once the source is known and the findings are marked. */
export function describeBaseline(resolved: ResolvedBaseline, existing: number): string {
  if (!resolved.source) return resolved.note;
  return `${existing} existing finding(s) from ${resolved.source.label} do not count; only new ones do.`;
}
