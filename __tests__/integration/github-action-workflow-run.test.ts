/**
 * The bundled action in the two multi-step patterns of SPEC section 11,
 * against the local GitHub API stand-in:
 *
 * - fork pull requests, safely: a `workflow_run` workflow imports the scan
 *   artifact through `reports` (scanners '') and reports on the pull request
 *   the payload names, or that the open pulls list finds for a fork;
 * - many images, one gate: one upload and one comment per `sarif-category`,
 *   then an aggregate run over the SARIF files that gates once.
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startGitHubApiServer, type GitHubApiServer } from '../helpers/github-api-server.js';
import { ROOT, runAction, runnerEnvForEvent, type ActionRun } from '../helpers/run-action.js';
import { validateSarifSchema } from '../helpers/sarif-validators.js';
import { makeTempDir } from '../helpers/temp-dirs.js';

const TRIVY = path.join(ROOT, '__tests__/fixtures/shared/trivy');
/** 1 CRITICAL (debian os package) and 1 HIGH (gem) of one image. */
const FLUENTD = 'image-fluentd-os-and-gems.json';
const FLUENTD_IMAGE = 'testdata/fixtures/images/fluentd-multiple-lockfiles.tar.gz';
/** 4 MEDIUM of another image. */
const ALPINE = 'image-alpine-310.json';
const ALPINE_IMAGE = 'testdata/fixtures/images/alpine-310.tar.gz';
const LIST_PULLS = 'GET /repos/{owner}/{repo}/pulls';

interface WorkflowRunEvent {
  workflow_run: { id: number; head_sha: string; head_branch: string };
}

let server: GitHubApiServer | undefined;
afterEach(async () => {
  expect(server?.invalidRequests ?? []).toEqual([]);
  await server?.close();
  server = undefined;
});

function loadEvent<T>(name: string): T {
  return JSON.parse(
    readFileSync(path.join(ROOT, '__tests__/fixtures/events/runner', `${name}.json`), 'utf8'),
  ) as T;
}

function workspaceWith(reports: string[]): string {
  const workspace = makeTempDir('sg-wr-ws-');
  for (const report of reports)
    copyFileSync(path.join(TRIVY, report), path.join(workspace, report));
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
      'scan-type': 'image',
      ...options.inputs,
    },
    env: {
      ...runnerEnvForEvent(options.eventName, options.event),
      GITHUB_API_URL: api.url,
      SECURITY_GATE_LOOPBACK_TEST_TIMING: 'true',
    },
  });
}

function channelWarnings(result: ActionRun): string[] {
  return result.stdout.split('\n').filter((l) => l.startsWith('::warning::'));
}

function openFork(api: GitHubApiServer, event: WorkflowRunEvent): void {
  api.state.pulls.push(
    // Another fork's pull request of a branch with the same name: not ours.
    {
      number: 40,
      state: 'open',
      head: { sha: '1'.repeat(40), ref: 'main', repoFullName: 'someone/octo-repo' },
      base: { ref: 'main', repoFullName: 'octo-org/octo-repo' },
    },
    {
      number: 43,
      state: 'open',
      head: { sha: event.workflow_run.head_sha, ref: 'main', repoFullName: 'forker/octo-repo' },
      base: { ref: 'main', repoFullName: 'octo-org/octo-repo' },
    },
  );
}

