/**
 * The bundled action against a GitHub API stand-in that misbehaves: 5xx,
 * read-only tokens, code scanning missing, rate limits, an API that is gone.
 * The channels are best effort: whatever the API does, the verdict, the exit
 * code and the outputs are the gate's.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startGitHubApiServer,
  type GitHubApiServer,
  type GitHubApiServerOptions,
} from '../helpers/github-api-server.js';
import { readTestTiming } from '../../src/github/client.js';
import { ROOT, runAction, runnerEnvForEvent, type ActionRun } from '../helpers/run-action.js';
import { makeTempDir } from '../helpers/temp-dirs.js';

/** 160 image findings (12 CRITICAL, 24 HIGH, 20 MEDIUM, 104 LOW), all at Dockerfile line 1. */
const REPORT = 'v0.20.0-image-debian-stretch-large.json';
const IMAGE = 'testdata/fixtures/images/debian-stretch.tar.gz';
const UPLOAD = 'POST /repos/{owner}/{repo}/code-scanning/sarifs';
const CHECK_RUN = 'POST /repos/{owner}/{repo}/check-runs';
const SARIF_STATUS = 'GET /repos/{owner}/{repo}/code-scanning/sarifs/{sarif_id}';

let server: GitHubApiServer | undefined;
afterEach(async () => {
  expect(server?.invalidRequests ?? []).toEqual([]);
  await server?.close();
  server = undefined;
});

const event = JSON.parse(
  readFileSync(
    path.join(ROOT, '__tests__/fixtures/events/runner/pull_request.synchronize.json'),
    'utf8',
  ),
) as unknown;

/** The shortened client waits (see LOOPBACK_TEST_TIMING_ENV). */
const TEST_TIMING = { SECURITY_GATE_LOOPBACK_TEST_TIMING: 'true' };

async function start(options: GitHubApiServerOptions = {}): Promise<GitHubApiServer> {
  server = await startGitHubApiServer(options);
  return server;
}

interface GateRunOptions {
  /** The event payload (default: a same-repository pull_request). */
  event?: unknown;
  env?: Record<string, string>;
}

async function runGate(
  apiUrl: string,
  inputs: Record<string, string> = {},
  options: GateRunOptions = {},
): Promise<ActionRun> {
  const payload = options.event ?? event;
  const workspace = makeTempDir('sg-faults-ws-');
  copyFileSync(
    path.join(ROOT, '__tests__/fixtures/shared/trivy', REPORT),
    path.join(workspace, REPORT),
  );
  writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM debian:stretch\n');
  return runAction({
    workspace,
    eventName: 'pull_request',
    event: payload,
    inputs: {
      'github-token': 'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
      scanners: '',
      reports: REPORT,
      'scan-type': 'image',
      'scan-ref': IMAGE,
      'high-threshold': '30',
      ...inputs,
    },
    env: {
      ...runnerEnvForEvent('pull_request', payload),
      GITHUB_API_URL: apiUrl,
      ...TEST_TIMING,
      ...options.env,
    },
  });
}

/** The same pull request, opened from a fork (`head.repo` is another repository). */
function forkEvent(): unknown {
  const copy = structuredClone(event) as {
    pull_request: {
      head: { repo: { full_name: string; fork: boolean; owner: { login: string } } };
    };
  };
  copy.pull_request.head.repo.full_name = 'forker/octo-repo';
  copy.pull_request.head.repo.fork = true;
  copy.pull_request.head.repo.owner.login = 'forker';
  return copy;
}

function commands(result: ActionRun, name: 'warning' | 'error' | 'notice'): string[] {
  return result.stdout.split('\n').filter((l) => l.startsWith(`::${name}`));
}

/** Warnings without file properties: the channels' own, not fallback annotations. */
function channelWarnings(result: ActionRun): string[] {
  return commands(result, 'warning').filter((l) => l.startsWith('::warning::'));
}

