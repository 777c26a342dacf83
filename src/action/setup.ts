/**
 * Everything the action sets up before any scanner runs: validated inputs,
 * report files, waivers, the run's GitHub context and client. What can fail
 * on the user's input fails here.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { readConfigFromInputs } from '../inputs.js';
import { createCommandRunner, type CommandRunner } from '../util/command.js';
import type { Logger } from '../util/logger.js';
import type { Waiver } from '../waivers/parse.js';
import { resolveRunContext, type RunContext } from '../github/context.js';
import {
  createGitHubClient,
  LOOPBACK_TEST_TIMING_ENV,
  readTestTiming,
  type ClientTiming,
  type GitHubClient,
} from '../github/client.js';
import { resolveWorkflowRunPullRequest } from '../github/publish.js';
import { createCacheStore } from '../install/actions-adapters.js';
import type { CacheStore } from '../install/db-cache.js';
import { runPreflight } from '../preflight.js';
import type { ScannerCacheDirs } from '../scanners/table.js';
import { scannerCacheDirs } from './supply-chain.js';

/** What `prepare` sets up before any scanner runs. */
export interface RunSetup {
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
  /** The scanners' DB directories: cached between runs and passed to the scanners. */
  cacheDirs: ScannerCacheDirs;
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

/** The repository checkout: GITHUB_WORKSPACE on a runner, else the current directory. */
function workspaceOf(): string {
  return process.env.GITHUB_WORKSPACE || process.cwd();
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

/**
 * Everything that can fail on the user's input fails here, before any scan.
 * The run's temp directory is made last, so nothing can fail after it: the
 * caller removes `tempDir` of the setup it got.
 */
export async function prepare(logger: Logger): Promise<RunSetup> {
  const config = readConfigFromInputs();
  const workspace = workspaceOf();
  const { reportFiles, waivers } = await runPreflight(config, workspace, logger);
  const { ctx, client, timing } = await connectToGitHub(config, logger);
  const setup = {
    config,
    workspace,
    reportFiles,
    waivers,
    ctx,
    client,
    timing,
    cache: createCacheStore(),
    cacheDirs: scannerCacheDirs(),
  };
  const tempDir = await mkdtemp(
    path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'security-gate-'),
  );
  return { ...setup, tempDir, runner: createCommandRunner({ tempDir }) };
}
