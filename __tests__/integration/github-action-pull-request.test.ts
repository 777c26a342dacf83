/**
 * The bundled action (dist/index.js) against the local GitHub API stand-in,
 * run the way the runner runs it for `pull_request`, `pull_request_target`
 * and `push`: where the comment, the check run and the SARIF upload go, and
 * what they carry. Reports are imported (scanners '') so no scanner runs.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  sarifLimitProblems,
  startGitHubApiServer,
  type GitHubApiServer,
} from '../helpers/github-api-server.js';
import { ROOT, runAction, runnerEnvForEvent, type ActionRun } from '../helpers/run-action.js';
import {
  validateSarifFilesWithMultitool,
  validateSarifSchema,
} from '../helpers/sarif-validators.js';
import { makeTempDir } from '../helpers/temp-dirs.js';

const SHARED = path.join(ROOT, '__tests__/fixtures/shared');
const EVENTS = path.join(ROOT, '__tests__/fixtures/events/runner');
/** 160 findings (12 CRITICAL, 24 HIGH, 20 MEDIUM, 104 LOW) of an image: all at Dockerfile line 1. */
const LARGE = 'trivy/v0.20.0-image-debian-stretch-large.json';
/** The image that report names (its ArtifactName): the scan-ref whose findings point at the Dockerfile. */
const LARGE_IMAGE = 'testdata/fixtures/images/debian-stretch.tar.gz';
const CLEAN = 'trivy/image-alpine-39-no-results.json';

let server: GitHubApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function loadEvent(name: string): unknown {
  return JSON.parse(readFileSync(path.join(EVENTS, `${name}.json`), 'utf8')) as unknown;
}

function workspaceWith(reports: string[]): string {
  const workspace = makeTempDir('sg-action-ws-');
  for (const report of reports)
    copyFileSync(path.join(SHARED, report), path.join(workspace, path.basename(report)));
  writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM debian:stretch\nRUN apt-get update\n');
  return workspace;
}

async function run(
  api: GitHubApiServer,
  options: { eventName: string; event: unknown; workspace: string; inputs: Record<string, string> },
): Promise<ActionRun> {
  return runAction({
    workspace: options.workspace,
    eventName: options.eventName,
    event: options.event,
    inputs: {
      'github-token': 'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
      scanners: '',
      ...options.inputs,
    },
    env: {
      ...runnerEnvForEvent(options.eventName, options.event),
      GITHUB_API_URL: api.url,
      SECURITY_GATE_LOOPBACK_TEST_TIMING: 'true',
    },
  });
}

/** `::warning::…` workflow commands the step wrote. */
function warnings(result: ActionRun): string[] {
  return result.stdout.split('\n').filter((l) => l.startsWith('::warning'));
}