/** The gate's own result, which no API fault may change. */
function expectGateResult(result: ActionRun): void {
  expect(result.exitCode).toBe(1);
  expect(result.outputs).toMatchObject({ verdict: 'fail', critical: '12', high: '24' });
  expect(commands(result, 'error').at(-1)).toMatch(/^::error::Security Gate fail:%0A12 CRITICAL/);
}

describe('the bundled action under API faults', () => {
  it('retries a 502 twice and then succeeds', async () => {
    const api = await start();
    api.faults.add({ route: UPLOAD, type: 'bad-gateway', times: 2 });
    const result = await runGate(api.url);
    expectGateResult(result);
    expect(commands(result, 'warning')).toEqual([]);
    expect(api.state.requests.filter((r) => r.operation === UPLOAD).map((r) => r.status)).toEqual([
      502, 502, 202,
    ]);
    expect(api.state.sarifs).toHaveLength(1);
    expect(result.outputs['sarif-id']).toBe(api.state.sarifs[0]?.id);
    expect(api.faults.pending()).toEqual([]);
  }, 60_000);

  it('read-only token: one warning per channel, annotations through workflow commands', async () => {
    const api = await start({ readOnly: true });
    const result = await runGate(api.url);
    expectGateResult(result);
    const warnings = channelWarnings(result);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(
      /^::warning::SARIF upload failed: HTTP 403 .*security-events: write/,
    );
    expect(warnings[1]).toMatch(
      /^::warning::PR comment not posted: HTTP 403 .*pull-requests: write/,
    );
    expect(warnings[2]).toMatch(/^::warning::Check run not created.*HTTP 403 .*checks: write/);
    // The runner shows 10 per level and step: the fallback leaves room for the
    // 3 channel warnings and the verdict's error, most severe first.
    const located = (name: 'warning' | 'error' | 'notice') =>
      commands(result, name).filter((l) => l.includes('file=Dockerfile,line=1'));
    expect(located('error')).toHaveLength(9);
    expect(located('warning')).toHaveLength(7);
    expect(located('notice')).toHaveLength(10);
    expect(commands(result, 'error')).toHaveLength(10);
    expect(commands(result, 'warning')).toHaveLength(10);
    expect(commands(result, 'notice').length).toBeLessThanOrEqual(10);
    expect(located('error').every((l) => l.includes('title=CRITICAL '))).toBe(true);
    expect(located('warning').every((l) => l.includes('title=HIGH '))).toBe(true);
    expect(located('notice').every((l) => l.includes('title=MEDIUM '))).toBe(true);
    expect(result.stdout).toContain(
      "134 more annotations not shown (the runner shows 10 per level; the step's own messages and verdict use some of them, leaving 9 errors, 7 warnings and 10 notices)",
    );
    expect(result.outputs['comment-url']).toBeUndefined();
    expect(result.outputs['check-run-url']).toBeUndefined();
    expect(result.outputs['sarif-id']).toBeUndefined();
  }, 60_000);

  it.each([
    { type: 'not-found' as const, status: 404 },
    { type: 'advanced-security-disabled' as const, status: 403 },
  ])(
    'code scanning $status: a warning naming the permission and code scanning',
    async ({ type, status }) => {
      const api = await start();
      api.faults.add({ route: UPLOAD, type });
      const result = await runGate(api.url);
      expectGateResult(result);
      const warnings = channelWarnings(result);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`SARIF upload failed: HTTP ${status}`);
      expect(warnings[0]).toContain("'permissions: security-events: write'");
      expect(warnings[0]).toContain('code scanning is enabled');
      // 4xx is not retried; the SARIF file is still written; the other channels still work.
      expect(api.state.requests.filter((r) => r.operation === UPLOAD)).toHaveLength(1);
      expect(result.outputs['sarif-file']).toBe('security-gate.sarif');
      expect(api.state.comments).toHaveLength(1);
      expect(api.state.checkRuns).toHaveLength(1);
    },
    60_000,
  );

  it('waits out a secondary rate limit (retry-after 1) and succeeds', async () => {
    const api = await start();
    api.faults.add({ route: CHECK_RUN, type: 'secondary-rate-limit', retryAfterSeconds: 1 });
    const result = await runGate(api.url);
    expectGateResult(result);
    expect(commands(result, 'warning')).toEqual([]);
    expect(
      api.state.requests.filter((r) => r.operation === CHECK_RUN).map((r) => r.status),
    ).toEqual([403, 201]);
    expect(api.state.checkRuns).toHaveLength(1);
    expect(api.state.checkRuns[0]?.annotations).toHaveLength(160);
    expect(result.stdout).toContain('retrying in 1s');
  }, 60_000);

  it.each([403, 429])(
    'waits out a %i that carries only retry-after and succeeds',
    async (status) => {
      const api = await start();
      api.faults.add({ route: UPLOAD, type: 'retry-after-only', status, retryAfterSeconds: 1 });
      const result = await runGate(api.url);
      expectGateResult(result);
      expect(commands(result, 'warning')).toEqual([]);
      expect(api.state.requests.filter((r) => r.operation === UPLOAD).map((r) => r.status)).toEqual(
        [status, 202],
      );
      expect(result.outputs['sarif-id']).toBe(api.state.sarifs[0]?.id);
    },
    60_000,
  );

  it('a 413 upload is sent once, warns, and the other channels still work', async () => {
    const api = await start();
    api.faults.add({ route: UPLOAD, type: 'http-status', status: 413, times: 5 });
    const result = await runGate(api.url);
    expectGateResult(result);
    expect(api.state.requests.filter((r) => r.operation === UPLOAD)).toHaveLength(1);
    expect(channelWarnings(result)).toEqual([
      "::warning::SARIF upload failed: HTTP 413 (Payload Too Large - https://docs.github.com/rest): the payload is over GitHub's size limit.",
    ]);
    expect(api.state.comments).toHaveLength(1);
    expect(api.state.checkRuns).toHaveLength(1);
  }, 60_000);

  it('a status request slower than the whole poll ends at its deadline, not when it answers', async () => {
    const api = await start();
    const pollSeconds =
      (readTestTiming(TEST_TIMING, api.url).timing?.uploadPollTimeoutMs ?? 0) / 1000;
    // Shorter than the client's 30 s per-attempt timeout: only the poll's deadline can end it early.
    api.faults.add({ route: SARIF_STATUS, type: 'slow', delayMs: 25_000 });
    const started = Date.now();
    const result = await runGate(api.url);
    expect(Date.now() - started).toBeLessThan(20_000);
    expectGateResult(result);
    expect(commands(result, 'warning')).toEqual([]);
    expect(result.stdout).toContain(
      `SARIF ${api.state.sarifs[0]?.id} is still being processed after ${pollSeconds}s; not waiting longer.`,
    );
    expect(result.outputs['sarif-id']).toBe(api.state.sarifs[0]?.id);
    expect(api.state.comments).toHaveLength(1);
    expect(api.state.checkRuns).toHaveLength(1);
  }, 60_000);

  it('an annotation update that fails keeps the check run and its URL, without fallback', async () => {
    const api = await start();
    api.faults.add({
      route: 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
      type: 'unprocessable',
      after: 1,
    });
    const result = await runGate(api.url);
    expectGateResult(result);
    const [run] = api.state.checkRuns;
    expect(run).toMatchObject({ conclusion: 'failure', status: 'completed' });
    expect(run?.annotations).toHaveLength(100);
    expect(result.outputs['check-run-url']).toBe(
      `https://github.com/octo-org/octo-repo/runs/${run?.id}`,
    );
    expect(channelWarnings(result)).toEqual([
      '::warning::Check run created, but 60 annotations not attached: HTTP 422 (Validation Failed - https://docs.github.com/rest).',
    ]);
    // No workflow-command annotations: the check run carries them.
    expect(commands(result, 'error').filter((l) => l.includes('file='))).toEqual([]);
  }, 60_000);

  it('an API that fails every request never crashes the step', async () => {
    const api = await start();
    api.faults.add({ route: '*', type: 'server-error', times: 1000 });
    const result = await runGate(api.url);
    expectGateResult(result);
    const warnings = channelWarnings(result);
    expect(warnings).toHaveLength(3);
    expect(warnings.every((w) => w.includes('HTTP 500'))).toBe(true);
    expect(result.stderr).not.toMatch(/Unhandled|TypeError|at .*dist\/index\.js/);
  }, 60_000);

  it('an API that is gone (connection refused) never crashes the step', async () => {
    const api = await start();
    const url = api.url;
    await api.close();
    server = undefined;
    const result = await runGate(url);
    expectGateResult(result);
    expect(channelWarnings(result)).toHaveLength(3);
    expect(result.stderr).not.toMatch(/Unhandled|TypeError|at .*dist\/index\.js/);
  }, 60_000);
});

