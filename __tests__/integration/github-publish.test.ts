import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/github/client.js';
import { resolveRunContext, type RunContext } from '../../src/github/context.js';
import { publishToGitHub, type PublishInput } from '../../src/github/publish.js';
import type { CheckAnnotation } from '../../src/report/annotations.js';
import { createMemoryLogger } from '../../src/util/logger.js';
import {
  startGitHubApiServer,
  type GitHubApiServer,
  type GitHubApiServerOptions,
} from '../helpers/github-api-server.js';

let server: GitHubApiServer | undefined;
afterEach(async () => {
  expect(server?.invalidRequests ?? []).toEqual([]);
  await server?.close();
  server = undefined;
});

function loadEvent(name: string): unknown {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/events/${name}.json`, import.meta.url), 'utf8'),
  );
}

function prContext(event = 'pull_request', fixture = 'pull_request'): RunContext {
  const env = {
    GITHUB_REPOSITORY: 'octo/app',
    GITHUB_EVENT_NAME: event,
    GITHUB_RUN_ID: '42',
    GITHUB_SHA: 'f'.repeat(40),
    GITHUB_REF: 'refs/pull/7/merge',
    GITHUB_API_URL: server?.url,
  };
  return resolveRunContext(env, loadEvent(fixture));
}

const annotations: CheckAnnotation[] = Array.from({ length: 30 }, (_, i) => ({
  path: 'package-lock.json',
  startLine: i + 1,
  endLine: i + 1,
  level: i < 12 ? 'failure' : 'warning',
  title: `CRITICAL CVE-${i}`,
  message: `finding ${i}`,
}));

function input(overrides: Partial<PublishInput> = {}): PublishInput {
  return {
    token: 'ghs_test',
    verdict: 'fail',
    sarifCategory: 'security-gate',
    uploadSarif: true,
    sarifText: JSON.stringify({ version: '2.1.0', runs: [] }),
    comment: 'always',
    commentBody: '## Security Gate: fail',
    checkRun: true,
    checkName: 'Security Gate',
    checkTitle: 'fail',
    checkSummary: 'summary',
    annotations,
    uploadPollIntervalMs: 10,
    uploadPollTimeoutMs: 2_000,
    ...overrides,
  };
}

async function setup(options: GitHubApiServerOptions = {}) {
  server = await startGitHubApiServer(options);
  const logger = createMemoryLogger();
  const client = createGitHubClient({
    token: 'ghs_test',
    baseUrl: server.url,
    logger,
    retryBaseMs: 5,
    writeSpacingMs: 0,
  });
  return { server, logger, client };
}

describe('publishToGitHub', () => {
  it('uploads, comments and creates the check run with the minimum of calls', async () => {
    const { server, logger, client } = await setup();
    const result = await publishToGitHub({ client, ctx: prContext(), logger }, input());
    expect(result.warnings).toEqual([]);
    expect(result.sarifId).toBe(server.state.sarifs[0]?.id);
    expect(result.commentUrl).toContain('#issuecomment-');
    expect(result.checkRunUrl).toContain('/runs/');
    expect(server.state.checkRuns[0]).toMatchObject({
      headSha: '1'.repeat(40),
      conclusion: 'failure',
    });
    const operations = server.state.requests.map(
      (r) => `${r.method} ${r.operation?.split(' ')[1]}`,
    );
    expect(operations).toEqual([
      'POST /repos/{owner}/{repo}/code-scanning/sarifs',
      'GET /repos/{owner}/{repo}/code-scanning/sarifs/{sarif_id}',
      'GET /repos/{owner}/{repo}/code-scanning/sarifs/{sarif_id}',
      'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      'POST /repos/{owner}/{repo}/check-runs',
    ]);
  });

  it('a later passing run under on-failure updates the old comment and creates none', async () => {
    const { server, logger, client } = await setup();
    const ctx = prContext();
    await publishToGitHub(
      { client, ctx, logger },
      input({ comment: 'on-failure', uploadSarif: false, checkRun: false }),
    );
    await publishToGitHub(
      { client, ctx, logger },
      input({
        comment: 'on-failure',
        verdict: 'pass',
        commentBody: 'now passing',
        uploadSarif: false,
        checkRun: false,
      }),
    );
    expect(server.state.comments).toHaveLength(1);
    expect(server.state.comments[0]?.body).toContain('now passing');
  });

  it('read-only token: one warning per channel and fallback annotations, never a throw', async () => {
    const { logger, client } = await setup({ readOnly: true });
    const result = await publishToGitHub({ client, ctx: prContext(), logger }, input());
    expect(result.warnings).toHaveLength(3);
    expect(result.warnings[0]).toContain('security-events: write');
    expect(result.warnings[1]).toContain('pull-requests: write');
    expect(result.warnings[2]).toContain('checks: write');
    expect(logger.lines.filter((l) => l.startsWith('error: finding'))).toHaveLength(10);
    expect(logger.lines.filter((l) => l.startsWith('warning: finding'))).toHaveLength(10);
    expect(logger.lines.some((l) => l.startsWith('info: 10 more annotations not shown'))).toBe(
      true,
    );
  });

  it('no token: everything skipped with one notice', async () => {
    const logger = createMemoryLogger();
    const result = await publishToGitHub(
      { ctx: resolveRunContext({ GITHUB_REPOSITORY: 'octo/app' }, {}), logger },
      input(),
    );
    expect(result).toEqual({ warnings: [] });
    expect(logger.lines).toEqual([
      "notice: Skipping SARIF upload, PR comment, check run: no 'github-token'.",
    ]);
  });

  it('push: uploads only', async () => {
    const { server, logger, client } = await setup();
    const ctx = resolveRunContext(
      {
        GITHUB_REPOSITORY: 'octo/app',
        GITHUB_EVENT_NAME: 'push',
        GITHUB_SHA: '3'.repeat(40),
        GITHUB_REF: 'refs/heads/main',
      },
      loadEvent('push'),
    );
    const result = await publishToGitHub({ client, ctx, logger }, input());
    expect(result.warnings).toEqual([]);
    expect(server.state.sarifs[0]).toMatchObject({
      ref: 'refs/heads/main',
      commitSha: '3'.repeat(40),
    });
    expect(server.state.comments).toHaveLength(0);
    expect(server.state.checkRuns).toHaveLength(0);
  });

  it('workflow_run from a fork: finds the PR by head and reports on its head commit', async () => {
    const { server, logger, client } = await setup();
    server.state.pulls.push({
      number: 11,
      state: 'open',
      head: { sha: '5'.repeat(40), ref: 'main', repoFullName: 'forker/app' },
      base: { ref: 'main', repoFullName: 'octo/app' },
    });
    const ctx = prContext('workflow_run', 'workflow_run-fork');
    const result = await publishToGitHub({ client, ctx, logger }, input({ uploadSarif: false }));
    expect(result.warnings).toEqual([]);
    expect(server.state.comments[0]?.issueNumber).toBe(11);
    expect(server.state.checkRuns[0]?.headSha).toBe('5'.repeat(40));
    expect(server.state.checkRuns[0]?.summary).toContain('tamper-proof');
  });

  it('transient faults are retried; a rate limit is waited out', async () => {
    const { server, logger, client } = await setup();
    server.faults.add({
      route: 'POST /repos/{owner}/{repo}/code-scanning/sarifs',
      type: 'bad-gateway',
      times: 2,
    });
    server.faults.add({
      route: 'POST /repos/{owner}/{repo}/check-runs',
      type: 'secondary-rate-limit',
      retryAfterSeconds: 1,
    });
    const result = await publishToGitHub({ client, ctx: prContext(), logger }, input());
    expect(result.warnings).toEqual([]);
    expect(server.state.checkRuns).toHaveLength(1);
    expect(server.faults.pending()).toEqual([]);
  });
});