describe('workflow_run', () => {
  it('same repository: reports on the pull request the payload names', async () => {
    server = await startGitHubApiServer();
    const event = loadEvent<WorkflowRunEvent>('workflow_run.same-repo');
    const result = await run(server, {
      eventName: 'workflow_run',
      event,
      workspace: workspaceWith([FLUENTD]),
      inputs: { reports: FLUENTD, 'scan-ref': FLUENTD_IMAGE },
    });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.verdict).toBe('fail');
    expect(channelWarnings(result)).toEqual([]);
    const head = event.workflow_run.head_sha;
    expect(server.state.comments.map((c) => c.issueNumber)).toEqual([42]);
    expect(server.state.checkRuns.map((c) => [c.headSha, c.conclusion])).toEqual([
      [head, 'failure'],
    ]);
    // Invisible joiners the Markdown escaping may put into numbers do not change the text.
    expect(server.state.checkRuns[0]?.summary?.replace(/[\u200b\u2060]/g, '')).toContain(
      `pull request's own \`pull_request\` workflow run ([run ${event.workflow_run.id}]`,
    );
    expect(server.state.sarifs.map((s) => [s.ref, s.commitSha])).toEqual([
      ['refs/pull/42/head', head],
    ]);
    expect(validateSarifSchema(server.state.sarifs[0]?.sarif)).toEqual([]);
    // The payload named it: no search.
    expect(server.state.requests.filter((r) => r.operation === LIST_PULLS)).toEqual([]);
    expect(result.outputs['comment-url']).toContain('/pull/42#issuecomment-');
    expect(result.outputs['check-run-url']).toContain('/runs/');
    expect(result.outputs['sarif-id']).toBe(server.state.sarifs[0]?.id);
  }, 60_000);

  it('fork: finds the pull request by head owner:branch and sha, once', async () => {
    server = await startGitHubApiServer();
    const event = loadEvent<WorkflowRunEvent>('workflow_run.fork');
    openFork(server, event);
    const result = await run(server, {
      eventName: 'workflow_run',
      event,
      workspace: workspaceWith([FLUENTD]),
      inputs: { reports: FLUENTD, 'scan-ref': FLUENTD_IMAGE },
    });
    expect(result.exitCode).toBe(1);
    expect(channelWarnings(result)).toEqual([]);
    const head = event.workflow_run.head_sha;
    const lookups = server.state.requests.filter((r) => r.operation === LIST_PULLS);
    expect(lookups.map((r) => new URL(r.path, 'http://x').searchParams.get('head'))).toEqual([
      'forker:main',
    ]);
    expect(server.state.comments.map((c) => c.issueNumber)).toEqual([43]);
    expect(server.state.checkRuns.map((c) => c.headSha)).toEqual([head]);
    expect(server.state.sarifs.map((s) => [s.ref, s.commitSha])).toEqual([
      ['refs/pull/43/head', head],
    ]);
  }, 60_000);

  it('no pull request matches: one warning, everything else still reported', async () => {
    server = await startGitHubApiServer();
    const event = loadEvent<WorkflowRunEvent>('workflow_run.fork');
    server.state.pulls.push({
      number: 43,
      state: 'open',
      // The fork's branch moved on: the artifact is of an older commit.
      head: { sha: '9'.repeat(40), ref: 'main', repoFullName: 'forker/octo-repo' },
      base: { ref: 'main', repoFullName: 'octo-org/octo-repo' },
    });
    const workspace = workspaceWith([FLUENTD]);
    const result = await run(server, {
      eventName: 'workflow_run',
      event,
      workspace,
      inputs: { reports: FLUENTD, 'scan-ref': FLUENTD_IMAGE },
    });
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({ verdict: 'fail', critical: '1', high: '1' });
    const warnings = channelWarnings(result);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      `No open pull request has head forker:main at ${event.workflow_run.head_sha.slice(0, 12)}`,
    );
    expect(warnings[0]).toContain('PR comment, check run, SARIF upload skipped');
    expect(server.state.comments).toEqual([]);
    expect(server.state.checkRuns).toEqual([]);
    expect(server.state.sarifs).toEqual([]);
    expect(result.summary).toContain('Security Gate: ❌ Failed');
    expect(
      JSON.parse(readFileSync(path.join(workspace, 'security-gate.sarif'), 'utf8')),
    ).toHaveProperty('runs');
  }, 60_000);

  it('the payload names a pull request whose head moved on: not taken, one warning', async () => {
    server = await startGitHubApiServer();
    const event = loadEvent<WorkflowRunEvent>('workflow_run.same-repo-stale');
    const newer = 'b7e3f1c2d4a5968778695a4b3c2d1e0f9a8b7c6d';
    // A commit was pushed while the scan ran: the open pull request is at the newer one.
    server.state.pulls.push({
      number: 42,
      state: 'open',
      head: { sha: newer, ref: 'bump-deps', repoFullName: 'octo-org/octo-repo' },
      base: { ref: 'main', repoFullName: 'octo-org/octo-repo' },
    });
    const result = await run(server, {
      eventName: 'workflow_run',
      event,
      workspace: workspaceWith([FLUENTD]),
      inputs: { reports: FLUENTD, 'scan-ref': FLUENTD_IMAGE },
    });
    expect(result.outputs).toMatchObject({ verdict: 'fail', critical: '1', high: '1' });
    const lookups = server.state.requests.filter((r) => r.operation === LIST_PULLS);
    expect(lookups.map((r) => new URL(r.path, 'http://x').searchParams.get('head'))).toEqual([
      'octo-org:bump-deps',
    ]);
    const warnings = channelWarnings(result);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      `No open pull request has head octo-org:bump-deps at ${event.workflow_run.head_sha.slice(0, 12)}`,
    );
    // Neither the newer commit nor the branch gets the older scan's results.
    expect(server.state.checkRuns).toEqual([]);
    expect(server.state.comments).toEqual([]);
    expect(server.state.sarifs).toEqual([]);
  }, 60_000);

  it('a workflow_run of a push is not a pull request: SARIF on the branch, no comment', async () => {
    server = await startGitHubApiServer();
    const event = loadEvent<WorkflowRunEvent>('workflow_run.push');
    // The push's branch has an open pull request at that very commit (the payload lists it).
    server.state.pulls.push({
      number: 42,
      state: 'open',
      head: {
        sha: event.workflow_run.head_sha,
        ref: 'bump-deps',
        repoFullName: 'octo-org/octo-repo',
      },
      base: { ref: 'main', repoFullName: 'octo-org/octo-repo' },
    });
    const result = await run(server, {
      eventName: 'workflow_run',
      event,
      workspace: workspaceWith([FLUENTD]),
      inputs: { reports: FLUENTD, 'scan-ref': FLUENTD_IMAGE, 'gate-scope': 'new' },
    });
    expect(result.outputs).toMatchObject({ verdict: 'fail', total: '2', new: '2' });
    expect(channelWarnings(result)).toEqual([]);
    expect(server.state.requests.filter((r) => r.operation === LIST_PULLS)).toEqual([]);
    expect(server.state.comments).toEqual([]);
    expect(server.state.checkRuns).toEqual([]);
    expect(server.state.sarifs.map((s) => [s.ref, s.commitSha])).toEqual([
      ['refs/heads/bump-deps', event.workflow_run.head_sha],
    ]);
    // gate-scope new behaves like all, and says so; no alerts are read for it.
    expect(result.summary.replace(/\\(.)/g, '$1')).toContain(
      'gate-scope new applies to pull requests; on a workflow_run of push every finding counts.',
    );
    expect(server.state.requests.filter((r) => r.path.includes('/code-scanning/alerts'))).toEqual(
      [],
    );
  }, 60_000);

  it('gate-scope new: the baseline is the found pull request base branch', async () => {
    server = await startGitHubApiServer();
    const api = server;
    const event = loadEvent<WorkflowRunEvent>('workflow_run.fork');
    openFork(api, event);
    const workspace = workspaceWith([FLUENTD]);
    const inputs = { reports: FLUENTD, 'scan-ref': FLUENTD_IMAGE };
    const all = await run(api, { eventName: 'workflow_run', event, workspace, inputs });
    expect(all.outputs).toMatchObject({ verdict: 'fail', critical: '1', high: '1', new: '2' });
    // The base branch already has one of the two findings as an alert of our own upload:
    // its category and path are the ones our SARIF gave it.
    type SarifRun = {
      automationDetails?: { id?: string };
      results: {
        ruleId: string;
        message: { text: string };
        locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
      }[];
    };
    const uploaded = (api.state.sarifs[0]?.sarif as { runs: SarifRun[] }).runs;
    const results = uploaded.flatMap((r) => r.results);
    expect(results).toHaveLength(2);
    const category = uploaded[0]?.automationDetails?.id?.replace(/\/$/, '') ?? '';
    expect(category).toMatch(/^security-gate\/trivy\//);
    api.state.alerts['refs/heads/main'] = results.slice(0, 1).map((r, i) => ({
      number: i + 1,
      state: 'dismissed',
      dismissed_reason: 'used in tests',
      rule: { id: r.ruleId, severity: 'error', security_severity_level: 'critical' },
      tool: { name: 'Trivy', version: '0.72.0', guid: null },
      most_recent_instance: {
        ref: 'refs/heads/main',
        category,
        state: 'dismissed',
        message: { text: r.message.text },
        location: {
          path: r.locations[0]?.physicalLocation.artifactLocation.uri,
          start_line: 1,
        },
      },
    }));

    const scoped = await run(api, {
      eventName: 'workflow_run',
      event,
      workspace,
      inputs: { ...inputs, 'gate-scope': 'new' },
    });
    const alertReads = api.state.requests.filter((r) =>
      r.operation?.endsWith('/code-scanning/alerts'),
    );
    expect(
      alertReads.map((r) => {
        const query = new URL(r.path, 'http://x').searchParams;
        return `${query.get('state')} ${query.get('ref')}`;
      }),
    ).toEqual(['open refs/heads/main', 'dismissed refs/heads/main']);
    expect(scoped.outputs).toMatchObject({ total: '2', new: '1' });
    expect(scoped.summary).toContain(
      `1 open or dismissed code scanning alerts of main in category ${category}`,
    );
  }, 60_000);
});