describe('read-only tokens: forks and Dependabot', () => {
  it.each([
    {
      name: 'a pull request from a fork',
      options: (): GateRunOptions => ({ event: forkEvent() }),
      cause:
        'This pull request comes from a fork, so its token is read-only whatever the workflow grants',
    },
    {
      name: 'a Dependabot pull request',
      options: (): GateRunOptions => ({ env: { GITHUB_ACTOR: 'dependabot[bot]' } }),
      cause:
        "This run was triggered by Dependabot, whose token is read-only unless the workflow's 'permissions:' grants more",
    },
  ])(
    '$name: one warning per channel naming the permission and the cause; the gate decides',
    async ({ options, cause }) => {
      const api = await start({ readOnly: true });
      const result = await runGate(api.url, {}, options());
      expectGateResult(result);
      const warnings = channelWarnings(result);
      expect(warnings).toHaveLength(3);
      const expected = [
        ['SARIF upload failed: HTTP 403', 'security-events: write'],
        ['PR comment not posted: HTTP 403', 'pull-requests: write'],
        [
          'Check run not created, annotations written to the log instead: HTTP 403',
          'checks: write',
        ],
      ];
      warnings.forEach((warning, i) => {
        const [prefix, permission] = expected[i] ?? [];
        expect(warning.startsWith(`::warning::${prefix}`)).toBe(true);
        expect(warning).toContain(`Grant 'permissions: ${permission}' to the job`);
        expect(warning).toContain(cause);
      });
      expect(result.outputs['comment-url']).toBeUndefined();
      expect(result.outputs['check-run-url']).toBeUndefined();
      expect(result.outputs['sarif-id']).toBeUndefined();
    },
    60_000,
  );

  it('a fork pull request the gate only warns about exits 0 despite the read-only warnings', async () => {
    const api = await start({ readOnly: true });
    const result = await runGate(
      api.url,
      { 'critical-threshold': '100', 'high-threshold': '100' },
      { event: forkEvent() },
    );
    // Below both thresholds the gate only warns: the step passes.
    expect(result.outputs.verdict).toBe('warn');
    expect(result.exitCode).toBe(0);
    // The verdict's own warning is the 10th: the fallback left room for it.
    expect(commands(result, 'warning')).toHaveLength(10);
    expect(commands(result, 'warning').at(-1)).toMatch(
      /^::warning::Security Gate passed with warnings/,
    );
    expect(channelWarnings(result).filter((w) => w.includes('comes from a fork'))).toHaveLength(3);
  }, 60_000);
});

describe('the test timing switch', () => {
  it.each([
    ['http://127.0.0.1:4321', true],
    ['http://localhost:4321/api/v3', true],
    ['http://[::1]:4321', true],
    ['https://api.github.com', false],
    ['https://github.example.com/api/v3', false],
    ['http://127.0.0.1.attacker.example', false],
  ])('is honoured for %s: %s', (apiUrl, honoured) => {
    const env = { SECURITY_GATE_LOOPBACK_TEST_TIMING: 'true' };
    expect(readTestTiming(env, apiUrl).timing !== undefined).toBe(honoured);
    expect(readTestTiming(env, apiUrl).ignored).toBe(!honoured);
    expect(readTestTiming({}, apiUrl)).toEqual({ ignored: false });
  });
});
