/**
 * Generates the SBOM of the scanned target with Trivy (`sbom-format`):
 * `trivy fs|image --format spdx-json|cyclonedx --output FILE`. Trivy turns
 * vulnerability scanning off for these formats, so no database is needed.
 * The file is then parsed and its packages counted; a file that does not
 * parse is an error, never a silent success.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ScanType } from '../config/schema.js';
import type { CommandResult, CommandRunner } from '../util/command.js';
import { truncate } from '../util/safe-text.js';
import { summariseSbom, type SbomOutputFormat } from './parse.js';

/** Options of `generateSbom`. */
export interface GenerateSbomOptions {
  runner: CommandRunner;
  trivyPath: string;
  scanType: ScanType;
  scanRef: string;
  format: SbomOutputFormat;
  /** Where the SBOM is written (absolute, or relative to the process's cwd). */
  outputFile: string;
  timeoutMs: number;
  skipDirs: string[];
}

/** The SBOM that was written, or why there is none. */
export type SbomResult = { file: string; packages: number; format: string } | { error: string };

/** Trivy's target arguments: `docker-archive:`/`oci-dir:` references are files, given with `--input`. */
function targetArgs(scanType: 'fs' | 'image', scanRef: string): string[] {
  const archive = /^(?:docker-archive|oci-dir):(.+)$/.exec(scanRef);
  if (scanType === 'image' && archive?.[1] !== undefined) return ['image', '--input', archive[1]];
  return [scanType, scanRef];
}

/** The argument array of the SBOM run (exported for tests). */
export function buildSbomArgs(
  options: GenerateSbomOptions & { scanType: 'fs' | 'image' },
): string[] {
  const [command = options.scanType, ...target] = targetArgs(options.scanType, options.scanRef);
  const skip =
    options.scanType === 'fs' ? options.skipDirs.flatMap((dir) => ['--skip-dirs', dir]) : [];
  return [command, '--format', options.format, '--output', options.outputFile, ...skip, ...target];
}

/** The environment minus the action's inputs (the token among them), like the Trivy scan's. */
function scannerEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('INPUT_')),
  );
}

function describeFailure(result: CommandResult, timeoutMs: number): string | undefined {
  if (result.spawnError !== undefined) return `could not start Trivy: ${result.spawnError.message}`;
  if (result.timedOut) return `Trivy did not finish within ${Math.round(timeoutMs / 1000)}s`;
  if (result.exitCode !== 0) {
    const lastLine = result.stderr.trim().split('\n').pop() ?? '';
    return `Trivy exited with ${result.exitCode ?? result.signal ?? 'no code'}: ${truncate(lastLine, 500)}`;
  }
  return undefined;
}

/** Runs Trivy to write the SBOM, then checks and counts it. Never throws. */
export async function generateSbom(options: GenerateSbomOptions): Promise<SbomResult> {
  const scanType = options.scanType;
  if (scanType === 'sbom') {
    return {
      error: `sbom: the scanned file is an SBOM already; sbom-format needs scan-type fs or image.`,
    };
  }
  try {
    await mkdir(dirname(options.outputFile), { recursive: true });
    // A stale file from an earlier run must not pass for this run's SBOM.
    await rm(options.outputFile, { force: true });
    const result = await options.runner.run(
      options.trivyPath,
      buildSbomArgs({ ...options, scanType }),
      { timeoutMs: options.timeoutMs, env: scannerEnv() },
    );
    const failure = describeFailure(result, options.timeoutMs);
    if (failure !== undefined) return { error: `sbom: ${failure}` };
    const summary = summariseSbom(await readFile(options.outputFile, 'utf8'), options.format);
    if ('error' in summary) return { error: `sbom: ${options.outputFile} is ${summary.error}` };
    return { file: options.outputFile, packages: summary.packages, format: options.format };
  } catch (error) {
    return { error: `sbom: ${(error as Error).message}` };
  }
}
