import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  findWorkflowRunPullRequest,
  resolveRunContext,
  withPullRequest,
} from '../../../src/github/context.js';
import { startGitHubApiServer } from '../../helpers/github-api-server.js';
import { makeTestClient } from './support.js';

function loadEvent(name: string): unknown {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/events/${name}.json`, import.meta.url), 'utf8'),
  );
}

/** The runner's env for a workflow_run of octo-org/octo-repo (GITHUB_SHA/REF: the default branch). */
const runnerEnv = () =>
  env('workflow_run', {
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_SHA: '8c7a6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b',
  });
const SCANNED = '6dcb09b5b57875f334f61aebed695e2e4193db5e';

function env(eventName: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    GITHUB_REPOSITORY: 'octo/app',
    GITHUB_EVENT_NAME: eventName,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_RUN_ID: '42',
    GITHUB_ACTOR: 'someone',
    GITHUB_SHA: 'ffffffffffffffffffffffffffffffffffffffff',
    GITHUB_REF: 'refs/heads/main',
    ...extra,
  };
}

describe('resolveRunContext', () => {
  it('pull_request: SARIF on the merge commit/ref, checks on the head', () => {
    const ctx = resolveRunContext(
      env('pull_request', { GITHUB_REF: 'refs/pull/7/merge' }),
      loadEvent('pull_request'),
    );
    expect(ctx).toMatchObject({
      owner: 'octo',
      repo: 'app',
      runUrl: 'https://github.com/octo/app/actions/runs/42',
      sarifTarget: {
        commitSha: 'ffffffffffffffffffffffffffffffffffffffff',
        ref: 'refs/pull/7/merge',
      },
      pullRequest: { number: 7, headSha: '1'.repeat(40), baseRef: 'main', isFork: false },
    });
  });

  it('pull_request_target: SARIF on the PR head, not the base branch', () => {
    const ctx = resolveRunContext(
      env('pull_request_target'),
      loadEvent('pull_request_target-fork'),
    );
    expect(ctx.sarifTarget).toEqual({ commitSha: '2'.repeat(40), ref: 'refs/pull/8/head' });
    expect(ctx.pullRequest).toMatchObject({
      number: 8,
      isFork: true,
      headRepoFullName: 'forker/app',
    });
  });

  it('push: GITHUB_SHA and GITHUB_REF, no pull request', () => {
    const ctx = resolveRunContext(env('push'), loadEvent('push'));
    expect(ctx.sarifTarget).toEqual({ commitSha: 'f'.repeat(40), ref: 'refs/heads/main' });
    expect(ctx.pullRequest).toBeUndefined();
  });

  it('workflow_run: the pull request of the payload and its head', () => {
    const ctx = resolveRunContext(env('workflow_run'), loadEvent('workflow_run-same-repo'));
    expect(ctx.workflowRun).toMatchObject({
      id: 123456,
      event: 'pull_request',
      headSha: '4'.repeat(40),
    });
    expect(ctx.pullRequest).toMatchObject({ number: 9, headSha: '4'.repeat(40) });
    expect(ctx.sarifTarget).toEqual({ commitSha: '4'.repeat(40), ref: 'refs/pull/9/head' });
  });

  it('workflow_run from a fork: no PR in the payload, no SARIF target until found', () => {
    const ctx = resolveRunContext(env('workflow_run'), loadEvent('workflow_run-fork'));
    expect(ctx.pullRequest).toBeUndefined();
    expect(ctx.sarifTarget).toBeUndefined();
    const found = withPullRequest(ctx, {
      number: 11,
      headSha: '5'.repeat(40),
      baseRef: 'main',
      headRepoFullName: 'forker/app',
      isFork: true,
    });
    expect(found.sarifTarget).toEqual({ commitSha: '5'.repeat(40), ref: 'refs/pull/11/head' });
  });

  it('workflow_run (runner payload): the listed pull request at the scanned commit', () => {
    const ctx = resolveRunContext(runnerEnv(), loadEvent('runner/workflow_run.same-repo'));
    expect(ctx.pullRequest).toMatchObject({ number: 42, headSha: SCANNED, baseRef: 'main' });
    expect(ctx.sarifTarget).toEqual({ commitSha: SCANNED, ref: 'refs/pull/42/head' });
    expect(ctx.pullRequestLookup).toBe('found');
  });

  it('workflow_run whose listed pull request moved on: not taken, the lookup decides', () => {
    // A commit was pushed to the pull request while the scan ran: #42's head is newer.
    const ctx = resolveRunContext(runnerEnv(), loadEvent('runner/workflow_run.same-repo-stale'));
    expect(ctx.workflowRun).toMatchObject({ event: 'pull_request', headSha: SCANNED });
    expect(ctx.pullRequest).toBeUndefined();
    expect(ctx.sarifTarget).toBeUndefined();
    expect(ctx.pullRequestLookup).toBeUndefined();
  });

  it('workflow_run of a push: its listed pull request is not reported on', () => {
    // A push to bump-deps lists the branch's open pull request #42, at the same commit.
    const ctx = resolveRunContext(runnerEnv(), loadEvent('runner/workflow_run.push'));
    expect(ctx.workflowRun).toMatchObject({ event: 'push', headSha: SCANNED });
    expect(ctx.pullRequest).toBeUndefined();
    expect(ctx.pullRequestLookup).toBe('none');
    expect(ctx.sarifTarget).toEqual({ commitSha: SCANNED, ref: 'refs/heads/bump-deps' });
  });

  it('survives an empty environment and a junk payload', () => {
    const ctx = resolveRunContext({}, 'not an event');
    expect(ctx).toMatchObject({ owner: '', repo: '', apiUrl: 'https://api.github.com' });
    expect(ctx.sarifTarget).toBeUndefined();
    expect(ctx.runUrl).toBeUndefined();
  });
});

describe('findWorkflowRunPullRequest', () => {
  const pulls = [
    {
      number: 42,
      state: 'open' as const,
      head: { sha: SCANNED, ref: 'bump-deps', repoFullName: 'octo-org/octo-repo' },
      base: { ref: 'main', repoFullName: 'octo-org/octo-repo' },
    },
  ];

  it.each([
    ['the scanned commit is still the head', SCANNED, 42],
    ['the head moved on', 'b7e3f1c2d4a5968778695a4b3c2d1e0f9a8b7c6d', undefined],
  ])('stale payload, %s: searched by owner:branch and sha', async (_label, headSha, number) => {
    const server = await startGitHubApiServer();
    try {
      server.state.pulls.push({ ...pulls[0]!, head: { ...pulls[0]!.head, sha: headSha } });
      const { client } = makeTestClient(server);
      const ctx = resolveRunContext(runnerEnv(), loadEvent('runner/workflow_run.same-repo-stale'));
      const found = await findWorkflowRunPullRequest(client, ctx);
      expect(server.invalidRequests).toEqual([]);
      expect(found.pullRequest?.number).toBe(number);
      expect(found.pullRequestLookup).toBe(number === undefined ? 'none' : 'found');
      expect(found.sarifTarget).toEqual(
        number === undefined ? undefined : { commitSha: SCANNED, ref: 'refs/pull/42/head' },
      );
    } finally {
      await server.close();
    }
  });

  it('does not search for the pull request of a push-triggered run', async () => {
    const server = await startGitHubApiServer();
    try {
      server.state.pulls.push(...pulls);
      const { client } = makeTestClient(server);
      const ctx = resolveRunContext(runnerEnv(), loadEvent('runner/workflow_run.push'));
      const found = await findWorkflowRunPullRequest(client, {
        ...ctx,
        pullRequestLookup: undefined,
      });
      expect(found.pullRequest).toBeUndefined();
      expect(found.pullRequestLookup).toBe('none');
      expect(server.state.requests).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
