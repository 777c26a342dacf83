/**
 * Keeping the scanners' vulnerability databases available: Trivy's DB
 * download is retried and falls back through `trivy-db-repositories`, and
 * the DB directories are cached between runs under a daily key. No
 * `@actions/*` import: the cache sits behind `CacheStore` (the real one wraps
 * `@actions/cache`, see `actions-adapters.ts`).
 */
import type { CommandResult } from '../util/command.js';
import type { Logger } from '../util/logger.js';

/** What the installed Trivy accepts for its DB repository flag (read from its help: `TrivyCapabilities.dbRepositoryList`). */
export interface TrivyDbCapabilities {
  /** Trivy ≥ 0.56 takes a list (`--db-repository a,b`) and falls back itself; 0.44 takes one. */
  multipleDbRepositories: boolean;
}

/** The `--db-repository` arguments for the repositories this attempt may use. */
export function trivyDbArgs(repositories: string[], capabilities: TrivyDbCapabilities): string[] {
  if (repositories.length === 0) return [];
  const value = capabilities.multipleDbRepositories
    ? repositories.join(',')
    : (repositories[0] ?? '');
  return ['--db-repository', value];
}

/** Trivy's wording when the vulnerability DB could not be fetched (0.44 … 0.6x). */
const DB_DOWNLOAD_FAILURE =
  /failed to download (?:the )?vulnerability DB|database download error|OCI (?:repository|artifact) error|failed to download artifact from/i;

/** True when a failed run failed because the DB download failed (not because of findings or a crash). */
export function isDbDownloadFailure(result: CommandResult): boolean {
  if (result.timedOut || result.spawnError !== undefined || result.exitCode === 0) return false;
  return DB_DOWNLOAD_FAILURE.test(result.stderr);
}

/** Options of `withDbFallback`. */
export interface DbFallbackOptions {
  repositories: string[];
  capabilities: TrivyDbCapabilities;
  logger: Logger;
  /** Runs the scan once with these extra arguments (`--db-repository …`). */
  run: (dbArgs: string[]) => Promise<CommandResult>;
  /** Attempts per repository (or per list, when Trivy takes a list); default 2. */
  attemptsPerRepository?: number;
  /** Pause before retrying the same repository; default 5 s (registries rate-limit in bursts). */
  retryDelayMs?: number;
  wait?: (ms: number) => Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a Trivy scan, rerunning it while stderr says the DB download failed:
 * first retrying, then with the next repository. Returns the first result
 * that is not a DB download failure, or the last failure.
 */
export async function withDbFallback(options: DbFallbackOptions): Promise<CommandResult> {
  const { repositories, capabilities, logger } = options;
  const attempts = Math.max(1, options.attemptsPerRepository ?? 2);
  const wait = options.wait ?? sleep;
  const groups =
    capabilities.multipleDbRepositories || repositories.length === 0
      ? [repositories]
      : repositories.map((r) => [r]);
  let last: CommandResult | undefined;
  for (const [groupIndex, group] of groups.entries()) {
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (attempt > 1) await wait(options.retryDelayMs ?? 5000);
      last = await options.run(trivyDbArgs(group, capabilities));
      if (!isDbDownloadFailure(last)) return last;
      const nextGroup = attempt === attempts ? groups[groupIndex + 1] : undefined;
      const next =
        attempt < attempts
          ? 'retrying'
          : nextGroup !== undefined
            ? `trying ${nextGroup.join(', ')}`
            : 'no repository left';
      const line = `Trivy could not download its vulnerability database from ${group.join(', ')} (attempt ${attempt} of ${attempts}); ${next}.`;
      // Only a switch of repository is worth an annotation: a retry is routine, and when
      // nothing is left the scanner's own error says so.
      if (nextGroup !== undefined) logger.warning(line);
      else logger.info(line);
    }
  }
  // `last` is set: there is always at least one group and one attempt.
  return last as CommandResult;
}

