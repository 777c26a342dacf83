/**
 * The scanner strategy table: what differs per scanner lives in its own
 * module; the pipeline only looks names up here. Binary resolution is shared:
 * the `*-path` input, else PATH, else (in the action) a checksum-verified
 * download of the pinned release.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { ScannerError } from '../config/errors.js';
import type { ScannerName } from '../findings/finding.js';
import type { ScanContext, ScannerStrategy } from './types.js';
import { createTrivyScanner } from './trivy/run.js';
import { findOnPath } from './trivy/binary.js';
import type { TrivyProber } from './trivy/probe.js';
import { createGrypeScanner } from './grype/run.js';
import { createPinningScanner } from './pinning/run.js';

export type InstallableScanner = 'trivy' | 'grype';

export interface ScannerTableOptions {
  /** Downloads and verifies the pinned release; absent in the CLI (no tool cache there). */
  install?: (tool: InstallableScanner, context: ScanContext) => Promise<string>;
  /** The DB directories the action caches, given to each scanner; absent = the scanners' defaults. */
  cacheDirs?: ScannerCacheDirs;
  /** Shares Trivy's version/help answers with the SBOM step. */
  trivyProbe?: TrivyProber;
}

/** Where each scanner keeps its vulnerability database. */
export interface ScannerCacheDirs {
  /** Trivy's `--cache-dir` (it keeps `db/` and `java-db/` there). */
  trivy: string;
  /** Grype's `GRYPE_DB_CACHE_DIR`. */
  grype: string;
}

const PATH_INPUT: Record<InstallableScanner, 'trivy-path' | 'grype-path'> = {
  trivy: 'trivy-path',
  grype: 'grype-path',
};

/** Finds (or installs) the binary of `tool`; throws a ScannerError that says how to fix it. */
export function createBinaryResolver(tool: InstallableScanner, options: ScannerTableOptions) {
  return async (context: ScanContext): Promise<string> => {
    const configured = tool === 'trivy' ? context.config.trivyPath : context.config.grypePath;
    if (configured !== '') {
      const absolute = path.resolve(context.workspace, configured);
      try {
        await access(absolute, constants.X_OK);
        return absolute;
      } catch {
        throw new ScannerError(
          tool,
          `the '${PATH_INPUT[tool]}' input points to ${JSON.stringify(configured)}, which is not an executable file.`,
        );
      }
    }
    const found = await findOnPath(tool, process.env.PATH);
    if (found !== undefined) return found;
    if (options.install !== undefined) return options.install(tool, context);
    throw new ScannerError(
      tool,
      `the ${tool} binary was not found on PATH. Install it first, or pass --${PATH_INPUT[tool]} with its location.`,
    );
  };
}

/** Creates the table of scanners the action can run. */
export function createScannerTable(
  options: ScannerTableOptions = {},
): Record<ScannerName, ScannerStrategy> {
  return {
    trivy: createTrivyScanner({
      resolveBinary: createBinaryResolver('trivy', options),
      cacheDir: options.cacheDirs?.trivy,
      probe: options.trivyProbe,
    }),
    grype: createGrypeScanner({
      resolveBinary: createBinaryResolver('grype', options),
      dbCacheDir: options.cacheDirs?.grype,
    }),
    pinning: createPinningScanner(),
  };
}
