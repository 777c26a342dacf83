/**
 * The action's orchestration: read inputs, prepare (waivers, reports,
 * caches, baseline), run the pipeline, report everywhere, and decide the
 * step's result once. Reads like a table of contents; the work happens in
 * the modules it calls.
 */
import * as core from '@actions/core';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './config/errors.js';
import type { Config } from './config/schema.js';
import { readConfigFromInputs } from './inputs.js';
import { prepareReports, runPipeline, type PipelineDeps, type PipelineResult } from './pipeline.js';
import { renderConsoleTable } from './report/console.js';
import { renderMarkdown } from './report/markdown.js';
import { buildAnnotations } from './report/annotations.js';
import { createCommandRunner, type CommandRunner } from './util/command.js';
import { createCoreLogger } from './util/core-logger.js';
import type { Logger } from './util/logger.js';
import {
  createScannerTable,
  createBinaryResolver,
  type InstallableScanner,
} from './scanners/table.js';
import type { ScanContext } from './scanners/types.js';
import { loadWaivers } from './waivers/load.js';
import { findWaiversNeedingReview } from './waivers/review.js';
import type { Waiver } from './waivers/parse.js';
import { resolveRunContext, type RunContext } from './github/context.js';
import {
  createGitHubClient,
  LOOPBACK_TEST_TIMING_ENV,
  readTestTiming,
  type ClientTiming,
  type GitHubClient,
} from './github/client.js';
import { publishToGitHub, resolveWorkflowRunPullRequest } from './github/publish.js';
import { commentMarker } from './github/comment.js';
import { createAlertsReader, readRepositoryFile } from './github/reads.js';
import { createWorkspaceFiles } from './util/workspace-files.js';
import { describeError } from './util/errors.js';
import { installScanner } from './install/install.js';
import {
  createCacheStore,
  createHttpDownloader,
  createToolCacheStore,
} from './install/actions-adapters.js';
import {
  formatCacheDate,
  restoreScannerCaches,
  saveScannerCaches,
  type CacheStore,
} from './install/db-cache.js';
import { generateSbom } from './sbom/generate.js';
import { resolveBaseline, saveBaselineRecord, PULL_REQUEST_EVENTS } from './baseline/sources.js';
import { createBaselineMarking } from './baseline/marker.js';
import { buildBaselineRecord } from './baseline/record.js';

const COMMENT_LIMIT = 65_536;
const SUMMARY_LIMIT = 1024 * 1024 - 1024;
const CHECK_SUMMARY_LIMIT = 60_000;

/** What `prepare` sets up before any scanner runs. */
interface RunSetup {
  config: Config;
  workspace: string;
  reportFiles: string[];
  waivers: Waiver[];
  ctx: RunContext;
  client?: GitHubClient;
  /** Shortened API waits for tests against a loopback API stand-in (never on a real API). */
  timing?: ClientTiming;
  tempDir: string;
  runner: CommandRunner;
  cache: CacheStore;
}

async function readEvent(): Promise<unknown> {
  const eventPath = process.env.GITHUB_EVENT_PATH;
  if (eventPath === undefined || eventPath === '') return {};
  try {
    return JSON.parse(await readFile(eventPath, 'utf8')) as unknown;
  } catch {
    return {};
  }
}

function workspaceOf(): string {
  return process.env.GITHUB_WORKSPACE || process.cwd();
}

function securityTabUrl(ctx: RunContext): string | undefined {
  if (ctx.owner === '') return undefined;
  return `${ctx.serverUrl}/${ctx.owner}/${ctx.repo}/security/code-scanning`;
}

/**
 * The run's context and API client. A workflow_run's pull request is looked
 * up here, once, because the baseline (its base branch) and the waiver
 * review need it before the reporters do.
 */
async function connectToGitHub(
  config: Config,
  logger: Logger,
): Promise<{ ctx: RunContext; client?: GitHubClient; timing?: ClientTiming }> {
  const ctx = resolveRunContext(process.env, await readEvent());
  if (config.githubToken === '') return { ctx };
  const { timing, ignored } = readTestTiming(process.env, ctx.apiUrl);
  if (ignored)
    logger.warning(
      `${LOOPBACK_TEST_TIMING_ENV} is ignored: GITHUB_API_URL is not a loopback address.`,
    );
  const client = createGitHubClient({
    token: config.githubToken,
    baseUrl: ctx.apiUrl,
    logger,
    ...(timing ? { writeSpacingMs: timing.writeSpacingMs, retryBaseMs: timing.retryBaseMs } : {}),
  });
  if (ctx.owner === '') return { ctx, client, timing };
  const resolved = await resolveWorkflowRunPullRequest(client, ctx, (line) => logger.warning(line));
  return { ctx: resolved, client, timing };
}

/** Everything that can fail on the user's input fails here, before any scan. */
async function prepare(logger: Logger, tempDirHolder: { dir?: string }): Promise<RunSetup> {
  const config = readConfigFromInputs();
  const workspace = workspaceOf();
  const reportFiles = await prepareReports(config, workspace);
  const waivers = await loadWaivers({
    workspace,
    waiversFile: config.waiversFile,
    explicit: config.waiversFileExplicit,
  });
  const { ctx, client, timing } = await connectToGitHub(config, logger);
  tempDirHolder.dir = await mkdtemp(
    path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'security-gate-'),
  );
  return {
    config,
    workspace,
    reportFiles,
    waivers,
    ctx,
    client,
    timing,
    tempDir: tempDirHolder.dir,
    runner: createCommandRunner(),
    cache: createCacheStore(),
  };
}

