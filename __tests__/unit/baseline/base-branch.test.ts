/**
 * The action's base-branch step (src/action/base-branch.ts) across runs: a
 * push run saves the record, a later pull request run (another process,
 * another temp directory) restores it through a fake cache that, like
 * `@actions/cache`, only finds an entry restored to the paths it was saved
 * from. And the waiver review against the API stand-in's contents API.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createBaselineMarker,
  saveBaseline,
  waiversNeedingReview,
} from '../../../src/action/base-branch.js';
import type { RunSetup } from '../../../src/action/setup.js';
import type { RunContext } from '../../../src/github/context.js';
import type { LocationOptions } from '../../../src/report/location.js';
import { parseConfig, type RawInputs } from '../../../src/config/schema.js';
import type { PipelineResult } from '../../../src/pipeline.js';
import type { CacheStore } from '../../../src/install/db-cache.js';
import { createCommandRunner } from '../../../src/util/command.js';
import { createMemoryLogger } from '../../../src/util/logger.js';
import { loadWaivers } from '../../../src/waivers/load.js';
import { startGitHubApiServer, type GitHubApiServer } from '../../helpers/github-api-server.js';
import { makePrContext, makeTestClient } from '../github/support.js';
import { loadTrivyFindings } from './fixture-findings.js';

const WAIVERS_WORKSPACE = path.resolve(__dirname, '../../fixtures/waivers/workspace');
const API = 'ghcr.io/acme/api:1.4.2';
const WORKER = 'ghcr.io/acme/worker:1.4.2';

/** `@actions/cache` in memory: the entry's version is its paths, as getCacheVersion hashes them. */
function createPathCheckingCache() {
  const entries: { key: string; paths: string[]; content: string }[] = [];
  const files = new Map<string, string>();
  const misses: string[] = [];
  const cache: CacheStore = {
    async restore(paths, primaryKey, restoreKeys) {
      const matches = entries.filter(
        (e) => e.key === primaryKey || restoreKeys.some((prefix) => e.key.startsWith(prefix)),
      );
      const hit = matches.reverse().find((e) => e.paths.join('|') === paths.join('|'));
      if (!hit) {
        if (matches.length > 0) misses.push(`${matches[0]?.paths.join('|')} ≠ ${paths.join('|')}`);
        return undefined;
      }
      files.set(paths[0] ?? '', hit.content);
      return hit.key;
    },
    async save(paths, key) {
      if (entries.some((e) => e.key === key)) throw new Error(`Unable to reserve cache ${key}`);
      entries.push({ key, paths: [...paths], content: files.get(paths[0] ?? '') ?? '' });
    },
  };
  return { cache, entries, misses, files };
}

