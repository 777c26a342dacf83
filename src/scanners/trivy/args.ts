/**
 * The argument array for one Trivy run. Pure: the configuration and the
 * binary's capabilities in, strings out; never joined into a shell line.
 */
import type { Config, ScanType, TrivyScanner } from '../../config/schema.js';
import { trivyDbArgs } from '../../install/db-cache.js';
import { findFlag, selectTrivyScanners, type TrivyCapabilities } from './capabilities.js';
import { rebaseSkipDirs } from '../skip-dirs.js';

export interface TrivyArgsOptions {
  config: Config;
  capabilities: TrivyCapabilities;
  /** Where Trivy writes its JSON report. */
  outputFile: string;
  /** Repository-relative scan root of an fs scan (`''` for the root), used to rebase `skip-dirs`. */
  pathPrefix: string;
  /** Files of our own that stand in for the workspace's Trivy config files. */
  isolation: TrivyIsolationFiles;
  /** Trivy's cache directory (its DBs), when the caller caches it; else Trivy's default. */
  cacheDir?: string;
}

/** Empty stand-ins for the config files Trivy would otherwise read from its working directory. */
export interface TrivyIsolationFiles {
  /** For `--config` (instead of `trivy.yaml`). */
  config: string;
  /** For `--secret-config` (instead of `trivy-secret.yaml`). */
  secretConfig: string;
  /** For `--ignorefile` (instead of `.trivyignore`, which the action applies itself as waivers). */
  ignoreFile: string;
}

export interface TrivyArgs {
  /** The arguments of the first attempt (with the first `--db-repository` choice, if any). */
  args: string[];
  /** Scanner names passed to Trivy (in its own spelling). */
  scanners: string[];
  /** Requested scanners this binary cannot run (the scan is then an error). */
  unsupported: TrivyScanner[];
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

/** The `docker-archive:` / `oci-dir:` prefix of an image reference naming a local file, if any. */
export function archivePrefix(scanRef: string): string | undefined {
  return ARCHIVE_PREFIXES.find((p) => scanRef.startsWith(p));
}

/** `<ref>`, or `--input <path>` for `docker-archive:` / `oci-dir:` image references. */
export function trivyTargetArgs(scanType: ScanType, scanRef: string): string[] {
  const prefix = scanType === 'image' ? archivePrefix(scanRef) : undefined;
  if (prefix !== undefined) return ['--input', asOperand(scanRef.slice(prefix.length))];
  return [asOperand(scanRef)];
}

/**
 * `--skip-dirs=<glob>` for every `skip-dirs` entry; an fs scan's are rebased
 * onto its scan root. The `=` form keeps a glob starting with `-` a value.
 */
export function trivySkipDirArgs(
  scanType: ScanType,
  skipDirs: readonly string[],
  pathPrefix: string,
): string[] {
  const dirs = scanType === 'fs' ? rebaseSkipDirs(skipDirs, pathPrefix) : skipDirs;
  return dirs.map((dir) => `--skip-dirs=${dir}`);
}

/**
 * Trivy reads `trivy.yaml`, `trivy-secret.yaml` and `.trivyignore` from its
 * working directory, the checkout: a pull request could switch findings off
 * with them. Each is pointed at our own empty file (an explicit missing
 * `--config` is an error in newer releases), and the cache at the directory
 * the action caches. Only flags the binary lists are passed.
 */
export function trivyIsolationArgs(
  capabilities: TrivyCapabilities,
  files: TrivyIsolationFiles,
  cacheDir?: string,
): string[] {
  const args: string[] = [];
  const add = (flag: string, value: string | undefined): void => {
    if (value !== undefined && capabilities.flags.has(flag)) args.push(flag, value);
  };
  add('--config', files.config);
  add('--secret-config', files.secretConfig);
  add('--ignorefile', files.ignoreFile);
  add('--cache-dir', cacheDir);
  return args;
}

/** Every severity, spelled the way Trivy's `--severity` takes them: the gate filters, not Trivy. */
const ALL_SEVERITIES = 'UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL';

/** Builds the arguments; `scanners` empty means there is nothing this binary can do. */
export function buildTrivyArgs(options: TrivyArgsOptions): TrivyArgs {
  const { config, capabilities } = options;
  // An SBOM holds no files to look for secrets or misconfigurations in.
  const requested = config.scanType === 'sbom' ? (['vuln'] as const) : config.trivyScanners;
  const selection = selectTrivyScanners(requested, capabilities);
  const args = [
    trivySubcommand(config.scanType),
    ...trivyTargetArgs(config.scanType, config.scanRef),
  ];
  args.push('--format', 'json', '--output', options.outputFile, '--exit-code', '0');
  args.push('--timeout', `${Math.max(1, Math.ceil(config.timeoutMs / 1000))}s`);
  if (capabilities.scannersFlag !== undefined)
    args.push(capabilities.scannersFlag, selection.names.join(','));
  args.push(...trivyIsolationArgs(capabilities, options.isolation, options.cacheDir));
  if (capabilities.flags.has('--severity')) args.push('--severity', ALL_SEVERITIES);
  // Logs stay on (stderr is the only clue when a run fails); only the progress bar goes.
  const quiet = findFlag(capabilities, ['--no-progress', '--quiet']);
  if (quiet !== undefined) args.push(quiet);
  args.push(...trivySkipDirArgs(config.scanType, config.skipDirs, options.pathPrefix));
  args.push(...updateArgs(selection.names, options));
  const db = dbPlan(selection.names, options, args);
  return {
    args: [...args, ...trivyDbArgs(db.repositories, { multipleDbRepositories: db.list })],
    scanners: selection.names,
    unsupported: selection.unsupported,
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
