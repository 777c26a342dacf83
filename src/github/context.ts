/**
 * Where the run happens and what it reports on: repository, event, the
 * commit/ref the SARIF belongs to, and the pull request (if any) that gets
 * the comment and the check run. Pure: reads the env and the event payload
 * it is given; `findWorkflowRunPullRequest` is the one lookup that needs the
 * API.
 */
import { z } from 'zod';
import type { GitHubClient } from './client.js';

export interface PullRequestInfo {
  number: number;
  /** The PR head commit: check runs go here, never on the merge commit. */
  headSha: string;
  baseRef: string;
  headRef?: string;
  headRepoFullName: string;
  /** Head repository differs from the base one (or was deleted): the token is read-only. */
  isFork: boolean;
}

/** The run that triggered a `workflow_run` event (SPEC section 11). */
export interface WorkflowRunInfo {
  id: number;
  /** The event of the triggering run (`pull_request`, `push`, …). */
  event: string;
  headSha: string;
  headBranch?: string;
  headRepoFullName?: string;
  htmlUrl?: string;
}

export interface RunContext {
  owner: string;
  repo: string;
  eventName: string;
  serverUrl: string;
  apiUrl: string;
  runId?: string;
  runUrl?: string;
  actor?: string;
  /** What the SARIF upload names; undefined when the event gives no commit/ref. */
  sarifTarget?: { commitSha: string; ref: string };
  /**
   * The pull request the run reports on and gates: the comment, the check run
   * and `gate-scope: new` all follow it (a workflow_run has one only when its
   * triggering run was a pull request's at the scanned commit).
   */
  pullRequest?: PullRequestInfo;
  workflowRun?: WorkflowRunInfo;
  /**
   * workflow_run only: how the search for the pull request went (`found` also
   * when the payload named it). Set once, so the search runs once per step.
   */
  pullRequestLookup?: 'found' | 'none' | 'failed';
}

const repoSchema = z.object({ full_name: z.string() }).nullish();
const pullRequestSchema = z.object({
  number: z.number().int().positive(),
  head: z.object({ sha: z.string(), ref: z.string().optional(), repo: repoSchema }),
  base: z.object({ ref: z.string(), repo: repoSchema }),
});
/**
 * `workflow_run.pull_requests[]` is GitHub's "pull-request-minimal": its
 * repositories carry `id`, `url` and `name`, no `full_name`.
 */
const minimalRepoSchema = z
  .object({ full_name: z.string().optional(), url: z.string().optional() })
  .nullish();
const minimalPullRequestSchema = z.object({
  number: z.number().int().positive(),
  head: z.object({ sha: z.string(), ref: z.string().optional(), repo: minimalRepoSchema }),
  base: z.object({ ref: z.string(), repo: minimalRepoSchema }),
});
const workflowRunSchema = z.object({
  id: z.number(),
  event: z.string(),
  head_sha: z.string(),
  head_branch: z.string().nullish(),
  head_repository: repoSchema,
  html_url: z.string().optional(),
  pull_requests: z.array(minimalPullRequestSchema).nullish(),
});
const eventSchema = z.object({
  pull_request: pullRequestSchema.optional().catch(undefined),
  workflow_run: workflowRunSchema.optional().catch(undefined),
  repository: z.object({ full_name: z.string() }).optional().catch(undefined),
});
type PullRequestPayload = z.infer<typeof pullRequestSchema>;

const PR_EVENTS = new Set([
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
]);

/** Reads the run's context from the runner's env and the event payload (`GITHUB_EVENT_PATH`, parsed). */
export function resolveRunContext(env: NodeJS.ProcessEnv, event: unknown): RunContext {
  const parsed = eventSchema.safeParse(event ?? {});
  const payload = parsed.success ? parsed.data : {};
  const fullName = env.GITHUB_REPOSITORY ?? payload.repository?.full_name ?? '';
  const [owner = '', repo = ''] = fullName.split('/');
  const serverUrl = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const runId = env.GITHUB_RUN_ID;
  const base: RunContext = {
    owner,
    repo,
    eventName,
    serverUrl,
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    runId,
    runUrl: runId && fullName ? `${serverUrl}/${fullName}/actions/runs/${runId}` : undefined,
    actor: env.GITHUB_ACTOR,
  };
  const envTarget =
    env.GITHUB_SHA && env.GITHUB_REF
      ? { commitSha: env.GITHUB_SHA, ref: env.GITHUB_REF }
      : undefined;

  if (PR_EVENTS.has(eventName) && payload.pull_request) {
    const pullRequest = toPullRequestInfo(payload.pull_request, fullName);
    // pull_request_target's GITHUB_SHA/REF point at the base branch, not the PR.
    const sarifTarget = eventName === 'pull_request' ? envTarget : headTarget(pullRequest);
    return { ...base, pullRequest, sarifTarget };
  }
  if (eventName === 'workflow_run' && payload.workflow_run) {
    return resolveWorkflowRun(base, payload.workflow_run, fullName);
  }
  return { ...base, sarifTarget: envTarget };
}

