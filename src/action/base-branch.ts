/**
 * What the action compares with the base branch: waivers a pull request adds
 * or changes, and the baseline of `gate-scope: new` (read on pull requests,
 * saved on pushes).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type PipelineDeps, type PipelineResult } from '../pipeline.js';
import type { Logger } from '../util/logger.js';
import { findWaiversNeedingReview } from '../waivers/review.js';
import { createAlertsReader, readRepositoryFile } from '../github/reads.js';
import { describeError } from '../util/errors.js';
import { resolveBaseline, saveBaselineRecord, PULL_REQUEST_EVENTS } from '../baseline/sources.js';
import { createBaselineMarking } from '../baseline/marker.js';
import { buildBaselineRecord } from '../baseline/record.js';
import type { RunSetup } from './setup.js';

/** Waivers this pull request adds or changes, compared with the base branch's file. */
export async function waiversNeedingReview(setup: RunSetup, logger: Logger) {
  const pr = setup.ctx.pullRequest;
  if (pr === undefined || setup.client === undefined || setup.waivers.length === 0) return [];
  try {
    const baseText = await readRepositoryFile(setup.client, setup.ctx, {
      filePath: setup.config.waiversFile,
      ref: pr.baseRef,
    });
    return findWaiversNeedingReview(setup.waivers, baseText, setup.config.waiversFile);
  } catch (error) {
    logger.warning(
      `Could not read the base branch's ${setup.config.waiversFile} to list changed waivers (needs \`contents: read\`): ${describeError(error)}`,
    );
    return [];
  }
}

/** Resolves the baseline for `gate-scope: new` and returns the pipeline's marking step. */
export async function createBaselineMarker(
  setup: RunSetup,
  logger: Logger,
): Promise<PipelineDeps['markBaseline']> {
  const { config, ctx } = setup;
  if (config.gateScope !== 'new') return undefined;
  const resolved = await resolveBaseline({
    config,
    eventName: ctx.eventName,
    baseRef: ctx.pullRequest?.baseRef,
    branchRef: process.env.GITHUB_REF,
    cache: setup.cache,
    alerts: setup.client === undefined ? undefined : createAlertsReader(setup.client, ctx),
    recordPath: path.join(setup.tempDir, 'baseline-record.json'),
    readFile: (file) => readFile(path.resolve(setup.workspace, file), 'utf8'),
    logger,
  });
  return createBaselineMarking(resolved);
}

/** On pushes, saves the branch's fingerprints for later pull requests' `gate-scope: new`. */
export async function saveBaseline(
  setup: RunSetup,
  result: PipelineResult,
  logger: Logger,
): Promise<void> {
  const { config, ctx } = setup;
  if (config.baseline.kind !== 'auto' || PULL_REQUEST_EVENTS.includes(ctx.eventName)) return;
  if (ctx.eventName !== 'push' || !process.env.GITHUB_REF?.startsWith('refs/heads/')) return;
  await saveBaselineRecord({
    cache: setup.cache,
    record: buildBaselineRecord(result.view.findings, {
      ref: process.env.GITHUB_REF,
      sha: process.env.GITHUB_SHA ?? '',
      category: config.sarifCategory,
      createdAt: new Date().toISOString(),
    }),
    recordPath: path.join(setup.tempDir, 'baseline-record.json'),
    writeFile: (file, text) => writeFile(file, text, 'utf8'),
    logger,
  });
}
