import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fallbackBudget,
  publishCheckRun,
  writeAnnotationCommands,
} from '../../../src/github/check-run.js';
import type { AnnotationLevel, CheckAnnotation } from '../../../src/report/annotations.js';
import { createMemoryLogger } from '../../../src/util/logger.js';
import { startGitHubApiServer, type GitHubApiServer } from '../../helpers/github-api-server.js';
import { makePrContext, makeTestClient } from './support.js';

let server: GitHubApiServer;
beforeEach(async () => {
  server = await startGitHubApiServer();
});
afterEach(async () => {
  expect(server.invalidRequests).toEqual([]);
  await server.close();
});

function annotations(count: number, level: AnnotationLevel = 'failure'): CheckAnnotation[] {
  return Array.from({ length: count }, (_, i) => ({
    path: `src/file-${i % 97}.ts`,
    startLine: (i % 500) + 1,
    endLine: (i % 500) + 1,
    level,
    title: `HIGH CVE-${i}`,
    message: `finding ${i}`,
  }));
}

const base = {
  name: 'Security Gate',
  conclusion: 'failure' as const,
  title: '3 CRITICAL',
  summary: 'summary',
};

describe('publishCheckRun', () => {
  it('30,000 findings: at most 12 requests of at most 50 annotations, on the PR head', async () => {
    const { client } = makeTestClient(server);
    const result = await publishCheckRun(client, {
      ...base,
      ctx: makePrContext(),
      annotations: annotations(30_000),
    });
    expect(result).toMatchObject({ sent: 500, omitted: 29_500 });
    const checkRequests = server.state.requests.filter((r) => r.path.includes('/check-runs'));
    expect(checkRequests.length).toBeLessThanOrEqual(12);
    expect(checkRequests.every((r) => r.status < 300)).toBe(true);
    const [run] = server.state.checkRuns;
    expect(run).toMatchObject({
      headSha: 'b'.repeat(40),
      conclusion: 'failure',
      status: 'completed',
      requests: 10,
    });
    expect(run?.annotations).toHaveLength(500);
    expect(run?.summary).toContain('29500 more annotations left out');
    expect(result.url).toMatch(/^https:\/\/github\.com\/octo\/app\/runs\/\d+$/);
  });

  it('a few annotations: one request', async () => {
    const { client } = makeTestClient(server);
    await publishCheckRun(client, { ...base, ctx: makePrContext(), annotations: annotations(3) });
    expect(server.state.requests).toHaveLength(1);
    expect(server.state.checkRuns[0]?.annotations).toHaveLength(3);
  });

  it('keeps the summary within 65,535 characters', async () => {
    const { client } = makeTestClient(server);
    await publishCheckRun(client, {
      ...base,
      summary: 's'.repeat(70_000),
      ctx: makePrContext(),
      annotations: annotations(600),
    });
    expect(server.state.checkRuns[0]?.summary?.length).toBeLessThanOrEqual(65_535);
  });

  it('an update that fails after the create keeps the run, its URL and conclusion', async () => {
    server.faults.add({
      route: 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
      type: 'unprocessable',
      times: 1,
    });
    const { client } = makeTestClient(server);
    const result = await publishCheckRun(client, {
      ...base,
      ctx: makePrContext(),
      annotations: annotations(160),
    });
    const [run] = server.state.checkRuns;
    expect(result.url).toBe(`https://github.com/octo/app/runs/${run?.id}`);
    expect(result).toMatchObject({ sent: 50, omitted: 0, updateFailure: { notAttached: 110 } });
    expect(result.updateFailure?.error).toMatchObject({ status: 422 });
    expect(run).toMatchObject({ conclusion: 'failure', status: 'completed' });
    expect(run?.annotations).toHaveLength(50);
    // The first failure stops the updates: the rest would fail alike.
    const updates = server.state.requests.filter((r) => r.method === 'PATCH');
    expect(updates.map((r) => r.status)).toEqual([422]);
  });

  it('counts the batches attached before a later update fails', async () => {
    server.faults.add({
      route: 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
      type: 'read-only',
      after: 1,
    });
    const { client } = makeTestClient(server);
    const result = await publishCheckRun(client, {
      ...base,
      ctx: makePrContext(),
      annotations: annotations(160),
    });
    expect(result).toMatchObject({ sent: 100, updateFailure: { notAttached: 60 } });
    expect(server.state.checkRuns[0]?.annotations).toHaveLength(100);
    expect(server.faults.pending()).toEqual([]);
  });

  it('surfaces a read-only token as a 403', async () => {
    server.faults.add({ route: 'POST /repos/{owner}/{repo}/check-runs', type: 'read-only' });
    const { client } = makeTestClient(server);
    await expect(
      publishCheckRun(client, { ...base, ctx: makePrContext(), annotations: [] }),
    ).rejects.toMatchObject({ status: 403 });
  });
});

