/**
 * The SBOM step of both entry points (`sbom-format`): find Trivy the way the
 * scanner does, then generate the SBOM of the scanned target. What differs
 * between the action and the CLI (installing a pinned release, the cached
 * DB directory) comes in through the options.
 */
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { ScanContext } from '../scanners/types.js';
import type { TrivyProber } from '../scanners/trivy/probe.js';
import type { CommandRunner } from '../util/command.js';
import { describeError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { generateSbom, type SbomResult } from './generate.js';

/** What the SBOM step needs from its entry point. */
export interface SbomStepOptions {
  config: Config;
  workspace: string;
  runner: CommandRunner;
  logger: Logger;
  tempDir: string;
  /** Finds the Trivy binary: `trivy-path`, PATH, and in the action a verified download. */
  resolveTrivy: (context: ScanContext) => Promise<string>;
  /** Trivy's `--cache-dir` (the action's cached directory); absent = Trivy's default. */
  cacheDir?: string;
  /** The probe answers the Trivy scanner got, so the binary is not asked twice. */
  probe?: TrivyProber;
}

/** The pipeline's `generateSbom` step, or undefined when `sbom-format` is `none`. */
export function createSbomStep(options: SbomStepOptions): (() => Promise<SbomResult>) | undefined {
  const { config } = options;
  const { scanType } = config;
  // The config schema refuses any other sbom-format for scan-type sbom; the check narrows the type.
  if (config.sbomFormat === 'none' || scanType === 'sbom') return undefined;
  return async () => {
    const context: ScanContext = {
      config,
      workspace: options.workspace,
      runner: options.runner,
      logger: options.logger,
      tempDir: options.tempDir,
    };
    let trivyPath: string;
    try {
      trivyPath = await options.resolveTrivy(context);
    } catch (error) {
      return { error: `Trivy is needed for the SBOM: ${describeError(error)}` };
    }
    return generateSbom({
      runner: options.runner,
      trivyPath,
      scanType,
      scanRef: config.scanRef,
      workspace: options.workspace,
      format: config.sbomFormat === 'cyclonedx' ? 'cyclonedx' : 'spdx-json',
      outputFile: path.resolve(options.workspace, config.sbomFile),
      timeoutMs: config.timeoutMs,
      skipDirs: config.skipDirs,
      tempDir: options.tempDir,
      ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
      ...(options.probe === undefined ? {} : { probe: options.probe }),
    });
  };
}
