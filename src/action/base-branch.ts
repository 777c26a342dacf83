/**
 * What the action compares with the base branch: waivers a pull request adds
 * or changes, and the baseline of `gate-scope: new` (read on pull requests,
 * saved on pushes).
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PipelineResult } from '../pipeline.js';
import type { Logger } from '../util/logger.js';
import { findWaiversNeedingReview, type BaseWaiverFile } from '../waivers/review.js';
import { isFromSource, isRepositoryLabel, listWaiverSources } from '../waivers/sources.js';
import { createAlertsReader, readRepositoryFile } from '../github/reads.js';
import { describeGitHubError } from '../github/errors.js';
import {
  baselineRecordPath,
  baselineScope,
  resolveBaseline,
  saveBaselineRecord,
} from '../baseline/sources.js';
import { createBaselineMarking, type MarkBaseline } from '../baseline/marker.js';
import { buildBaselineRecord } from '../baseline/record.js';
import type { RunSetup } from './setup.js';

/**
 * Waivers this pull request adds or changes, compared with the base
 * branch's copies of the files they came from. Fails closed: a file that
 * cannot be read on the base branch approved nothing, so every waiver in it
 * is listed, with one warning naming the permission.
 */
export async function waiversNeedingReview(setup: RunSetup, logger: Logger) {
  const pr = setup.ctx.pullRequest;
  const client = setup.client;
  if (pr === undefined || client === undefined || setup.waivers.length === 0) return [];
  // Only files that gave waivers matter; a file outside the checkout is not the pull request's.
  const sources = listWaiverSources(setup.workspace, setup.config.waiversFile).filter(
    (source) =>
      isRepositoryLabel(source.label) &&
      setup.waivers.some((waiver) => isFromSource(waiver, source.label)),
  );
  const bases: BaseWaiverFile[] = [];
  let failure: unknown;
  for (const source of sources) {
    if (failure !== undefined) {
      // After one failed read (a 403, say) the others would fail alike: assume they did.
      bases.push({ source, base: { state: 'unreadable' } });
      continue;
    }
    try {
      const text = await readRepositoryFile(client, setup.ctx, {
        filePath: source.label,
        ref: pr.baseRef,
      });
      bases.push({
        source,
        base: text === undefined ? { state: 'absent' } : { state: 'present', text },
      });
    } catch (error) {
      failure = error;
      bases.push({ source, base: { state: 'unreadable' } });
    }
  }
  if (failure !== undefined) {
    const unread = bases.filter((b) => b.base.state === 'unreadable').map((b) => b.source.label);
    logger.warning(
      `Could not read ${unread.join(', ')} on the base branch ${pr.baseRef}: every waiver in ${unread.length === 1 ? 'it' : 'them'} is listed as needing review. ${describeGitHubError('contents', failure)}`,
    );
  }
  return findWaiversNeedingReview(setup.waivers, bases);
}

/** The image of an image scan: it has a record of its own. */
function imageRefOf(setup: RunSetup): string | undefined {
  return setup.config.scanType === 'image' ? setup.config.scanRef : undefined;
}

/** Where the record of this run's scope lives: a fixed path, the same in every run (see `baselineRecordPath`). */
function recordPathOf(setup: RunSetup): string {
  const scope = baselineScope(setup.config.sarifCategory, imageRefOf(setup));
  return baselineRecordPath(process.env.RUNNER_TEMP || os.tmpdir(), scope);
}

/** Resolves the baseline for `gate-scope: new` and returns the pipeline's marking step. */
export async function createBaselineMarker(
  setup: RunSetup,
  logger: Logger,
): Promise<MarkBaseline | undefined> {
  const { config, ctx } = setup;
  if (config.gateScope !== 'new') return undefined;
  const resolved = await resolveBaseline({
    config,
    // The one answer to "does this run gate a pull request": the context found one
    // (a workflow_run's only when its head is the scanned commit).
    gatesPullRequest: ctx.pullRequest !== undefined,
    eventName: ctx.eventName,
    triggeringEvent: ctx.workflowRun?.event,
    imageRef: imageRefOf(setup),
    baseRef: ctx.pullRequest?.baseRef,
    branchRef: process.env.GITHUB_REF,
    cache: setup.cache,
    alerts: setup.client === undefined ? undefined : createAlertsReader(setup.client, ctx),
    recordPath: recordPathOf(setup),
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
  if (config.baseline.kind !== 'auto') return;
  if (ctx.eventName !== 'push' || !process.env.GITHUB_REF?.startsWith('refs/heads/')) return;
  await saveBaselineRecord({
    cache: setup.cache,
    record: buildBaselineRecord(result.view.findings, {
      ref: process.env.GITHUB_REF,
      sha: process.env.GITHUB_SHA ?? '',
      category: baselineScope(config.sarifCategory, imageRefOf(setup)),
      createdAt: new Date().toISOString(),
    }),
    recordPath: recordPathOf(setup),
    writeFile: async (file, text) => {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text, 'utf8');
    },
    logger,
  });
}
