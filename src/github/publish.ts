/**
 * The GitHub half of the reporters: SARIF upload, sticky PR comment and check
 * run, each best effort. A missing token skips them with one notice; every
 * failure becomes one warning naming what to grant. Never throws, never
 * touches the verdict.
 */
import type { CommentMode } from '../config/schema.js';
import type { Verdict } from '../gate/evaluate.js';
import { conclusionForVerdict, type CheckAnnotation } from '../report/annotations.js';
import type { Logger } from '../util/logger.js';
import { markdownCode, markdownLink } from '../util/safe-text.js';
import { fallbackBudget, publishCheckRun, writeAnnotationCommands } from './check-run.js';
import type { GitHubClient } from './client.js';
import {
  commentMarker,
  resolveCommentAuthor,
  upsertComment,
  type CommentAuthor,
} from './comment.js';
import { findWorkflowRunPullRequest, type RunContext } from './context.js';
import { describeGitHubError, readMessage, type ReadOnlyCause } from './errors.js';
import { uploadSarif, type WrittenSarif } from './upload.js';

export interface PublishInput {
  /** The token the client was built with ('' when there is none): decides the comment author. */
  token: string;
  verdict: Verdict;
  sarifCategory: string;
  uploadSarif: boolean;
  /** The SARIF file as written (`PipelineResult.sarif`): its text is what is uploaded. */
  sarif?: WrittenSarif;
  comment: CommentMode;
  /** The rendered comment body (the renderer keeps it under the limit). */
  commentBody: string;
  checkRun: boolean;
  checkName: string;
  checkTitle: string;
  checkSummary: string;
  annotations: CheckAnnotation[];
  /** Override who owns the sticky comment (default: from the token). */
  commentAuthor?: CommentAuthor;
  uploadPollTimeoutMs?: number;
  uploadPollIntervalMs?: number;
}

export interface PublishResult {
  commentUrl?: string;
  checkRunUrl?: string;
  sarifId?: string;
  /** One line per channel that failed (also logged as a warning). */
  warnings: string[];
}

export interface PublishDeps {
  /** Undefined when there is no token: every channel is skipped. */
  client?: GitHubClient;
  ctx: RunContext;
  logger: Logger;
}

/** Runs the three GitHub reporters. Never throws. */
export async function publishToGitHub(
  deps: PublishDeps,
  input: PublishInput,
): Promise<PublishResult> {
  const result: PublishResult = { warnings: [] };
  const warn = (line: string): void => {
    result.warnings.push(line);
    deps.logger.warning(line);
  };
  try {
    const client = deps.client;
    if (!client || deps.ctx.owner === '' || deps.ctx.repo === '') {
      noticeSkipped(deps, input);
      return result;
    }
    const ctx = await resolveWorkflowRunPullRequest(client, deps.ctx, warn);
    const session: Session = { client, ctx, logger: deps.logger, input, result, warn };
    noticeNoPullRequest(session);
    if (input.uploadSarif) await runUpload(session);
    await runComment(session);
    await runCheckRun(session);
  } catch (error) {
    warn(`GitHub reporting stopped unexpectedly: ${readMessage(error)}`);
  }
  return result;
}

interface Session {
  client: GitHubClient;
  ctx: RunContext;
  logger: Logger;
  input: PublishInput;
  result: PublishResult;
  warn: (line: string) => void;
}

function noticeSkipped(deps: PublishDeps, input: PublishInput): void {
  const skipped = [
    input.uploadSarif ? 'SARIF upload' : undefined,
    input.comment !== 'never' ? 'PR comment' : undefined,
    input.checkRun ? 'check run' : undefined,
  ].filter((s): s is string => s !== undefined);
  if (skipped.length === 0) return;
  const why = deps.client
    ? 'the repository is unknown (GITHUB_REPOSITORY is not set)'
    : "no 'github-token'";
  deps.logger.notice(`Skipping ${skipped.join(', ')}: ${why}.`);
}

/**
 * For `workflow_run` events whose payload names no pull request: searches
 * the open ones once (the context remembers it did). A failed search is one
 * warning; the pull request reporters are then skipped.
 */
export async function resolveWorkflowRunPullRequest(
  client: GitHubClient,
  ctx: RunContext,
  warn: (line: string) => void,
): Promise<RunContext> {
  if (ctx.pullRequest || !ctx.workflowRun || ctx.pullRequestLookup !== undefined) return ctx;
  try {
    return await findWorkflowRunPullRequest(client, ctx);
  } catch (error) {
    warn(
      `Could not find the pull request of the triggering workflow run: ${describeGitHubError('lookup', error)}`,
    );
    return { ...ctx, pullRequestLookup: 'failed' };
  }
}

