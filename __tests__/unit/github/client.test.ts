import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient, type GitHubClientOptions } from '../../../src/github/client.js';
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