/** The Actions cache service is not there at all (outside GitHub Actions): not worth a warning. */
export class CacheUnavailableError extends Error {
  override readonly name = 'CacheUnavailableError';
}

/** The Actions cache (the real one wraps `@actions/cache` restoreCache/saveCache). */
export interface CacheStore {
  /** Returns the key that was restored (the primary or a restore-key match), or undefined on a miss. */
  restore(paths: string[], primaryKey: string, restoreKeys: string[]): Promise<string | undefined>;
  save(paths: string[], key: string): Promise<void>;
}

/** Which scanner's DB to cache, where it lives, and the day and OS it is for. */
export interface ScannerCacheOptions {
  tool: 'trivy' | 'grype';
  /** Trivy's `--cache-dir` (its `db` and `java-db` are cached) or Grype's DB directory (cached whole). */
  dir: string;
  /** UTC day, `YYYY-MM-DD`: the DBs are rebuilt daily, so one entry per day. */
  date: string;
  /** `runner.os` / `process.platform`; DB files are the same, but paths and tar flavours are not. */
  os: string;
}

/** What restoring found. */
export interface ScannerCacheRestore {
  key: string;
  /** The key that was restored: the primary one, an older day's, or undefined on a miss. */
  restoredKey?: string;
}

/** The daily key, its prefix (restore key) and the paths to cache. */
export function describeScannerCache(options: ScannerCacheOptions): {
  key: string;
  prefix: string;
  paths: string[];
} {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.date))
    throw new Error(`Cache date must be YYYY-MM-DD, got ${JSON.stringify(options.date)}.`);
  const prefix = `security-gate-${options.tool}-db-${options.os.toLowerCase()}-`;
  const dir = options.dir.replace(/[\\/]+$/, '');
  const paths = options.tool === 'trivy' ? [`${dir}/db`, `${dir}/java-db`] : [dir];
  return { key: `${prefix}${options.date}`, prefix, paths };
}

/** `YYYY-MM-DD` of a moment, in UTC. */
export function formatCacheDate(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/**
 * Restores today's DB, else the newest earlier one (by prefix). Best effort:
 * a cache outage is logged and the scanner downloads the DB itself.
 */
export async function restoreScannerCaches(
  cache: CacheStore,
  options: ScannerCacheOptions,
  logger: Logger,
): Promise<ScannerCacheRestore> {
  const { key, prefix, paths } = describeScannerCache(options);
  try {
    const restoredKey = await cache.restore(paths, key, [prefix]);
    logger.info(
      restoredKey === undefined
        ? `No cached ${options.tool} database.`
        : `Restored the ${options.tool} database from cache ${restoredKey}.`,
    );
    return restoredKey === undefined ? { key } : { key, restoredKey };
  } catch (error) {
    const line = `Could not restore the ${options.tool} database cache: ${(error as Error).message}`;
    if (error instanceof CacheUnavailableError) logger.info(line);
    else logger.warning(line);
    return { key };
  }
}

/**
 * Saves the DB under today's key unless it was restored under that key
 * (cache entries are immutable). Call it in a `finally`, so it runs when
 * the gate fails too. Best effort: never throws.
 */
export async function saveScannerCaches(
  cache: CacheStore,
  options: ScannerCacheOptions & { restoredKey?: string },
  logger: Logger,
): Promise<boolean> {
  const { key, paths } = describeScannerCache(options);
  if (options.restoredKey === key) {
    logger.debug(`The ${options.tool} database cache ${key} is already saved.`);
    return false;
  }
  try {
    await cache.save(paths, key);
    logger.info(`Saved the ${options.tool} database to cache ${key}.`);
    return true;
  } catch (error) {
    const line = `Could not save the ${options.tool} database cache ${key}: ${(error as Error).message}`;
    if (error instanceof CacheUnavailableError) logger.info(line);
    else logger.warning(line);
    return false;
  }
}
