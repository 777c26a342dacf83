/**
 * The argument array for one Trivy run. Pure: the configuration and the
 * binary's capabilities in, strings out; never joined into a shell line.
 */
import type { Config, ScanType } from '../../config/schema.js';
import { trivyDbArgs } from '../../install/db-cache.js';
import { findFlag, selectTrivyScanners, type TrivyCapabilities } from './capabilities.js';

export interface TrivyArgsOptions {
  config: Config;
  capabilities: TrivyCapabilities;
  /** Where Trivy writes its JSON report. */
  outputFile: string;
  /** Repository-relative scan root of an fs scan (`''` for the root), used to rebase `skip-dirs`. */
  pathPrefix: string;
}

export interface TrivyArgs {
  /** The arguments of the first attempt (with the first `--db-repository` choice, if any). */
  args: string[];
  /** Scanner names passed to Trivy (in its own spelling). */
  scanners: string[];
  notes: string[];
  /** What `withDbFallback` needs to rerun with the next DB repository after a DB download failure. */
  db: TrivyDbPlan;
}

/** The DB repositories of a vuln scan, in order, and the arguments without `--db-repository`. */
export interface TrivyDbPlan {
  /** Empty when the scan needs no DB or the binary has no `--db-repository` flag. */
  repositories: string[];
  /** The binary takes a list (`--db-repository strings`) and falls back by itself. */
  list: boolean;
  /** `args` without the `--db-repository` pair; the fallback appends its own. */
  baseArgs: string[];
}

/** Trivy's subcommand for a scan type. */
export function trivySubcommand(scanType: ScanType): 'fs' | 'image' | 'sbom' {
  return scanType;
}

const ARCHIVE_PREFIXES = ['docker-archive:', 'oci-dir:'];

/** A positional path can never be read as a flag. */
function asOperand(value: string): string {
  return value.startsWith('-') ? `./${value}` : value;
}

/** `image <ref>`, or `image --input <path>` for `docker-archive:` / `oci-dir:` references. */
function targetArgs(config: Config): string[] {
  if (config.scanType !== 'image') return [asOperand(config.scanRef)];
  const prefix = ARCHIVE_PREFIXES.find((p) => config.scanRef.startsWith(p));
  if (prefix !== undefined) return ['--input', asOperand(config.scanRef.slice(prefix.length))];
  return [asOperand(config.scanRef)];
}

/**
 * `skip-dirs` globs are repository-relative, Trivy matches them against paths
 * under the scan root: entries inside the scan root are rebased onto it.
 */
export function rebaseSkipDirs(skipDirs: readonly string[], pathPrefix: string): string[] {
  const prefix = pathPrefix.replace(/\/+$/, '');
  return skipDirs.map((entry) => {
    const clean = entry.replace(/^\.\//, '');
    return prefix !== '' && clean.startsWith(`${prefix}/`) ? clean.slice(prefix.length + 1) : clean;
  });
}

/** Builds the arguments; `scanners` empty means there is nothing this binary can do. */
export function buildTrivyArgs(options: TrivyArgsOptions): TrivyArgs {
  const { config, capabilities } = options;
  // An SBOM holds no files to look for secrets or misconfigurations in.
  const requested = config.scanType === 'sbom' ? (['vuln'] as const) : config.trivyScanners;
  const selection = selectTrivyScanners(requested, capabilities);
  const args = [trivySubcommand(config.scanType), ...targetArgs(config)];
  args.push('--format', 'json', '--output', options.outputFile, '--exit-code', '0');
  args.push('--timeout', `${Math.max(1, Math.ceil(config.timeoutMs / 1000))}s`);
  if (capabilities.scannersFlag !== undefined)
    args.push(capabilities.scannersFlag, selection.names.join(','));
  // Logs stay on (stderr is the only clue when a run fails); only the progress bar goes.
  const quiet = findFlag(capabilities, ['--no-progress', '--quiet']);
  if (quiet !== undefined) args.push(quiet);
  for (const dir of config.scanType === 'fs'
    ? rebaseSkipDirs(config.skipDirs, options.pathPrefix)
    : config.skipDirs) {
    // `=` form: a glob starting with `-` stays a value.
    args.push(`--skip-dirs=${dir}`);
  }
  args.push(...updateArgs(selection.names, options));
  const db = dbPlan(selection.names, options, args);
  return {
    args: [...args, ...trivyDbArgs(db.repositories, { multipleDbRepositories: db.list })],
    scanners: selection.names,
    notes: selection.notes,
    db,
  };
}

/** The vulnerability DB is never skipped (a stale or missing DB would hide vulnerabilities); its repositories are tried in order. */
function dbPlan(
  scanners: readonly string[],
  options: TrivyArgsOptions,
  baseArgs: string[],
): TrivyDbPlan {
  const { capabilities, config } = options;
  const usesDb = scanners.includes('vuln') && capabilities.flags.has('--db-repository');
  return {
    repositories: usesDb ? [...config.trivyDbRepositories] : [],
    list: capabilities.dbRepositoryList,
    baseArgs,
  };
}

/** Flags about downloads: embedded checks for misconfig (the DB repositories are `dbPlan`'s). */
function updateArgs(scanners: readonly string[], options: TrivyArgsOptions): string[] {
  const { capabilities } = options;
  const args: string[] = [];
  if (scanners.includes('misconfig') || scanners.includes('config')) {
    // The embedded checks ship with the binary: no download, same result offline.
    const skip = findFlag(capabilities, ['--skip-check-update', '--skip-policy-update']);
    if (skip !== undefined) args.push(skip);
  }
  return args;
}