describe('pull_request', () => {
  it('comments once, updates it, says it passes; check run on the head; SARIF on the merge ref', async () => {
    server = await startGitHubApiServer();
    const api = server;
    const event = loadEvent('pull_request.synchronize');
    const workspace = workspaceWith([LARGE, CLEAN]);
    const inputs = {
      reports: path.basename(LARGE),
      'scan-type': 'image',
      'scan-ref': LARGE_IMAGE,
      'high-threshold': '30',
      comment: 'on-failure',
    };

    const first = await run(api, { eventName: 'pull_request', event, workspace, inputs });
    expect(first.exitCode).toBe(1);
    expect(first.outputs.verdict).toBe('fail');
    expect(warnings(first).filter((w) => !w.includes('passed with warnings'))).toEqual([]);
    const firstSarif = readFileSync(path.join(workspace, 'security-gate.sarif'), 'utf8');
    expect(api.state.comments.map((c) => c.body.split('\n')[1])).toEqual([
      '## 🛡️ Security Gate: ❌ Failed',
    ]);
    const second = await run(api, { eventName: 'pull_request', event, workspace, inputs });
    expect(second.exitCode).toBe(1);
    expect(api.state.comments).toHaveLength(1);
    const third = await run(api, {
      eventName: 'pull_request',
      event,
      workspace,
      inputs: { ...inputs, reports: path.basename(CLEAN) },
    });
    expect(third.exitCode).toBe(0);
    expect(third.outputs.verdict).toBe('pass');

    // One comment, created by the first run, updated by the next two.
    const { state } = api;
    expect(state.comments).toHaveLength(1);
    const comment = state.comments[0];
    expect(comment?.issueNumber).toBe(42);
    expect(comment?.body.startsWith('<!-- security-gate:security-gate -->')).toBe(true);
    // Never left stale: the passing run rewrote it although on-failure creates none.
    expect(comment?.body.split('\n')[1]).toBe('## 🛡️ Security Gate: ✅ Passed');
    expect(comment?.body).not.toMatch(/CVE-/);
    expect(first.outputs['comment-url']).toContain('/pull/42#issuecomment-');
    expect(second.outputs['comment-url']).toBe(first.outputs['comment-url']);
    expect(third.outputs['comment-url']).toBe(first.outputs['comment-url']);
    const commentWrites = state.requests.filter(
      (r) => r.operation?.includes('comments') && r.method !== 'GET',
    );
    expect(commentWrites.map((r) => r.method)).toEqual(['POST', 'PATCH', 'PATCH']);

    // Check runs: on the PR head commit, never on GITHUB_SHA (the merge commit).
    const head = (event as { pull_request: { head: { sha: string } } }).pull_request.head.sha;
    expect(state.checkRuns.map((c) => [c.headSha, c.conclusion])).toEqual([
      [head, 'failure'],
      [head, 'failure'],
      [head, 'success'],
    ]);
    const failing = state.checkRuns[0];
    expect(failing?.annotations).toHaveLength(160);
    // 160 annotations: one create and three updates of at most 50 each.
    expect(failing?.requests).toBe(4);
    expect(first.outputs['check-run-url']).toBe(
      `https://github.com/octo-org/octo-repo/runs/${failing?.id}`,
    );
    const byLevel = countBy(
      failing?.annotations ?? [],
      (a) => `${a.title?.split(' ')[0]}:${a.annotation_level}`,
    );
    // Levels follow the gate: CRITICAL fails it, HIGH (24 < 30) warns, the rest only notices.
    expect(byLevel).toEqual({
      'CRITICAL:failure': 12,
      'HIGH:warning': 24,
      'MEDIUM:notice': 20,
      'LOW:notice': 104,
    });
    expect(new Set(failing?.annotations.map((a) => `${a.path}:${a.start_line}`))).toEqual(
      new Set(['Dockerfile:1']),
    );
    const annotationRequests = state.requests.filter((r) => r.operation?.includes('check-runs'));
    expect(annotationRequests.every((r) => r.status < 300)).toBe(true);

    // SARIF: the merge ref and GITHUB_SHA, decoded, valid, within GitHub's limits.
    const env = runnerEnvForEvent('pull_request', event);
    expect(state.sarifs).toHaveLength(3);
    for (const upload of state.sarifs) {
      expect(upload).toMatchObject({ ref: 'refs/pull/42/merge', commitSha: env.GITHUB_SHA });
      expect(upload.gzipBytes).toBeLessThan(10 * 1024 * 1024);
      expect(validateSarifSchema(upload.sarif)).toEqual([]);
      const runs = (upload.sarif as { runs: { results: unknown[] }[] }).runs;
      expect(runs.length).toBeLessThanOrEqual(20);
      for (const r of runs) expect(r.results.length).toBeLessThanOrEqual(25_000);
      // Rules, locations per result, tags per rule, name and description lengths too.
      expect(sarifLimitProblems(upload.sarif)).toEqual([]);
    }
    // The uploaded SARIF is the written file.
    expect(state.sarifs[0]?.sarif).toEqual(JSON.parse(firstSarif));
    expect(first.outputs['sarif-id']).toBe(state.sarifs[0]?.id);
    expect(third.outputs['sarif-id']).toBe(state.sarifs[2]?.id);
    const sarifFile = path.join(workspace, 'uploaded.sarif');
    writeFileSync(sarifFile, JSON.stringify(state.sarifs[0]?.sarif));
    const multitool = await validateSarifFilesWithMultitool([sarifFile]);
    expect(multitool.get(sarifFile)?.errors).toEqual([]);

    expect(api.invalidRequests).toEqual([]);
  }, 120_000);
});