describe('writeAnnotationCommands', () => {
  it('writes the 10 most severe of each level and says how many were left out', () => {
    const sink = createMemoryLogger();
    const all = [
      ...annotations(15, 'failure'),
      ...annotations(12, 'warning'),
      ...annotations(3, 'notice'),
    ];
    expect(writeAnnotationCommands(sink, all)).toEqual({ written: 23, omitted: 7 });
    expect(sink.lines.filter((l) => l.startsWith('error:'))).toHaveLength(10);
    expect(sink.lines.filter((l) => l.startsWith('warning:'))).toHaveLength(10);
    expect(sink.lines.filter((l) => l.startsWith('notice:'))).toHaveLength(3);
    expect(sink.lines.at(-1)).toMatch(/^info: 7 more annotations not shown/);
    expect(sink.lines[0]).toBe('error: finding 0');
  });

  it('keeps within a smaller budget, most severe first, and says why', () => {
    const sink = createMemoryLogger();
    const all = [
      ...annotations(15, 'failure'),
      ...annotations(12, 'warning'),
      ...annotations(3, 'notice'),
    ];
    const budget = { failure: 9, warning: 6, notice: 10 };
    expect(writeAnnotationCommands(sink, all, budget)).toEqual({ written: 18, omitted: 12 });
    const errors = sink.lines.filter((l) => l.startsWith('error:'));
    expect(errors).toEqual(Array.from({ length: 9 }, (_, i) => `error: finding ${i}`));
    expect(sink.lines.filter((l) => l.startsWith('warning:'))).toHaveLength(6);
    expect(sink.lines.at(-1)).toBe(
      "info: 12 more annotations not shown (the runner shows 10 per level; the step's own messages and verdict use some of them, leaving 9 errors, 6 warnings and 10 notices); see the job summary and report.",
    );
  });

  it('passes file and line properties', () => {
    const calls: unknown[] = [];
    const sink = {
      ...createMemoryLogger(),
      error: (m: string, p?: unknown) => void calls.push([m, p]),
    };
    writeAnnotationCommands(sink, annotations(1));
    expect(calls).toEqual([
      ['finding 0', { title: 'HIGH CVE-0', file: 'src/file-0.ts', startLine: 1, endLine: 1 }],
    ]);
  });
});

describe('fallbackBudget', () => {
  const none = { error: 0, warning: 0, notice: 0 };
  it.each([
    ['fail: the verdict writes one error', 'fail', none, { failure: 9, warning: 10, notice: 10 }],
    ['error: the same', 'error', none, { failure: 9, warning: 10, notice: 10 }],
    ['warn: the verdict writes one warning', 'warn', none, { failure: 10, warning: 9, notice: 10 }],
    ['pass: nothing reserved', 'pass', none, { failure: 10, warning: 10, notice: 10 }],
    [
      'what the step already wrote comes off',
      'fail',
      { error: 2, warning: 3, notice: 4 },
      { failure: 7, warning: 7, notice: 6 },
    ],
    [
      'never below zero',
      'warn',
      { error: 12, warning: 10, notice: 11 },
      { failure: 0, warning: 0, notice: 0 },
    ],
  ] as const)('%s', (_name, verdict, written, expected) => {
    expect(fallbackBudget(verdict, written)).toEqual(expected);
  });
});
