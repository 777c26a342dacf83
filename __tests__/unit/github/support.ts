/** Shared setup for the GitHub reporter tests: a fast client against the fake API. */
import { createGitHubClient } from '../../../src/github/client.js';
import type { RunContext } from '../../../src/github/context.js';
import { createMemoryLogger } from '../../../src/util/logger.js';
import type { GitHubApiServer } from '../../helpers/github-api-server.js';

/** A client with short backoffs and no write spacing. */
export function makeTestClient(server: GitHubApiServer, token = 'ghs_test') {
  const logger = createMemoryLogger();
  const client = createGitHubClient({
    token,
    baseUrl: server.url,
    logger,
    retryBaseMs: 5,
    writeSpacingMs: 0,
  });
  return { client, logger };
}

/** A pull_request context on PR #7 of octo/app. */
export function makePrContext(overrides: Partial<RunContext> = {}): RunContext {
  return {
    owner: 'octo',
    repo: 'app',
    eventName: 'pull_request',
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    runId: '42',
    runUrl: 'https://github.com/octo/app/actions/runs/42',
    sarifTarget: { commitSha: 'a'.repeat(40), ref: 'refs/pull/7/merge' },
    pullRequest: {
      number: 7,
      headSha: 'b'.repeat(40),
      baseRef: 'main',
      headRepoFullName: 'octo/app',
      isFork: false,
    },
    ...overrides,
  };
}