function resolveWorkflowRun(
  base: RunContext,
  run: z.infer<typeof workflowRunSchema>,
  fullName: string,
): RunContext {
  const workflowRun: WorkflowRunInfo = {
    id: run.id,
    event: run.event,
    headSha: run.head_sha,
    headBranch: run.head_branch ?? undefined,
    headRepoFullName: run.head_repository?.full_name,
    htmlUrl: run.html_url,
  };
  const fromFork =
    workflowRun.headRepoFullName !== undefined &&
    workflowRun.headRepoFullName.toLowerCase() !== fullName.toLowerCase();
  if (!PR_EVENTS.has(run.event)) {
    // A push (or schedule…) run's `pull_requests` lists the open PRs of its branch:
    // their comment and check run are not this run's to write. It reports on the branch.
    const sarifTarget =
      !fromFork && workflowRun.headBranch
        ? { commitSha: run.head_sha, ref: `refs/heads/${workflowRun.headBranch}` }
        : undefined;
    return { ...base, workflowRun, sarifTarget, pullRequestLookup: 'none' };
  }
  const listed = payloadPullRequest(run, fullName);
  if (listed) {
    return {
      ...withPullRequest({ ...base, workflowRun }, toPullRequestInfo(listed, fullName)),
      pullRequestLookup: 'found',
    };
  }
  // No listed pull request is at the scanned commit: the lookup decides, and
  // without one there is nothing to attach the SARIF of a pull request's scan to.
  return { ...base, workflowRun };
}

/**
 * The payload's pull request of this repository whose head is the scanned
 * commit. One whose head moved on is not taken: its comment and check run
 * would describe a commit that was not scanned.
 */
function payloadPullRequest(
  run: z.infer<typeof workflowRunSchema>,
  fullName: string,
): PullRequestPayload | undefined {
  // The list can name pull requests of other repositories whose base is this branch.
  const match = (run.pull_requests ?? []).find((pr) => {
    const baseRepo = repoFullName(pr.base.repo);
    const ours = baseRepo === undefined || baseRepo.toLowerCase() === fullName.toLowerCase();
    return ours && pr.head.sha === run.head_sha;
  });
  if (!match) return undefined;
  return {
    ...match,
    head: { ...match.head, repo: toRepo(match.head.repo) },
    base: { ...match.base, repo: toRepo(match.base.repo) },
  };
}

/** `owner/name` of a minimal repository: its `full_name`, else the end of its API `url`. */
function repoFullName(repo: z.infer<typeof minimalRepoSchema>): string | undefined {
  if (!repo) return undefined;
  if (repo.full_name) return repo.full_name;
  const match = /\/repos\/([^/]+\/[^/]+?)\/?$/.exec(repo.url ?? '');
  return match?.[1];
}

function toRepo(repo: z.infer<typeof minimalRepoSchema>): { full_name: string } | null {
  const name = repoFullName(repo);
  return name === undefined ? null : { full_name: name };
}

function toPullRequestInfo(pr: PullRequestPayload, baseFullName: string): PullRequestInfo {
  const headRepoFullName = pr.head.repo?.full_name ?? '';
  const baseRepo = pr.base.repo?.full_name ?? baseFullName;
  return {
    number: pr.number,
    headSha: pr.head.sha,
    baseRef: pr.base.ref,
    headRef: pr.head.ref,
    headRepoFullName,
    isFork: headRepoFullName === '' || headRepoFullName.toLowerCase() !== baseRepo.toLowerCase(),
  };
}

function headTarget(pr: PullRequestInfo): { commitSha: string; ref: string } {
  return { commitSha: pr.headSha, ref: `refs/pull/${pr.number}/head` };
}

/** The context with a pull request found later (workflow_run lookups): SARIF goes to its head. */
export function withPullRequest(ctx: RunContext, pullRequest: PullRequestInfo): RunContext {
  return { ...ctx, pullRequest, sarifTarget: headTarget(pullRequest) };
}

const pullListSchema = z.array(pullRequestSchema);

/**
 * For `workflow_run` events of a pull request whose payload lists none at
 * the scanned commit (always the case for forks): lists open PRs whose head
 * is `owner:branch` and keeps the one whose head is the run's commit. Marks
 * the context with how the search went (`pullRequestLookup`); throws on API
 * errors.
 */
export async function findWorkflowRunPullRequest(
  client: GitHubClient,
  ctx: RunContext,
): Promise<RunContext> {
  const run = ctx.workflowRun;
  if (ctx.pullRequest || !run) return ctx;
  if (!PR_EVENTS.has(run.event)) return { ...ctx, pullRequestLookup: 'none' };
  if (!run.headBranch || !run.headRepoFullName) return { ...ctx, pullRequestLookup: 'none' };
  const headOwner = run.headRepoFullName.split('/')[0] ?? '';
  const response = await client.rest.pulls.list({
    owner: ctx.owner,
    repo: ctx.repo,
    state: 'open',
    head: `${headOwner}:${run.headBranch}`,
    per_page: 100,
  });
  const pulls = pullListSchema.safeParse(response.data);
  if (!pulls.success) throw new Error('the list of pull requests has an unexpected shape');
  const match = pulls.data.find((pr) => pr.head.sha === run.headSha);
  if (!match) return { ...ctx, pullRequestLookup: 'none' };
  const found = toPullRequestInfo(match, `${ctx.owner}/${ctx.repo}`);
  return { ...withPullRequest(ctx, found), pullRequestLookup: 'found' };
}