/** One line when a workflow_run has no pull request to report on (the search itself worked). */
function noticeNoPullRequest(s: Session): void {
  const { ctx, input } = s;
  const run = ctx.workflowRun;
  if (!run || ctx.pullRequest || ctx.pullRequestLookup !== 'none') return;
  const skipped = [
    input.comment !== 'never' ? 'PR comment' : undefined,
    input.checkRun ? 'check run' : undefined,
    input.uploadSarif && !ctx.sarifTarget ? 'SARIF upload' : undefined,
  ].filter((x): x is string => x !== undefined);
  if (skipped.length === 0) return;
  const owner = run.headRepoFullName?.split('/')[0] ?? '?';
  const line =
    `No open pull request has head ${owner}:${run.headBranch ?? '?'} at ${run.headSha.slice(0, 12)} ` +
    `(workflow run ${run.id}, ${run.event}): ${skipped.join(', ')} skipped; the job summary, outputs and files are still written.`;
  // A workflow_run of a push is not expected to have a pull request.
  if (run.event.startsWith('pull_request')) s.warn(line);
  else s.logger.info(line);
}

async function runUpload(s: Session): Promise<void> {
  if (!s.input.sarif) return;
  // A workflow_run without its pull request was already reported by noticeNoPullRequest.
  if (!s.ctx.sarifTarget && s.ctx.workflowRun && s.ctx.pullRequestLookup !== undefined) return;
  const upload = await uploadSarif(s.client, {
    ctx: s.ctx,
    sarif: s.input.sarif,
    logger: s.logger,
    pollTimeoutMs: s.input.uploadPollTimeoutMs,
    pollIntervalMs: s.input.uploadPollIntervalMs,
    readOnlyCause: readOnlyCause(s.ctx),
  });
  s.result.sarifId = upload.sarifId;
  if (upload.note) s.logger.info(upload.note);
  if (upload.warning) s.warn(upload.warning);
}

async function runComment(s: Session): Promise<void> {
  const { input } = s;
  if (input.comment === 'never' || !s.ctx.pullRequest) return;
  const failing = input.verdict !== 'pass';
  const mode = input.comment === 'always' || failing ? 'create-or-update' : 'update-only';
  try {
    const author = input.commentAuthor ?? (await resolveCommentAuthor(s.client, input.token));
    const comment = await upsertComment(s.client, {
      ctx: s.ctx,
      marker: commentMarker(input.sarifCategory),
      body: input.commentBody,
      mode,
      author,
    });
    s.result.commentUrl = comment.url;
  } catch (error) {
    s.warn(`PR comment not posted: ${describeGitHubError('comment', error, readOnlyCause(s.ctx))}`);
  }
}

async function runCheckRun(s: Session): Promise<void> {
  const { input, ctx } = s;
  if (!input.checkRun || !ctx.pullRequest) return;
  const cause = readOnlyCause(ctx);
  try {
    const checkRun = await publishCheckRun(s.client, {
      ctx,
      name: input.checkName,
      conclusion: conclusionForVerdict(input.verdict),
      title: input.checkTitle,
      summary: input.checkSummary + workflowRunNote(ctx),
      annotations: input.annotations,
    });
    s.result.checkRunUrl = checkRun.url;
    const failure = checkRun.updateFailure;
    // The run exists with its conclusion: only the annotations it lacks are worth a line.
    if (failure) {
      const n = failure.notAttached;
      s.warn(
        `Check run created, but ${n} annotation${n === 1 ? '' : 's'} not attached: ${describeGitHubError('check-run', failure.error, cause)}`,
      );
    }
  } catch (error) {
    s.warn(
      `Check run not created, annotations written to the log instead: ${describeGitHubError('check-run', error, cause)}`,
    );
    // Counted after the warning above, which uses one of the runner's 10 warnings itself.
    const written = s.logger.annotationCounts?.() ?? { error: 0, warning: 0, notice: 0 };
    writeAnnotationCommands(s.logger, input.annotations, fallbackBudget(input.verdict, written));
  }
}

/**
 * Why this run's token is read-only, when the event says so: a `pull_request`
 * from a fork (whatever the workflow grants), or a run Dependabot triggered.
 * `pull_request_target` and `workflow_run` run with the base repository's token.
 */
export function readOnlyCause(ctx: RunContext): ReadOnlyCause | undefined {
  const baseToken = ctx.eventName === 'pull_request_target' || ctx.eventName === 'workflow_run';
  if (baseToken) return undefined;
  if (ctx.pullRequest?.isFork) return 'fork';
  return ctx.actor === 'dependabot[bot]' ? 'dependabot' : undefined;
}

/** SPEC 11: a workflow_run check reports another run's artifact, which is not proof by itself. */
function workflowRunNote(ctx: RunContext): string {
  const run = ctx.workflowRun;
  if (!run) return '';
  const link = markdownLink(`run ${run.id}`, run.htmlUrl);
  return (
    `\n\n> This check reports the scan artifact of the pull request's own ${markdownCode(run.event)} workflow run (${link}). ` +
    'Only a workflow required by a repository ruleset makes that scan tamper-proof.'
  );
}
