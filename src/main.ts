/**
 * The action's orchestration: read inputs, prepare (waivers, reports,
 * caches, baseline), run the pipeline, report everywhere, and decide the
 * step's result once. Reads like a table of contents; the work happens in
 * the modules it calls.
 */
import * as core from '@actions/core';
import { rm } from 'node:fs/promises';
import { ConfigError } from './config/errors.js';
import { conclusionOf, logRunReport } from './conclusion.js';
import { runPipeline, type PipelineResult } from './pipeline.js';
import { createCoreLogger } from './util/core-logger.js';
import type { Logger } from './util/logger.js';
import { createScannerTable } from './scanners/table.js';
import { createTrivyProber } from './scanners/trivy/probe.js';
import { describeError } from './util/errors.js';
import { prepare, type RunSetup } from './action/setup.js';
import { createInstaller, sbomGenerator, withDatabaseCaches } from './action/supply-chain.js';
import { createBaselineMarker, saveBaseline, waiversNeedingReview } from './action/base-branch.js';
import { publish, securityTabUrl, setOutputs, writeSummary } from './action/report.js';

/** Sets the step's result from the verdict: the one place that fails the step. */
function concludeStep(result: PipelineResult): void {
  // One call, one annotation: a header line, then a line per reason or warning.
  const { level, message } = conclusionOf(result.gate);
  if (level === 'failed') core.setFailed(message);
  else if (level === 'warning') core.warning(message);
  else core.info(message);
}

/**
 * Runs a step whose failure must not cost the verdict (the summary, the
 * GitHub reporters, the baseline record): a throw becomes one warning, and
 * the step's result stays the gate's.
 */
async function bestEffort(label: string, step: () => Promise<void>, logger: Logger): Promise<void> {
  try {
    await step();
  } catch (error) {
    logger.warning(`${label}: ${describeError(error)}`);
  }
}

async function scanAndReport(setup: RunSetup, logger: Logger): Promise<PipelineResult> {
  // The Trivy scan and the SBOM step ask the binary what it is once between them.
  const trivyProbe = createTrivyProber();
  const result = await withDatabaseCaches(setup, logger, async () =>
    runPipeline(setup.config, setup.reportFiles, {
      workspace: setup.workspace,
      runner: setup.runner,
      logger,
      tempDir: setup.tempDir,
      scanners: createScannerTable({
        install: createInstaller(setup, logger),
        cacheDirs: setup.cacheDirs,
        trivyProbe,
      }),
      waivers: setup.waivers,
      waiversNeedingReview: await waiversNeedingReview(setup, logger),
      markBaseline: await createBaselineMarker(setup, logger),
      generateSbom: sbomGenerator(setup, logger, trivyProbe),
      now: new Date(),
      links: { runUrl: setup.ctx.runUrl, securityTabUrl: securityTabUrl(setup.ctx) },
      // A workflow_run imports another workflow's artifact (a fork's own workflow may write it).
      imports:
        setup.ctx.eventName === 'workflow_run'
          ? { trustSuppressions: false, categoryPrefix: setup.config.sarifCategory }
          : { trustSuppressions: true },
    }),
  );
  // Relative to the workspace, like the `sarif-file` and `report-file` outputs.
  logRunReport(result, logger, setup.workspace);
  setOutputs(setup.config, result);
  await bestEffort('Job summary not written', () => writeSummary(result), logger);
  await bestEffort('GitHub reporters stopped', () => publish(setup, result, logger), logger);
  await bestEffort('Baseline record not saved', () => saveBaseline(setup, result, logger), logger);
  return result;
}

/** The action's entry point. */
export async function run(): Promise<void> {
  const logger = createCoreLogger();
  let setup: RunSetup | undefined;
  try {
    setup = await prepare(logger);
    concludeStep(await scanAndReport(setup, logger));
  } catch (error) {
    core.setOutput('verdict', 'error');
    core.setFailed(error instanceof ConfigError ? error.message : describeError(error));
  } finally {
    if (setup !== undefined)
      await rm(setup.tempDir, { recursive: true, force: true }).catch(() => undefined);
  }
}