const temps: string[] = [];
const SHA = '6dcb09b5b57875f334f61aebed695e2e4193db5e';
const savedEnv = {
  RUNNER_TEMP: process.env.RUNNER_TEMP,
  GITHUB_REF: process.env.GITHUB_REF,
  GITHUB_SHA: process.env.GITHUB_SHA,
};
let runnerTemp: string;
beforeAll(() => {
  runnerTemp = mkdtempSync(path.join(os.tmpdir(), 'sg-runner-temp-'));
  temps.push(runnerTemp);
  process.env.RUNNER_TEMP = runnerTemp;
  process.env.GITHUB_REF = 'refs/heads/main';
  process.env.GITHUB_SHA = SHA;
});
afterAll(() => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function setupFor(options: {
  inputs: RawInputs;
  eventName: string;
  cache: CacheStore;
  workspace?: string;
  ctx?: Partial<RunContext>;
}): RunSetup {
  // Each run has its own temp directory, as prepare() makes one per run.
  const tempDir = mkdtempSync(path.join(runnerTemp, 'security-gate-'));
  const ctx =
    options.eventName === 'push'
      ? makePrContext({ eventName: 'push', pullRequest: undefined })
      : makePrContext({ eventName: options.eventName, ...options.ctx });
  return {
    config: parseConfig({ 'gate-scope': 'new', ...options.inputs }),
    workspace: options.workspace ?? tempDir,
    reportFiles: [],
    waivers: [],
    ctx,
    tempDir,
    runner: createCommandRunner(),
    cache: options.cache,
    // Unused here: the scanners' DB directories.
    cacheDirs: { trivy: path.join(tempDir, 'trivy'), grype: path.join(tempDir, 'grype') },
  };
}

/** What the pipeline gives the marking step: a workspace without files, no alerts to narrow. */
const NO_FILES: LocationOptions = { fileExists: () => false };

function resultWith(findings: ReturnType<typeof loadTrivyFindings>): PipelineResult {
  return { view: { findings } } as unknown as PipelineResult;
}

describe('baseline record across runs', () => {
  it('a pull request run restores what the push run of its base branch saved', async () => {
    const fake = createPathCheckingCache();
    const base = loadTrivyFindings('trivy/image-alpine-310.json');
    const push = setupFor({ inputs: {}, eventName: 'push', cache: fake.cache });
    await saveBaseline(push, resultWith(base), createMemoryLogger());
    expect(fake.entries.map((e) => e.key)).toEqual([
      `security-gate-baseline-security_2dgate-main-${SHA}`,
    ]);
    // Under the runner's temp directory, not the run's own (removed when the step ends).
    expect(
      fake.entries[0]?.paths[0]?.startsWith(path.join(runnerTemp, 'security-gate-baseline')),
    ).toBe(true);

    const pr = setupFor({ inputs: {}, eventName: 'pull_request', cache: fake.cache });
    expect(pr.tempDir).not.toBe(push.tempDir);
    const logger = createMemoryLogger();
    const mark = await createBaselineMarker(pr, logger);
    expect(fake.misses).toEqual([]);
    const added = loadTrivyFindings('trivy/repo-pom-critical-high.json');
    const marked = mark?.([...base, ...added], NO_FILES, []);
    expect(marked?.countOnlyNew).toBe(true);
    expect(marked?.summary.existing).toBe(base.length);
    expect(marked?.summary.note).toMatch(/from the baseline record of main at /);
  });

  it('matrix jobs of two images under the default category keep one record each', async () => {
    const fake = createPathCheckingCache();
    const api = loadTrivyFindings('trivy/image-alpine-310.json');
    const worker = loadTrivyFindings('trivy/image-fluentd-os-and-gems.json');
    for (const [image, findings] of [
      [API, api],
      [WORKER, worker],
    ] as const) {
      const inputs = { 'scan-type': 'image', 'scan-ref': image };
      const push = setupFor({ inputs, eventName: 'push', cache: fake.cache });
      await saveBaseline(push, resultWith(findings), createMemoryLogger());
    }
    expect(new Set(fake.entries.map((e) => e.key)).size).toBe(2);
    expect(new Set(fake.entries.map((e) => e.paths[0])).size).toBe(2);

    const pr = setupFor({
      inputs: { 'scan-type': 'image', 'scan-ref': WORKER },
      eventName: 'pull_request',
      cache: fake.cache,
    });
    const mark = await createBaselineMarker(pr, createMemoryLogger());
    const marked = mark?.([...api, ...worker], NO_FILES, []);
    // The worker's record: its findings are existing, the api image's are new to it.
    expect(marked?.summary.existing).toBe(worker.length);
    expect(marked?.findings.filter((f) => f.baselineState === 'new')).toHaveLength(api.length);
  });
});

describe('gate-scope new gates the pull request of the run context', () => {
  const PR = makePrContext().pullRequest;
  it.each([
    // A review event's payload is the pull request's: it is gated like the pull request.
    ['pull_request_review', { pullRequest: PR }, true],
    ['pull_request_review_comment', { pullRequest: PR }, true],
    [
      'workflow_run',
      { pullRequest: PR, workflowRun: { id: 1, event: 'pull_request', headSha: 'b' } },
      true,
    ],
    // A workflow_run of a pull request whose pull request was not found at the scanned commit.
    [
      'workflow_run',
      { pullRequest: undefined, workflowRun: { id: 1, event: 'pull_request', headSha: 'c' } },
      false,
    ],
    [
      'workflow_run',
      { pullRequest: undefined, workflowRun: { id: 1, event: 'push', headSha: 'c' } },
      false,
    ],
  ] as const)('%s %j: compares with the base branch: %s', async (eventName, ctx, gated) => {
    const fake = createPathCheckingCache();
    const base = loadTrivyFindings('trivy/image-alpine-310.json');
    await saveBaseline(
      setupFor({ inputs: {}, eventName: 'push', cache: fake.cache }),
      resultWith(base),
      createMemoryLogger(),
    );
    const setup = setupFor({ inputs: {}, eventName, cache: fake.cache, ctx });
    const marked = (await createBaselineMarker(setup, createMemoryLogger()))?.(base, NO_FILES, []);
    expect(marked?.countOnlyNew).toBe(gated);
    expect(marked?.summary.existing).toBe(gated ? base.length : 0);
    if (!gated)
      expect(marked?.summary.note).toMatch(
        /^gate-scope new applies to pull requests; on a workflow_run of /,
      );
  });
});

describe('waivers needing review', () => {
  let server: GitHubApiServer;
  afterEach(async () => server.close());

  async function review(setupServer: (api: GitHubApiServer) => void, waiversFile?: string) {
    server = await startGitHubApiServer();
    setupServer(server);
    const { client } = makeTestClient(server);
    const inputs: RawInputs = waiversFile === undefined ? {} : { 'waivers-file': waiversFile };
    const setup: RunSetup = {
      ...setupFor({ inputs, eventName: 'pull_request', cache: createPathCheckingCache().cache }),
      workspace: WAIVERS_WORKSPACE,
      client,
    };
    setup.waivers = await loadWaivers({
      workspace: WAIVERS_WORKSPACE,
      waiversFile: setup.config.waiversFile,
      explicit: waiversFile !== undefined,
    });
    const logger = createMemoryLogger();
    const entries = await waiversNeedingReview(setup, logger);
    return { entries, logger };
  }

  it('a 403 on the contents API (no contents: read) lists every waiver, with one warning', async () => {
    const { entries, logger } = await review((api) =>
      api.faults.add({
        route: 'GET /repos/{owner}/{repo}/contents/{path}',
        type: 'read-only',
        times: 5,
      }),
    );
    expect(server.invalidRequests).toEqual([]);
    expect(entries.map((e) => e.origin)).toEqual([
      '.github/security-waivers.yml#0',
      '.github/security-waivers.yml#1',
      '.github/security-waivers.yml#2',
      '.github/security-waivers.yml#3',
      '.trivyignore:2',
      '.trivyignore:5',
      '.trivyignore:6',
      '.grype.yaml#0',
      '.grype.yaml#1',
      '.grype.yaml#2',
    ]);
    const warnings = logger.lines.filter((l) => l.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      'Could not read .github/security-waivers.yml, .trivyignore, .grype.yaml on the base branch main: every waiver in them is listed as needing review. HTTP 403 (Resource not accessible by integration',
    );
    // The permission is named once, by the 403's description.
    expect(warnings[0]?.split('contents: read')).toHaveLength(2);
    expect(warnings[0]).toContain("Grant 'permissions: contents: read' to the job");
    // One failed read is enough: the other files are not asked for.
    expect(server.state.requests.filter((r) => r.path.includes('/contents/'))).toHaveLength(1);
  });

  it('a server error (5xx) lists every waiver too, without blaming a permission', async () => {
    const { entries, logger } = await review((api) =>
      api.faults.add({
        route: 'GET /repos/{owner}/{repo}/contents/{path}',
        type: 'server-error',
        times: 20,
      }),
    );
    expect(entries).toHaveLength(10);
    const warnings = logger.lines.filter((l) => l.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/is listed as needing review\. HTTP 500 \(/);
    expect(warnings[0]).not.toContain('contents: read');
  });

  it('files absent on the base branch (404) make every waiver in them new', async () => {
    const { entries, logger } = await review((api) => {
      api.state.files.main = { '.trivyignore': readFixture('trivyignore') };
    });
    expect(server.invalidRequests).toEqual([]);
    expect(entries.map((e) => e.origin)).toEqual([
      '.github/security-waivers.yml#0',
      '.github/security-waivers.yml#1',
      '.github/security-waivers.yml#2',
      '.github/security-waivers.yml#3',
      '.grype.yaml#0',
      '.grype.yaml#1',
      '.grype.yaml#2',
    ]);
    expect(logger.lines.filter((l) => l.startsWith('warning:'))).toEqual([]);
  });

  it('an absolute waivers-file path is read from the base branch by its repository path', async () => {
    const { entries } = await review(
      (api) => {
        api.state.files.main = {
          '.github/security-waivers.yml': readFixture('security-waivers.yml'),
          '.trivyignore': readFixture('trivyignore'),
          '.grype.yaml': readFixture('grype.yaml').replace('wont-fix', 'not-fixed'),
        };
      },
      path.join(WAIVERS_WORKSPACE, '.github/security-waivers.yml'),
    );
    expect(server.invalidRequests).toEqual([]);
    // Only the grype rule whose fix-state the pull request changed.
    expect(entries.map((e) => e.origin)).toEqual(['.grype.yaml#0']);
    const asked = server.state.requests
      .filter((r) => r.path.includes('/contents/'))
      .map((r) =>
        decodeURIComponent(new URL(r.path, 'http://x').pathname.split('/contents/')[1] ?? ''),
      );
    expect(asked).toEqual(['.github/security-waivers.yml', '.trivyignore', '.grype.yaml']);
  });
});

function readFixture(name: string): string {
  return readFileSync(path.resolve(__dirname, '../../fixtures/waivers', name), 'utf8');
}