describe('GitHub Enterprise Server', () => {
  it('talks to GITHUB_API_URL with its /api/v3 base path for every channel', async () => {
    server = await startGitHubApiServer({ basePath: '/api/v3' });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/);
    const event = loadEvent('pull_request.synchronize');
    const workspace = workspaceWith([LARGE]);
    const result = await run(server, {
      eventName: 'pull_request',
      event,
      workspace,
      inputs: { reports: path.basename(LARGE), 'scan-type': 'image', 'scan-ref': LARGE_IMAGE },
    });
    expect(result.exitCode).toBe(1);
    expect(warnings(result)).toEqual([]);
    expect(server.state.sarifs).toHaveLength(1);
    expect(server.state.comments).toHaveLength(1);
    expect(server.state.checkRuns[0]?.annotations).toHaveLength(160);
    expect(result.outputs['sarif-id']).toBe(server.state.sarifs[0]?.id);
    expect(result.outputs['comment-url']).toContain('#issuecomment-');
    expect(result.outputs['check-run-url']).toContain('/runs/');
    // Every request went under the base path (the stand-in refuses others) and was valid.
    expect(server.state.requests.every((r) => r.operation !== undefined)).toBe(true);
    expect(server.invalidRequests).toEqual([]);
  }, 60_000);
});

describe('pull_request_target', () => {
  it('uploads to the PR head commit and refs/pull/N/head; check run on the head', async () => {
    server = await startGitHubApiServer();
    const event = loadEvent('pull_request_target.opened-fork');
    const workspace = workspaceWith([LARGE]);
    const result = await run(server, {
      eventName: 'pull_request_target',
      event,
      workspace,
      inputs: { reports: path.basename(LARGE), 'scan-type': 'image' },
    });
    expect(result.exitCode).toBe(1);
    const head = (event as { pull_request: { head: { sha: string } } }).pull_request.head.sha;
    expect(server.state.sarifs.map((s) => [s.ref, s.commitSha])).toEqual([
      ['refs/pull/43/head', head],
    ]);
    expect(server.state.checkRuns.map((c) => c.headSha)).toEqual([head]);
    expect(server.state.comments.map((c) => c.issueNumber)).toEqual([43]);
    expect(result.outputs['sarif-id']).toBe(server.state.sarifs[0]?.id);
    expect(server.invalidRequests).toEqual([]);
  }, 60_000);
});

describe('push', () => {
  it.each([
    { report: LARGE, exitCode: 1, verdict: 'fail' },
    { report: CLEAN, exitCode: 0, verdict: 'pass' },
  ])(
    'uploads only; exit code $exitCode from the gate ($verdict)',
    async ({ report, exitCode, verdict }) => {
      server = await startGitHubApiServer();
      const event = loadEvent('push');
      const workspace = workspaceWith([report]);
      const result = await run(server, {
        eventName: 'push',
        event,
        workspace,
        // baseline none: saving the push's baseline record needs the runner's cache service.
        inputs: { reports: path.basename(report), 'scan-type': 'image', baseline: 'none' },
      });
      expect(result.exitCode).toBe(exitCode);
      expect(result.outputs.verdict).toBe(verdict);
      expect(server.state.sarifs.map((s) => [s.ref, s.commitSha])).toEqual([
        ['refs/heads/main', (event as { after: string }).after],
      ]);
      expect(server.state.comments).toEqual([]);
      expect(server.state.checkRuns).toEqual([]);
      expect(result.outputs['comment-url']).toBeUndefined();
      expect(result.outputs['check-run-url']).toBeUndefined();
      expect(result.outputs['sarif-id']).toBe(server.state.sarifs[0]?.id);
      // Only the upload and its status poll(s): no comment search, no check run.
      expect(new Set(server.state.requests.map((r) => r.operation))).toEqual(
        new Set([
          'POST /repos/{owner}/{repo}/code-scanning/sarifs',
          'GET /repos/{owner}/{repo}/code-scanning/sarifs/{sarif_id}',
        ]),
      );
      expect(server.invalidRequests).toEqual([]);
    },
    60_000,
  );
});

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}
