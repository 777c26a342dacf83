import { readFileSync } from 'node:fs';
import type { Log } from 'sarif';
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

/** A SARIF as the pipeline hands it over: the written text and its log. */
function written(log: Log): { text: string; log: Log } {
  return { text: JSON.stringify(log), log };
}

function input(overrides: Partial<PublishInput> = {}): PublishInput {
  return {
    token: 'ghs_test',
    verdict: 'fail',
    sarifCategory: 'security-gate',
    uploadSarif: true,
    sarif: written({
      version: '2.1.0',
      runs: [{ tool: { driver: { name: 'Trivy' } }, results: [] }],
    }),
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
    // The runner shows 10 per level: the verdict's error and these 3 warnings come off.
    expect(logger.lines.filter((l) => l.startsWith('error: finding'))).toEqual(
      Array.from({ length: 9 }, (_, i) => `error: finding ${i}`),
    );
    expect(logger.lines.filter((l) => l.startsWith('warning: finding'))).toEqual(
      Array.from({ length: 7 }, (_, i) => `warning: finding ${i + 12}`),
    );
    expect(logger.annotationCounts?.()).toEqual({ error: 9, warning: 10, notice: 0 });
    expect(logger.lines.some((l) => l.startsWith('info: 14 more annotations not shown'))).toBe(
      true,
    );
  });

  it('counts what the step already wrote against the fallback', async () => {
    const { logger, client } = await setup({ readOnly: true });
    for (let i = 0; i < 4; i++) logger.error(`scanner ${i} failed`);
    for (let i = 0; i < 6; i++) logger.warning(`earlier warning ${i}`);
    await publishToGitHub(
      { client, ctx: prContext(), logger },
      input({ uploadSarif: false, comment: 'never', verdict: 'error' }),
    );
    // 10 − 4 earlier − 1 verdict errors; 10 − 6 earlier − 1 channel warning.
    expect(logger.lines.filter((l) => l.startsWith('error: finding'))).toHaveLength(5);
    expect(logger.lines.filter((l) => l.startsWith('warning: finding'))).toHaveLength(3);
  });

  it('an annotation update that fails after the create: one warning, URL kept, no fallback', async () => {
    const { server, logger, client } = await setup();
    server.faults.add({
      route: 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
      type: 'server-error',
      times: 10,
    });
    const many = Array.from({ length: 120 }, (_, i) => ({ ...annotations[0], message: `m ${i}` }));
    const result = await publishToGitHub(
      { client, ctx: prContext(), logger },
      input({ uploadSarif: false, comment: 'never', annotations: many as CheckAnnotation[] }),
    );
    const [run] = server.state.checkRuns;
    expect(result.checkRunUrl).toBe(`https://github.com/octo/app/runs/${run?.id}`);
    expect(run).toMatchObject({ conclusion: 'failure', status: 'completed' });
    expect(result.warnings).toEqual([
      'Check run created, but 70 annotations not attached: HTTP 500 (Server Error - https://docs.github.com/rest).',
    ]);
    expect(logger.lines.filter((l) => l.startsWith('error: m '))).toEqual([]);
    expect(logger.lines.join('\n')).not.toContain('Check run not created');
  });

  it('a SARIF without runs is not uploaded, and the log says why', async () => {
    const { server, logger, client } = await setup();
    const result = await publishToGitHub(
      { client, ctx: prContext(), logger },
      input({ sarif: written({ version: '2.1.0', runs: [] }), comment: 'never' }),
    );
    expect(result.warnings).toEqual([]);
    expect(result.sarifId).toBeUndefined();
    expect(server.state.sarifs).toHaveLength(0);
    expect(logger.lines).toContain(
      "info: SARIF upload skipped: the SARIF has no runs (no scanner succeeded and no report was imported). A failed scanner's run is never uploaded: an empty run would close that tool's open alerts.",
    );
  });

  it.each([
    {
      name: 'a fork pull request',
      patch: (ctx: RunContext): RunContext => ({
        ...ctx,
        pullRequest: ctx.pullRequest && {
          ...ctx.pullRequest,
          headRepoFullName: 'forker/app',
          isFork: true,
        },
      }),
      cause: 'This pull request comes from a fork',
    },
    {
      name: 'a Dependabot run',
      patch: (ctx: RunContext): RunContext => ({ ...ctx, actor: 'dependabot[bot]' }),
      cause: 'This run was triggered by Dependabot',
    },
  ])(
    '$name with a read-only token: each channel names the permission and the cause',
    async ({ patch, cause }) => {
      const { logger, client } = await setup({ readOnly: true });
      const result = await publishToGitHub({ client, ctx: patch(prContext()), logger }, input());
      expect(result.warnings).toHaveLength(3);
      const permissions = ['security-events: write', 'pull-requests: write', 'checks: write'];
      result.warnings.forEach((warning, i) => {
        expect(warning).toContain(`Grant 'permissions: ${permissions[i]}'`);
        expect(warning).toContain(cause);
      });
      expect(result.warnings[0]).toMatch(/^SARIF upload failed: HTTP 403/);
    },
  );

  it('names no fork or Dependabot cause on a same-repository pull request', async () => {
    const { logger, client } = await setup({ readOnly: true });
    const result = await publishToGitHub({ client, ctx: prContext(), logger }, input());
    for (const warning of result.warnings) {
      expect(warning).not.toContain('comes from a fork');
      expect(warning).not.toContain('triggered by Dependabot');
    }
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
