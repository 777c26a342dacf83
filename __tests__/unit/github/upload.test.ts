import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uploadSarif } from '../../../src/github/upload.js';
import { createMemoryLogger } from '../../../src/util/logger.js';
import { startGitHubApiServer, type GitHubApiServer } from '../../helpers/github-api-server.js';
import { makePrContext, makeTestClient } from './support.js';

const UPLOAD = 'POST /repos/{owner}/{repo}/code-scanning/sarifs';
let server: GitHubApiServer;
beforeEach(async () => {
  server = await startGitHubApiServer();
});
afterEach(async () => {
  expect(server.invalidRequests).toEqual([]);
  await server.close();
});

const sarif = {
  version: '2.1.0',
  $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
  runs: [
    {
      tool: { driver: { name: 'Trivy', rules: [] } },
      results: [],
      automationDetails: { id: 'security-gate/trivy/' },
    },
  ],
};
const fast = { pollIntervalMs: 10, pollTimeoutMs: 2_000, logger: createMemoryLogger() };

describe('uploadSarif', () => {
  it('uploads gzip+base64 to the run commit/ref and waits for processing', async () => {
    server.state.sarifPendingPolls = 2;
    const { client } = makeTestClient(server);
    const result = await uploadSarif(client, {
      ...fast,
      ctx: makePrContext(),
      sarifText: JSON.stringify(sarif),
    });
    expect(result).toMatchObject({ outcome: 'uploaded', processingStatus: 'complete', errors: [] });
    expect(result.warning).toBeUndefined();
    const [upload] = server.state.sarifs;
    expect(upload).toMatchObject({
      id: result.sarifId,
      commitSha: 'a'.repeat(40),
      ref: 'refs/pull/7/merge',
      polls: 3,
    });
    expect(upload?.sarif).toEqual(sarif);
    expect(Object.keys(upload?.body ?? {}).sort()).toEqual(['commit_sha', 'ref', 'sarif']);
  });

  it('reports processing errors', async () => {
    server.state.sarifOutcome = {
      status: 'failed',
      errors: ['locationFromSarifResult: expected artifact location'],
    };
    const { client } = makeTestClient(server);
    const result = await uploadSarif(client, {
      ...fast,
      ctx: makePrContext(),
      sarifText: JSON.stringify(sarif),
    });
    expect(result.processingStatus).toBe('failed');
    expect(result.warning).toContain('expected artifact location');
  });

  it('stops polling at the deadline', async () => {
    server.state.sarifPendingPolls = 1_000;
    const { client } = makeTestClient(server);
    const result = await uploadSarif(client, {
      ...fast,
      pollTimeoutMs: 100,
      ctx: makePrContext(),
      sarifText: '{}',
    });
    expect(result).toMatchObject({ outcome: 'uploaded', processingStatus: 'pending' });
  });

  it.each([
    ['read-only', 'security-events: write'],
    ['advanced-security-disabled', 'Advanced Security'],
    ['not-found', 'code scanning'],
  ] as const)('%s → a warning naming what is missing, no retry, no throw', async (type, hint) => {
    server.faults.add({ route: UPLOAD, type, times: 5 });
    const { client } = makeTestClient(server);
    const result = await uploadSarif(client, { ...fast, ctx: makePrContext(), sarifText: '{}' });
    expect(result.outcome).toBe('failed');
    expect(result.warning).toContain(hint);
    expect(server.state.requests).toHaveLength(1);
  });

  it('retries a 502 on upload', async () => {
    server.faults.add({ route: UPLOAD, type: 'bad-gateway' });
    const { client } = makeTestClient(server);
    const result = await uploadSarif(client, { ...fast, ctx: makePrContext(), sarifText: '{}' });
    expect(result.outcome).toBe('uploaded');
    expect(server.state.sarifs).toHaveLength(1);
  });

  it('skips when the event names no commit/ref', async () => {
    const { client } = makeTestClient(server);
    const result = await uploadSarif(client, {
      ...fast,
      ctx: makePrContext({ sarifTarget: undefined }),
      sarifText: '{}',
    });
    expect(result.outcome).toBe('skipped');
    expect(server.state.requests).toHaveLength(0);
  });
});
