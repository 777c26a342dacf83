import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createGitHubClient,
  DO_NOT_RETRY,
  readRateLimitWait,
  type GitHubClientOptions,
} from '../../../src/github/client.js';
import { createMemoryLogger } from '../../../src/util/logger.js';
import { startGitHubApiServer, type GitHubApiServer } from '../../helpers/github-api-server.js';

const LIST = 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments';
const CREATE = 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments';

let server: GitHubApiServer;
beforeEach(async () => {
  server = await startGitHubApiServer();
});
afterEach(async () => {
  expect(server.invalidRequests).toEqual([]);
  await server.close();
});

function makeClient(extra: Partial<GitHubClientOptions> = {}) {
  const logger = createMemoryLogger();
  const client = createGitHubClient({
    token: 'ghs_test',
    baseUrl: server.url,
    logger,
    retryBaseMs: 5,
    writeSpacingMs: 0,
    ...extra,
  });
  return { client, logger };
}

const listComments = (client: ReturnType<typeof makeClient>['client']) =>
  client.rest.issues.listComments({ owner: 'o', repo: 'r', issue_number: 1, per_page: 100 });

function countRequests(operation: string): number {
  return server.state.requests.filter((r) => r.operation === operation).length;
}

describe('createGitHubClient', () => {
  it.each(['bad-gateway', 'server-error'] as const)(
    'retries a %s with backoff, then succeeds',
    async (type) => {
      server.faults.add({ route: LIST, type, times: 2 });
      const { client } = makeClient();
      const response = await listComments(client);
      expect(response.status).toBe(200);
      expect(countRequests(LIST)).toBe(3);
    },
  );

  it('gives up after the configured retries', async () => {
    server.faults.add({ route: LIST, type: 'bad-gateway', times: 10 });
    const { client } = makeClient({ retries: 2 });
    await expect(listComments(client)).rejects.toMatchObject({ status: 502 });
    expect(countRequests(LIST)).toBe(3);
  });

  it.each([
    ['unprocessable', 422],
    ['not-found', 404],
    ['read-only', 403],
  ] as const)('never retries %s', async (type, status) => {
    server.faults.add({ route: CREATE, type, times: 5 });
    const { client } = makeClient();
    await expect(
      client.rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 1, body: 'x' }),
    ).rejects.toMatchObject({ status });
    expect(countRequests(CREATE)).toBe(1);
  });

  it.each([400, 406, 409, 413, 415, 418, 451])(
    'fails at once on HTTP %i (a retry cannot fix it)',
    async (status) => {
      server.faults.add({ route: CREATE, type: 'http-status', status, times: 5 });
      const { client } = makeClient();
      await expect(
        client.rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 1, body: 'x' }),
      ).rejects.toMatchObject({ status });
      expect(countRequests(CREATE)).toBe(1);
    },
  );

  it.each([408, 500, 503])('retries HTTP %i, then succeeds', async (status) => {
    server.faults.add({ route: CREATE, type: 'http-status', status, times: 2 });
    const { client } = makeClient();
    const response = await client.rest.issues.createComment({
      owner: 'o',
      repo: 'r',
      issue_number: 1,
      body: 'x',
    });
    expect(response.status).toBe(201);
    expect(countRequests(CREATE)).toBe(3);
  });

  it('never retries a 4xx but 408', () => {
    const retried = Array.from({ length: 100 }, (_, i) => 400 + i).filter(
      (status) => !DO_NOT_RETRY.includes(status),
    );
    expect(retried).toEqual([408]);
  });

  it.each([403, 429])(
    'waits out a %i that carries only retry-after, whatever its message',
    async (status) => {
      server.faults.add({ route: CREATE, type: 'retry-after-only', status, retryAfterSeconds: 1 });
      const { client, logger } = makeClient();
      const started = Date.now();
      const response = await client.rest.issues.createComment({
        owner: 'o',
        repo: 'r',
        issue_number: 1,
        body: 'x',
      });
      expect(response.status).toBe(201);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(
        server.state.requests.filter((r) => r.operation === CREATE).map((r) => r.status),
      ).toEqual([status, 201]);
      expect(logger.lines.join('\n')).toContain('retrying in 1s');
    },
  );

  it('waits until x-ratelimit-reset when remaining is 0 and no retry-after is sent', async () => {
    server.faults.add({ route: LIST, type: 'rate-limit-reset', retryAfterSeconds: 2 });
    const { client, logger } = makeClient();
    const started = Date.now();
    const response = await listComments(client);
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(countRequests(LIST)).toBe(2);
    expect(logger.lines.join('\n')).toMatch(/retrying in [12]s/);
  });

  it('gives up after three waits on one request', async () => {
    server.faults.add({
      route: CREATE,
      type: 'retry-after-only',
      status: 429,
      retryAfterSeconds: 0,
      times: 10,
    });
    const { client } = makeClient();
    await expect(
      client.rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 1, body: 'x' }),
    ).rejects.toMatchObject({ status: 429 });
    expect(countRequests(CREATE)).toBe(4);
  });

  it('waits out a secondary rate limit as retry-after says', async () => {
    server.faults.add({ route: CREATE, type: 'secondary-rate-limit', retryAfterSeconds: 1 });
    const { client, logger } = makeClient();
    const started = Date.now();
    const response = await client.rest.issues.createComment({
      owner: 'o',
      repo: 'r',
      issue_number: 1,
      body: 'x',
    });
    expect(response.status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(countRequests(CREATE)).toBe(2);
    expect(logger.lines.join('\n')).toContain('retrying in 1s');
  });

  it('waits out a 429 primary rate limit', async () => {
    server.faults.add({ route: LIST, type: 'rate-limit-429', retryAfterSeconds: 1 });
    const { client } = makeClient();
    const response = await listComments(client);
    expect(response.status).toBe(200);
    expect(countRequests(LIST)).toBe(2);
  });

  it('does not wait beyond its total budget', async () => {
    server.faults.add({ route: CREATE, type: 'secondary-rate-limit', retryAfterSeconds: 30 });
    const { client } = makeClient({ maxRetryWaitMs: 2_000 });
    const started = Date.now();
    await expect(
      client.rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 1, body: 'x' }),
    ).rejects.toMatchObject({ status: 403 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(countRequests(CREATE)).toBe(1);
  });

  it('shares one wait budget across requests', async () => {
    const fault = { route: LIST, type: 'retry-after-only', retryAfterSeconds: 1 } as const;
    server.faults.add(fault);
    const { client } = makeClient({ maxRetryWaitMs: 1_500 });
    expect((await listComments(client)).status).toBe(200);
    server.faults.add(fault);
    // The first wait used 1 s of the 1.5 s: the second 1 s wait no longer fits.
    await expect(listComments(client)).rejects.toMatchObject({ status: 403 });
    expect(countRequests(LIST)).toBe(3);
  });

  it("stops at the caller's deadline (request.signal) without retrying", async () => {
    server.faults.add({ route: LIST, type: 'slow', delayMs: 2_000, times: 5 });
    // Backoffs of 1 s, 4 s and 9 s: any retry would show in the time taken.
    const { client } = makeClient({ retryBaseMs: 1_000 });
    const started = Date.now();
    await expect(
      client.rest.issues.listComments({
        owner: 'o',
        repo: 'r',
        issue_number: 1,
        request: { signal: AbortSignal.timeout(100) },
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("ends a rate-limit wait at the caller's deadline", async () => {
    server.faults.add({ route: LIST, type: 'retry-after-only', retryAfterSeconds: 5 });
    const { client } = makeClient();
    const started = Date.now();
    await expect(
      client.rest.issues.listComments({
        owner: 'o',
        repo: 'r',
        issue_number: 1,
        request: { signal: AbortSignal.timeout(200) },
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(countRequests(LIST)).toBe(1);
  });

  it('times out a slow response and retries it', async () => {
    server.faults.add({ route: LIST, type: 'slow', delayMs: 600 });
    const { client } = makeClient({ requestTimeoutMs: 200 });
    const response = await listComments(client);
    expect(response.status).toBe(200);
    // The abandoned slow attempt is logged once the server finishes it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(countRequests(LIST)).toBe(2);
  });
});

describe('readRateLimitWait', () => {
  const now = Date.parse('2024-01-01T00:00:00Z');
  const fail = (status: number, headers: Record<string, string>, message = 'Forbidden') => ({
    status,
    message,
    response: { headers },
  });
  it.each([
    ['403 retry-after, any message', fail(403, { 'retry-after': '7' }), 7],
    ['429 retry-after', fail(429, { 'retry-after': '3' }), 3],
    [
      'retry-after as an HTTP date',
      fail(429, { 'retry-after': 'Mon, 01 Jan 2024 00:00:05 GMT' }),
      5,
    ],
    [
      'retry-after wins over the reset',
      fail(403, {
        'retry-after': '2',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(now / 1000 + 50),
      }),
      2,
    ],
    [
      'remaining 0: until the reset plus a second',
      fail(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 10) }),
      11,
    ],
    [
      'remaining 0, reset past: one second',
      fail(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 - 10) }),
      1,
    ],
    ['remaining 0 without a reset: a minute', fail(403, { 'x-ratelimit-remaining': '0' }), 60],
    [
      'secondary rate limit without headers: a minute',
      fail(403, {}, 'You have exceeded a secondary rate limit'),
      60,
    ],
    ['bare 429: a minute', fail(429, {}), 60],
    [
      'read-only 403: no rate limit',
      fail(403, { 'x-ratelimit-remaining': '4999' }, 'Resource not accessible by integration'),
      undefined,
    ],
    ['404 with retry-after: no rate limit', fail(404, { 'retry-after': '1' }), undefined],
    ['not an HTTP error', new Error('socket hang up'), undefined],
  ])('%s', (_name, error, seconds) => {
    expect(readRateLimitWait(error, now)).toBe(seconds);
  });
});
