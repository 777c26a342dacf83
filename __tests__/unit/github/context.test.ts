import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveRunContext, withPullRequest } from '../../../src/github/context.js';

function loadEvent(name: string): unknown {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/events/${name}.json`, import.meta.url), 'utf8'),
  );
}

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

  it('survives an empty environment and a junk payload', () => {
    const ctx = resolveRunContext({}, 'not an event');
    expect(ctx).toMatchObject({ owner: '', repo: '', apiUrl: 'https://api.github.com' });
    expect(ctx.sarifTarget).toBeUndefined();
    expect(ctx.runUrl).toBeUndefined();
  });
});