describe('many images, one gate', () => {
  it('one upload and one comment per category, then one aggregate gate', async () => {
    server = await startGitHubApiServer();
    const api = server;
    const event = loadEvent('pull_request.synchronize');
    const workspace = workspaceWith([ALPINE, FLUENTD]);
    const scan = (report: string, image: string, category: string) =>
      run(api, {
        eventName: 'pull_request',
        event,
        workspace,
        inputs: {
          reports: report,
          'scan-ref': image,
          'sarif-category': category,
          'sarif-file': `${category}.sarif`,
          'report-file': `${category}.md`,
        },
      });
    const alpine = await scan(ALPINE, ALPINE_IMAGE, 'images-alpine');
    const fluentd = await scan(FLUENTD, FLUENTD_IMAGE, 'images-fluentd');
    expect([alpine.outputs.verdict, fluentd.outputs.verdict]).toEqual(['pass', 'fail']);

    const ids = api.state.sarifs.map((s) =>
      (s.sarif as { runs: { automationDetails?: { id?: string } }[] }).runs.map(
        (r) => r.automationDetails?.id,
      ),
    );
    // The category of an image scan ends with the image's slug.
    expect(ids).toEqual([
      ['images-alpine/trivy/testdata-fixtures-images-alpine-310.tar.gz/'],
      ['images-fluentd/trivy/testdata-fixtures-images-fluentd-multiple-lockfiles.tar.gz/'],
    ]);
    expect(api.state.comments.map((c) => c.body.split('\n')[0])).toEqual([
      '<!-- security-gate:images-alpine -->',
      '<!-- security-gate:images-fluentd -->',
    ]);

    const aggregate = await run(api, {
      eventName: 'pull_request',
      event,
      workspace,
      inputs: {
        reports: 'images-alpine.sarif\nimages-fluentd.sarif',
        'scan-type': 'fs',
        'upload-sarif': 'false',
        'sarif-category': 'images',
      },
    });
    expect(aggregate.exitCode).toBe(1);
    expect(aggregate.outputs).toMatchObject({ verdict: 'fail', critical: '1', high: '1' });
    expect(api.state.sarifs).toHaveLength(2);
    expect(aggregate.outputs['sarif-id']).toBeUndefined();
    expect(api.state.comments.map((c) => c.body.split('\n')[0])).toEqual([
      '<!-- security-gate:images-alpine -->',
      '<!-- security-gate:images-fluentd -->',
      '<!-- security-gate:images -->',
    ]);
    expect(api.state.checkRuns.map((c) => c.conclusion)).toEqual(['success', 'failure', 'failure']);
    // The aggregate SARIF keeps each image's own category.
    const written = JSON.parse(
      readFileSync(path.join(workspace, 'security-gate.sarif'), 'utf8'),
    ) as { runs: { automationDetails?: { id?: string } }[] };
    expect(written.runs.map((r) => r.automationDetails?.id).sort()).toEqual(ids.flat().sort());
  }, 60_000);

  it('the README matrix: two images under the default category keep their own alerts, records and one comment', async () => {
    server = await startGitHubApiServer();
    const api = server;
    const workspace = workspaceWith([]);
    // Each job's report names its own image (the real fixtures, re-targeted), tagged with the commit.
    const images = { api: 'ghcr.io/acme/api', worker: 'ghcr.io/acme/worker' };
    const retarget = (fixture: string, name: 'api' | 'worker', tag: string) => {
      const report = JSON.parse(readFileSync(path.join(TRIVY, fixture), 'utf8')) as object;
      writeFileSync(
        path.join(workspace, `${name}.json`),
        JSON.stringify({ ...report, ArtifactName: `${images[name]}:${tag}` }),
      );
    };
    const job = (eventName: string, event: unknown, name: 'api' | 'worker', tag: string) =>
      run(api, {
        eventName,
        event,
        workspace,
        inputs: {
          reports: `${name}.json`,
          'scan-ref': `${images[name]}:${tag}`,
          'sarif-file': `security-gate-${name}.sarif`,
          'critical-threshold': '0',
          'high-threshold': '0',
          comment: 'never',
          'check-run': 'false',
        },
      });
    const push = loadEvent<{ after: string }>('push');
    const pr = loadEvent<{ pull_request: { head: { sha: string } } }>('pull_request.synchronize');
    const pushRuns: ActionRun[] = [];
    for (const [name, fixture] of [
      ['api', ALPINE],
      ['worker', FLUENTD],
    ] as const) {
      retarget(fixture, name, push.after);
      pushRuns.push(await job('push', push, name, push.after));
    }
    const categories = () =>
      api.state.sarifs.map((s) =>
        (s.sarif as { runs: { automationDetails?: { id?: string } }[] }).runs.map(
          (r) => r.automationDetails?.id,
        ),
      );
    // Distinct categories, without the tag: the next commit's upload replaces these alerts.
    expect(categories()).toEqual([
      ['security-gate/trivy/ghcr.io-acme-api/'],
      ['security-gate/trivy/ghcr.io-acme-worker/'],
    ]);
    // One baseline record each, at a path of its own under the runner's temp directory.
    const records = pushRuns.map((r) => {
      const dir = path.join(r.runnerDir, 'security-gate-baseline');
      const [file = ''] = readdirSync(dir);
      const record = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
        category: string;
        fingerprints: string[];
      };
      return { file, ...record };
    });
    expect(records.map((r) => r.category)).toEqual([
      'security-gate/ghcr.io-acme-api',
      'security-gate/ghcr.io-acme-worker',
    ]);
    expect(new Set(records.map((r) => r.file)).size).toBe(2);
    expect(records.map((r) => r.fingerprints.length)).toEqual([4, 2]);
    expect(records[0]?.fingerprints.some((f) => records[1]?.fingerprints.includes(f))).toBe(false);

    // The pull request's jobs (another tag) upload under the same categories; the gate job comments once.
    const prTag = pr.pull_request.head.sha;
    for (const [name, fixture] of [
      ['api', ALPINE],
      ['worker', FLUENTD],
    ] as const) {
      retarget(fixture, name, prTag);
      await job('pull_request', pr, name, prTag);
    }
    expect(categories().slice(2)).toEqual(categories().slice(0, 2));
    const gate = () =>
      run(api, {
        eventName: 'pull_request',
        event: pr,
        workspace,
        inputs: {
          reports: 'security-gate-api.sarif\nsecurity-gate-worker.sarif',
          'scan-type': 'fs',
          'upload-sarif': 'false',
        },
      });
    const first = await gate();
    expect(first.outputs).toMatchObject({
      verdict: 'fail',
      critical: '1',
      medium: '4',
      total: '6',
    });
    await gate();
    expect(api.state.comments.map((c) => c.body.split('\n')[0])).toEqual([
      '<!-- security-gate:security-gate -->',
    ]);
    expect(api.state.sarifs).toHaveLength(4);
  }, 120_000);

  // Re-importing the action's own image SARIF must keep the two packages that
  // share a CVE (libcrypto1.1 and libssl1.1) apart, with their fixed versions.
  it('the aggregate keeps every package of every image', async () => {
    server = await startGitHubApiServer();
    const api = server;
    const event = loadEvent('push');
    const workspace = workspaceWith([ALPINE]);
    const common = { 'upload-sarif': 'false', baseline: 'none' };
    const scan = await run(api, {
      eventName: 'push',
      event,
      workspace,
      inputs: { ...common, reports: ALPINE, 'scan-ref': ALPINE_IMAGE, 'sarif-file': 'a.sarif' },
    });
    expect(scan.outputs).toMatchObject({ medium: '4', fixable: '4' });
    const aggregate = await run(api, {
      eventName: 'push',
      event,
      workspace,
      inputs: { ...common, reports: 'a.sarif', 'scan-type': 'fs' },
    });
    expect(aggregate.outputs).toMatchObject({ medium: '4', total: '4', fixable: '4' });
  }, 60_000);
});
