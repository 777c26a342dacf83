/**
 * Scanner binaries, their vulnerability databases and the SBOM: installing a
 * pinned, verified release when a scanner is not on PATH, caching databases
 * across runs (saved whatever the verdict), generating the SBOM with Trivy.
 */
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { PipelineDeps } from '../pipeline.js';
import type { Logger } from '../util/logger.js';
import {
  createBinaryResolver,
  type InstallableScanner,
  type ScannerCacheDirs,
} from '../scanners/table.js';
import type { ScanContext } from '../scanners/types.js';
import type { TrivyProber } from '../scanners/trivy/probe.js';
import { installScanner } from '../install/install.js';
import { createHttpDownloader, createToolCacheStore } from '../install/actions-adapters.js';
import { formatCacheDate, restoreScannerCaches, saveScannerCaches } from '../install/db-cache.js';
import { createSbomStep } from '../sbom/step.js';
import type { RunSetup } from './setup.js';

/** Downloads a pinned scanner release when it is not on PATH (verified before it is unpacked). */
export function createInstaller(setup: RunSetup, logger: Logger) {
  return (tool: InstallableScanner, context: ScanContext): Promise<string> =>
    installScanner({
      tool,
      version: tool === 'trivy' ? context.config.trivyVersion : context.config.grypeVersion,
      expectedSha256: tool === 'trivy' ? context.config.trivySha256 : context.config.grypeSha256,
      downloadBaseUrl: context.config.downloadBaseUrl,
      platform: process.platform,
      arch: process.arch,
      http: createHttpDownloader(),
      toolCache: createToolCacheStore(),
      logger,
      tempDir: setup.tempDir,
    });
}

/**
 * The scanners' DB directories, decided here once and passed to the
 * scanners explicitly (Trivy `--cache-dir`, Grype `GRYPE_DB_CACHE_DIR`):
 * their own defaults differ by OS (macOS, XDG_CACHE_HOME), and a cache of a
 * directory the scanner does not use would save nothing.
 */
export function scannerCacheDirs(home: string = os.homedir()): ScannerCacheDirs {
  return {
    trivy: path.join(home, '.cache', 'trivy'),
    grype: path.join(home, '.cache', 'grype', 'db'),
  };
}

/** The vulnerability databases worth caching for this configuration. */
export function databaseCaches(
  config: Config,
  dirs: ScannerCacheDirs,
): Array<{ tool: 'trivy' | 'grype'; dir: string }> {
  const caches: Array<{ tool: 'trivy' | 'grype'; dir: string }> = [];
  const trivyVuln = config.trivyScanners.includes('vuln') || config.scanType !== 'fs';
  if (config.scanners.includes('trivy') && trivyVuln)
    caches.push({ tool: 'trivy', dir: dirs.trivy });
  if (config.scanners.includes('grype')) caches.push({ tool: 'grype', dir: dirs.grype });
  return caches;
}

/** Restores the scanners' vulnerability databases, runs `work`, and saves them whatever the verdict. */
export async function withDatabaseCaches<T>(
  setup: Pick<RunSetup, 'config' | 'cache' | 'cacheDirs'>,
  logger: Logger,
  work: () => Promise<T>,
): Promise<T> {
  const date = formatCacheDate(new Date());
  const restored = [];
  for (const db of databaseCaches(setup.config, setup.cacheDirs)) {
    const options = { ...db, date, os: process.env.RUNNER_OS ?? process.platform };
    restored.push({ options, restore: await restoreScannerCaches(setup.cache, options, logger) });
  }
  try {
    return await work();
  } finally {
    // Saved whatever the verdict: tomorrow's run should not download again.
    for (const { options, restore } of restored) {
      await saveScannerCaches(
        setup.cache,
        { ...options, restoredKey: restore.restoredKey },
        logger,
      );
    }
  }
}

/** The SBOM step for `sbom-format` (Trivy installed like the scanner's), or undefined when none is asked for. */
export function sbomGenerator(
  setup: RunSetup,
  logger: Logger,
  probe?: TrivyProber,
): PipelineDeps['generateSbom'] {
  return createSbomStep({
    config: setup.config,
    workspace: setup.workspace,
    runner: setup.runner,
    logger,
    tempDir: setup.tempDir,
    resolveTrivy: createBinaryResolver('trivy', { install: createInstaller(setup, logger) }),
    cacheDir: setup.cacheDirs.trivy,
    probe,
  });
}
