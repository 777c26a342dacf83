/**
 * The GitHub API stand-in itself: it must refuse what GitHub refuses, or the
 * tests that run against it prove nothing. Raw HTTP, so no client code can
 * hide a wrong answer.
 */
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  sarifLimitProblems,
  startGitHubApiServer,
  type GitHubApiServer,
  type GitHubApiServerOptions,
} from '../../helpers/github-api-server.js';

let server: GitHubApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: GitHubApiServerOptions = {}): Promise<GitHubApiServer> {
  server = await startGitHubApiServer(options);
  return server;
}

async function call(
  api: GitHubApiServer,
  method: string,
  path: string,
  body?: unknown,
): Promise<{
  status: number;
  body: { message?: string } & Record<string, unknown>;
  link?: string;
}> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: 'token ghs_test', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    link: response.headers.get('link') ?? undefined,
  };
}

const annotation = (i: number) => ({
  path: 'Dockerfile',
  start_line: 1,
  end_line: 1,
  annotation_level: 'warning',
  message: `finding ${i}`,
});
const checkRun = (count: number) => ({
  name: 'Security Gate',
  head_sha: 'b'.repeat(40),
  status: 'completed',
  conclusion: 'failure',
  output: {
    title: 't',
    summary: 's',
    annotations: Array.from({ length: count }, (_, i) => annotation(i)),
  },
});

describe('the stand-in refuses what GitHub refuses', () => {
  it('answers a request that fails OpenAPI validation with 422 and records it', async () => {
    const api = await start();
    const reply = await call(api, 'POST', '/repos/o/r/issues/1/comments', { body: 42 });
    expect(reply.status).toBe(422);
    expect(reply.body.message).toMatch(/^Invalid request\./);
    expect(api.invalidRequests).toHaveLength(1);
    expect(api.invalidRequests[0]).toContain('POST /repos/o/r/issues/1/comments: body');
    expect(api.state.comments).toHaveLength(0);
  });

  it('422 for an unknown query parameter, nothing stored', async () => {
    const api = await start();
    const reply = await call(api, 'GET', '/repos/o/r/issues/1/comments?per_page=100&colour=red');
    expect(reply.status).toBe(422);
    expect(api.invalidRequests.join('\n')).toContain("unknown query parameter 'colour'");
  });

  it.each([
    ['create', 50, 201],
    ['create', 51, 422],
  ] as const)('%s with %i annotations → %i', async (_what, count, status) => {
    const api = await start();
    const reply = await call(api, 'POST', '/repos/o/r/check-runs', checkRun(count));
    expect(reply.status).toBe(status);
    // The description itself says `maxItems: 50`, so validation is what refuses it.
    if (status === 422) {
      expect(reply.body.message).toContain('annotations must NOT have more than 50 items');
      expect(api.state.checkRuns).toHaveLength(0);
    }
    expect(api.invalidRequests).toHaveLength(status === 422 ? 1 : 0);
  });

  it('an update with 51 annotations → 422, the run keeps what it had', async () => {
    const api = await start();
    const created = await call(api, 'POST', '/repos/o/r/check-runs', checkRun(50));
    const id = Number(created.body.id);
    const update = (count: number) =>
      call(api, 'PATCH', `/repos/o/r/check-runs/${id}`, {
        output: checkRun(count).output,
      });
    expect((await update(51)).status).toBe(422);
    expect(api.state.checkRuns[0]?.annotations).toHaveLength(50);
    expect((await update(50)).status).toBe(200);
    expect(api.state.checkRuns[0]?.annotations).toHaveLength(100);
    expect(api.invalidRequests).toHaveLength(1);
  });

  it.each([
    [65_536, 201],
    [65_537, 422],
  ])('a comment body of %i characters → %i (create and update)', async (length, status) => {
    const api = await start();
    const created = await call(api, 'POST', '/repos/o/r/issues/7/comments', {
      body: 'x'.repeat(length),
    });
    expect(created.status).toBe(status);
    const existing = api.state.addComment(7, 'short');
    const updated = await call(api, 'PATCH', `/repos/o/r/issues/comments/${existing.id}`, {
      body: 'y'.repeat(length),
    });
    expect(updated.status).toBe(status === 201 ? 200 : 422);
    if (status === 422) {
      expect(created.body.message).toContain('body is too long (maximum is 65536 characters)');
      expect(existing.body).toBe('short');
    }
    expect(api.invalidRequests).toEqual([]);
  });

  it('413 for a SARIF over 10 MB gzipped', async () => {
    const api = await start();
    const reply = await call(api, 'POST', '/repos/o/r/code-scanning/sarifs', {
      commit_sha: 'a'.repeat(40),
      ref: 'refs/heads/main',
      sarif: Buffer.alloc(10 * 1024 * 1024 + 1).toString('base64'),
    });
    expect(reply.status).toBe(413);
    expect(api.state.sarifs).toHaveLength(0);
    expect(api.invalidRequests).toEqual([]);
  });
});

