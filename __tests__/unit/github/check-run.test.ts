import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publishCheckRun, writeAnnotationCommands } from '../../../src/github/check-run.js';
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
