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
import { createBinaryResolver, type InstallableScanner } from '../scanners/table.js';
import type { ScanContext } from '../scanners/types.js';
import { describeError } from '../util/errors.js';
import { installScanner } from '../install/install.js';
import { createHttpDownloader, createToolCacheStore } from '../install/actions-adapters.js';
import { formatCacheDate, restoreScannerCaches, saveScannerCaches } from '../install/db-cache.js';
import { generateSbom } from '../sbom/generate.js';
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

/** The vulnerability databases worth caching for this configuration. */
function databaseCaches(config: Config): Array<{ tool: 'trivy' | 'grype'; dir: string }> {
  const home = os.homedir();
  const caches: Array<{ tool: 'trivy' | 'grype'; dir: string }> = [];
  const trivyVuln = config.trivyScanners.includes('vuln') || config.scanType !== 'fs';
  if (config.scanners.includes('trivy') && trivyVuln)
    caches.push({ tool: 'trivy', dir: path.join(home, '.cache', 'trivy') });
  if (config.scanners.includes('grype'))
    caches.push({ tool: 'grype', dir: path.join(home, '.cache', 'grype', 'db') });
  return caches;
}

/** Restores the scanners' vulnerability databases, runs `work`, and saves them whatever the verdict. */
export async function withDatabaseCaches<T>(
  setup: RunSetup,
  logger: Logger,
  work: () => Promise<T>,
): Promise<T> {
  const date = formatCacheDate(new Date());
  const restored = [];
  for (const db of databaseCaches(setup.config)) {
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

/** The SBOM step for `sbom-format`, or undefined when none is asked for. */
export function sbomGenerator(setup: RunSetup, logger: Logger): PipelineDeps['generateSbom'] {
  const { config } = setup;
  if (config.sbomFormat === 'none') return undefined;
  return async () => {
    const context: ScanContext = {
      config,
      workspace: setup.workspace,
      runner: setup.runner,
      logger,
      tempDir: setup.tempDir,
    };
    let trivyPath: string;
    try {
      trivyPath = await createBinaryResolver('trivy', { install: createInstaller(setup, logger) })(
        context,
      );
    } catch (error) {
      return { error: `Trivy is needed for the SBOM: ${describeError(error)}` };
    }
    return generateSbom({
      runner: setup.runner,
      trivyPath,
      scanType: config.scanType,
      scanRef: path.resolve(setup.workspace, config.scanRef),
      format: config.sbomFormat === 'cyclonedx' ? 'cyclonedx' : 'spdx-json',
      outputFile: path.resolve(setup.workspace, config.sbomFile),
      timeoutMs: config.timeoutMs,
      skipDirs: config.skipDirs,
    });
  };
}