describe("the stand-in checks the SARIF against GitHub's limits", () => {
  const rule = (id: string, extra: Record<string, unknown> = {}) => ({ id, ...extra });
  const run = (extra: { rules?: unknown[]; results?: unknown[] } = {}) => ({
    tool: { driver: { name: 'T', rules: extra.rules ?? [] } },
    results: extra.results ?? [],
  });
  const location = { physicalLocation: { artifactLocation: { uri: 'a' } } };
  const many = <T>(n: number, make: (i: number) => T): T[] =>
    Array.from({ length: n }, (_, i) => make(i));
  /** One more than the limit when `over`. */
  const plus = (over: boolean) => (over ? 1 : 0);

  it.each([
    ['runs', (over: boolean) => ({ runs: many(20 + plus(over), () => run()) }), /21 runs/],
    [
      'results per run',
      (over: boolean) => ({
        runs: [run({ results: many(25_000 + plus(over), () => ({ message: { text: 'm' } })) })],
      }),
      /25001 results/,
    ],
    [
      'rules per run',
      (over: boolean) => ({
        runs: [run({ rules: many(25_000 + plus(over), (i) => rule(`r${i}`)) })],
      }),
      /25001 rules/,
    ],
    [
      'locations per result',
      (over: boolean) => ({
        runs: [run({ results: [{ locations: many(1_000 + plus(over), () => location) }] })],
      }),
      /1001 locations/,
    ],
    [
      'tags per rule',
      (over: boolean) => ({
        runs: [
          run({
            rules: [rule('r', { properties: { tags: many(20 + plus(over), (i) => `t${i}`) } })],
          }),
        ],
      }),
      /21 tags/,
    ],
    [
      'rule name length',
      (over: boolean) => ({
        runs: [run({ rules: [rule('r', { name: 'n'.repeat(255 + plus(over)) })] })],
      }),
      /name of 256 characters/,
    ],
    [
      'description length',
      (over: boolean) => ({
        runs: [
          run({
            rules: [
              rule('r', {
                shortDescription: { text: 's' },
                fullDescription: { text: 'd'.repeat(1_024 + plus(over)) },
              }),
            ],
          }),
        ],
      }),
      /fullDescription of 1025 characters/,
    ],
  ])('%s: at the limit passes, one over is refused', (_what, make, problem) => {
    expect(sarifLimitProblems(make(false))).toEqual([]);
    const problems = sarifLimitProblems(make(true));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it('answers an upload over the limits with 400 and stores nothing', async () => {
    const api = await start();
    const sarif = { version: '2.1.0', runs: many(21, () => run()) };
    const reply = await call(api, 'POST', '/repos/o/r/code-scanning/sarifs', {
      commit_sha: 'a'.repeat(40),
      ref: 'refs/heads/main',
      sarif: gzipSync(JSON.stringify(sarif)).toString('base64'),
    });
    expect(reply.status).toBe(400);
    expect(reply.body.message).toContain("over GitHub's limits: 21 runs (at most 20)");
    expect(api.state.sarifs).toHaveLength(0);
  });
});

describe('a GitHub Enterprise Server base path', () => {
  it('serves under /api/v3, links pages there and refuses requests outside it', async () => {
    const api = await start({ basePath: '/api/v3' });
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/);
    for (let i = 0; i < 3; i++) api.state.addComment(7, `c${i}`);
    const page = await call(api, 'GET', '/repos/o/r/issues/7/comments?per_page=2');
    expect(page.status).toBe(200);
    expect(page.link).toContain(`<${api.url}/repos/o/r/issues/7/comments?per_page=2&page=2>`);
    expect(api.state.requests[0]).toMatchObject({
      path: '/repos/o/r/issues/7/comments?per_page=2',
      operation: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
    });
    expect(api.invalidRequests).toEqual([]);
    const outside = await fetch(
      `${api.url.replace(/\/api\/v3$/, '')}/repos/o/r/issues/7/comments`,
      {
        headers: { authorization: 'token ghs_test' },
      },
    );
    expect(outside.status).toBe(404);
    expect(api.invalidRequests).toEqual([
      'GET /repos/o/r/issues/7/comments: outside the API base path /api/v3',
    ]);
  });
});