/** Downloads a pinned scanner release when it is not on PATH (verified before it is unpacked). */
function createInstaller(setup: RunSetup, logger: Logger) {
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

async function withDatabaseCaches<T>(
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

async function waiversNeedingReview(setup: RunSetup, logger: Logger) {
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

async function createBaselineMarker(
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
async function saveBaseline(
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

function sbomGenerator(setup: RunSetup, logger: Logger): PipelineDeps['generateSbom'] {
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

function setOutputs(config: Config, result: PipelineResult): void {
  const { gate } = result;
  const outputs: Record<string, string | number> = {
    verdict: gate.verdict,
    critical: gate.counts.CRITICAL,
    high: gate.counts.HIGH,
    medium: gate.counts.MEDIUM,
    low: gate.counts.LOW,
    unknown: gate.counts.UNKNOWN,
    total: gate.total,
    waived: gate.waived,
    new: gate.newCount,
    fixable: result.fixable,
    'sarif-file': config.sarifFile,
    'report-file': config.reportFile,
  };
  if (result.sbomFile !== undefined) outputs['sbom-file'] = config.sbomFile;
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}

async function writeSummary(result: PipelineResult): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const markdown = renderMarkdown(result.view, {
    maxLength: SUMMARY_LIMIT,
    maxFindings: 200,
    moreHint: 'the report file and the SARIF file',
  });
  await core.summary.addRaw(markdown, true).write();
}

function checkTitle(result: PipelineResult): string {
  const { gate } = result;
  return `${gate.verdict.toUpperCase()}: ${gate.counts.CRITICAL} critical, ${gate.counts.HIGH} high, ${gate.counts.MEDIUM} medium, ${gate.counts.LOW} low`;
}

async function publish(setup: RunSetup, result: PipelineResult, logger: Logger): Promise<void> {
  const { config } = setup;
  const marker = commentMarker(config.sarifCategory);
  const body = renderMarkdown(result.view, {
    maxLength: COMMENT_LIMIT - marker.length - 2,
    maxFindings: 30,
    header: marker,
    moreHint: 'the job summary and the report file',
  });
  const imageScan = config.scanType === 'image';
  const annotations = buildAnnotations(result.view.findings, result.gate, {
    fileExists: createWorkspaceFiles(setup.workspace).exists,
    // The same Dockerfile fallback as the SARIF's (pipeline.ts resolveDockerfile).
    dockerfile: imageScan ? config.dockerfile || 'Dockerfile' : undefined,
    imageTarget: imageScan ? config.scanRef : undefined,
  });
  const published = await publishToGitHub(
    { client: setup.client, ctx: setup.ctx, logger },
    {
      token: config.githubToken,
      verdict: result.gate.verdict,
      sarifCategory: config.sarifCategory,
      uploadSarif: config.uploadSarif,
      sarifText: result.sarif.text,
      comment: config.comment,
      commentBody: body,
      checkRun: config.checkRun,
      checkName: config.checkName,
      checkTitle: checkTitle(result),
      checkSummary: renderMarkdown(result.view, {
        maxLength: CHECK_SUMMARY_LIMIT,
        maxFindings: 50,
      }),
      annotations,
      uploadPollIntervalMs: setup.timing?.uploadPollIntervalMs,
    },
  );
  if (published.commentUrl) core.setOutput('comment-url', published.commentUrl);
  if (published.checkRunUrl) core.setOutput('check-run-url', published.checkRunUrl);
  if (published.sarifId) core.setOutput('sarif-id', published.sarifId);
}

/** Sets the step's result from the verdict: the one place that fails the step. */
function concludeStep(result: PipelineResult): void {
  const { gate } = result;
  if (gate.verdict === 'fail' || gate.verdict === 'error') {
    core.setFailed(`Security Gate ${gate.verdict}: ${gate.reasons.join('; ')}`);
  } else if (gate.verdict === 'warn') {
    core.warning(`Security Gate passed with warnings: ${gate.warnings.join('; ')}`);
  } else {
    core.info('Security Gate passed.');
  }
}

async function scanAndReport(setup: RunSetup, logger: Logger): Promise<PipelineResult> {
  const result = await withDatabaseCaches(setup, logger, async () =>
    runPipeline(setup.config, setup.reportFiles, {
      workspace: setup.workspace,
      runner: setup.runner,
      logger,
      tempDir: setup.tempDir,
      scanners: createScannerTable({ install: createInstaller(setup, logger) }),
      waivers: setup.waivers,
      waiversNeedingReview: await waiversNeedingReview(setup, logger),
      markBaseline: await createBaselineMarker(setup, logger),
      generateSbom: sbomGenerator(setup, logger),
      now: new Date(),
      links: { runUrl: setup.ctx.runUrl, securityTabUrl: securityTabUrl(setup.ctx) },
    }),
  );
  for (const line of renderConsoleTable(result.view)) logger.info(line);
  setOutputs(setup.config, result);
  await writeSummary(result);
  await publish(setup, result, logger);
  await saveBaseline(setup, result, logger);
  return result;
}

/** The action's entry point. */
export async function run(): Promise<void> {
  const logger = createCoreLogger();
  const temp: { dir?: string } = {};
  try {
    const setup = await prepare(logger, temp);
    concludeStep(await scanAndReport(setup, logger));
  } catch (error) {
    core.setOutput('verdict', 'error');
    core.setFailed(error instanceof ConfigError ? error.message : describeError(error));
  } finally {
    if (temp.dir !== undefined)
      await rm(temp.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
