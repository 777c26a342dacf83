/**
 * Generates the SBOM of the scanned target with Trivy (`sbom-format`):
 * `trivy fs|image --format spdx-json|cyclonedx --output FILE`. Trivy turns
 * vulnerability scanning off for these formats, so no database is needed.
 * The run is isolated like a scan (none of the workspace's Trivy config
 * files apply) and uses only flags the binary lists. The file is then parsed
 * and its packages counted; a file that does not parse is an error, never a
 * silent success.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { CommandResult, CommandRunner } from '../util/command.js';
import { sanitizeLogText, truncate } from '../util/safe-text.js';
import {
  archivePrefix,
  trivyIsolationArgs,
  trivySkipDirArgs,
  trivyTargetArgs,
  type TrivyIsolationFiles,
} from '../scanners/trivy/args.js';
import type { TrivyCapabilities } from '../scanners/trivy/capabilities.js';
import { withTrivyIsolation } from '../scanners/trivy/isolation.js';
import { probeTrivy, type TrivyProber } from '../scanners/trivy/probe.js';
import { graceFor, resolveScanRoot } from '../scanners/trivy/run.js';
import { summariseSbom, type SbomOutputFormat } from './parse.js';

/** Options of `generateSbom`. */
export interface GenerateSbomOptions {
  runner: CommandRunner;
  trivyPath: string;
  /** Never `sbom`: the config schema refuses an `sbom-format` for an SBOM scan. */
  scanType: 'fs' | 'image';
  /** The `scan-ref` as given: local paths in it are resolved against `workspace`. */
  scanRef: string;
  /** The checkout: Trivy's working directory, and the base of relative paths. */
  workspace: string;
  format: SbomOutputFormat;
  /** Where the SBOM is written (absolute, or relative to the process's cwd). */
  outputFile: string;
  timeoutMs: number;
  skipDirs: string[];
  /** A private scratch directory of this run (the isolation files go there). */
  tempDir: string;
  /** Trivy's `--cache-dir`, when the caller caches it. */
  cacheDir?: string;
  /** Shares the version/help answers with the Trivy scan (default: ask). */
  probe?: TrivyProber;
}

/** The SBOM that was written, or why there is none. */
export type SbomResult =
  { file: string; packages: number; format: string; version?: string } | { error: string };

/**
 * The target as Trivy gets it: fs paths absolute; for an image, the path
 * after `docker-archive:` / `oci-dir:` absolute and a registry reference
 * (`alpine:3.19`) untouched.
 */
export function resolveSbomTarget(scanType: 'fs' | 'image', scanRef: string, workspace: string) {
  if (scanType === 'fs') return resolve(workspace, scanRef);
  const prefix = archivePrefix(scanRef);
  if (prefix === undefined) return scanRef;
  const file = scanRef.slice(prefix.length);
  return `${prefix}${isAbsolute(file) ? file : resolve(workspace, file)}`;
}

/** What `buildSbomArgs` needs. */
export interface SbomArgsOptions {
  scanType: 'fs' | 'image';
  /** From `resolveSbomTarget`. */
  target: string;
  format: SbomOutputFormat;
  outputFile: string;
  timeoutMs: number;
  skipDirs: readonly string[];
  /** Repository-relative scan root of an fs target, to rebase `skip-dirs` like the scan does. */
  pathPrefix: string;
  capabilities: TrivyCapabilities;
  isolation: TrivyIsolationFiles;
  cacheDir?: string;
}

/** The argument array of the SBOM run. Pure. */
export function buildSbomArgs(options: SbomArgsOptions): string[] {
  const { capabilities } = options;
  const args = [options.scanType, '--format', options.format, '--output', options.outputFile];
  if (capabilities.flags.has('--timeout'))
    args.push('--timeout', `${Math.max(1, Math.ceil(options.timeoutMs / 1000))}s`);
  args.push(...trivyIsolationArgs(capabilities, options.isolation, options.cacheDir));
  args.push(...trivySkipDirArgs(options.scanType, options.skipDirs, options.pathPrefix));
  return [...args, ...trivyTargetArgs(options.scanType, options.target)];
}

function describeFailure(result: CommandResult, timeoutMs: number): string | undefined {
  if (result.spawnError !== undefined) return `could not start Trivy: ${result.spawnError.message}`;
  if (result.timedOut) return `Trivy did not finish within ${Math.round(timeoutMs / 1000)}s`;
  if (result.exitCode !== 0) {
    const lastLine = result.stderr.trim().split('\n').pop() ?? '';
    return `Trivy exited with ${result.exitCode ?? result.signal ?? 'no code'}: ${truncate(sanitizeLogText(lastLine), 500)}`;
  }
  return undefined;
}

/** Runs Trivy to write the SBOM, then checks and counts it. Never throws. */
export async function generateSbom(options: GenerateSbomOptions): Promise<SbomResult> {
  const scanType = options.scanType;
  try {
    const run = { cwd: options.workspace };
    const { version, capabilities } = await (options.probe ?? probeTrivy)({
      runner: options.runner,
      binary: options.trivyPath,
      subcommand: scanType,
      run,
      timeoutMs: options.timeoutMs,
    });
    const pathPrefix =
      scanType === 'fs'
        ? (await resolveScanRoot(options.workspace, options.scanRef)).pathPrefix
        : '';
    await mkdir(dirname(options.outputFile), { recursive: true });
    // A stale file from an earlier run must not pass for this run's SBOM.
    await rm(options.outputFile, { force: true });
    const result = await withTrivyIsolation(options.tempDir, (isolation) =>
      options.runner.run(
        options.trivyPath,
        buildSbomArgs({
          ...options,
          scanType,
          target: resolveSbomTarget(scanType, options.scanRef, options.workspace),
          pathPrefix,
          capabilities,
          isolation,
        }),
        { ...run, timeoutMs: options.timeoutMs + graceFor(options.timeoutMs) },
      ),
    );
    const failure = describeFailure(result, options.timeoutMs);
    if (failure !== undefined) return { error: `sbom: ${failure}` };
    const summary = summariseSbom(await readFile(options.outputFile, 'utf8'), options.format);
    if ('error' in summary) return { error: `sbom: ${options.outputFile} is ${summary.error}` };
    return {
      file: options.outputFile,
      packages: summary.packages,
      format: options.format,
      ...(version === undefined ? {} : { version }),
    };
  } catch (error) {
    return { error: `sbom: ${(error as Error).message.replace(/^trivy: /, '')}` };
  }
}
