import { gzipSync } from 'node:zlib';
import type { Log } from 'sarif';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uploadSarif } from '../../../src/github/upload.js';
import { createMemoryLogger } from '../../../src/util/logger.js';
import { startGitHubApiServer, type GitHubApiServer } from '../../helpers/github-api-server.js';
import { makePrContext, makeTestClient } from './support.js';

const UPLOAD = 'POST /repos/{owner}/{repo}/code-scanning/sarifs';
const STATUS = 'GET /repos/{owner}/{repo}/code-scanning/sarifs/{sarif_id}';
let server: GitHubApiServer;
beforeEach(async () => {
  server = await startGitHubApiServer();
});
afterEach(async () => {
  expect(server.invalidRequests).toEqual([]);
  await server.close();
});

const sarif: Log = {
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
/** The SARIF as the pipeline hands it over: the written text and its log. */
const written = { text: JSON.stringify(sarif), log: sarif } as const;

describe('uploadSarif', () => {
  it('uploads gzip+base64 to the run commit/ref and waits for processing', async () => {
    server.state.sarifPendingPolls = 2;
    const { client } = makeTestClient(server);
    const result = await uploadSarif(client, {
      ...fast,
      ctx: makePrContext(),
      sarif: written,
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
      sarif: written,
    });
    expect(result.processingStatus).toBe('failed');
    expect(result.warning).toContain('expected artifact location');
  });

  it('stops polling at the deadline and says processing is still pending', async () => {
    server.state.sarifPendingPolls = 1_000;
    const { client } = makeTestClient(server);
    const logger = createMemoryLogger();
    const result = await uploadSarif(client, {
      ...fast,
      logger,
      pollTimeoutMs: 100,
      ctx: makePrContext(),
      sarif: written,
    });
    expect(result).toMatchObject({ outcome: 'uploaded', processingStatus: 'pending' });
    expect(result.warning).toBeUndefined();
    expect(logger.lines.at(-1)).toBe(
      `info: SARIF ${result.sarifId} is still being processed after 0.1s; not waiting longer. Code scanning shows the results once it is done.`,
    );
  });

  it('says nothing about pending once processing completed', async () => {
    const { client } = makeTestClient(server);
    const logger = createMemoryLogger();
    await uploadSarif(client, { ...fast, logger, ctx: makePrContext(), sarif: written });
    expect(logger.lines.join('\n')).not.toContain('still being processed');
  });

  it('never uploads a SARIF without runs (every scanner failed, nothing imported)', async () => {
    const { client } = makeTestClient(server);
    const result = await uploadSarif(client, {
      ...fast,
      ctx: makePrContext(),
      sarif: {
        text: `${JSON.stringify({ ...sarif, runs: [] }, null, 2)}\n`,
        log: { ...sarif, runs: [] },
      },
    });
    expect(result).toMatchObject({ outcome: 'skipped', errors: [] });
    expect(result.warning).toBeUndefined();
    expect(result.note).toContain('the SARIF has no runs');
    expect(result.note).toContain('an empty run would close');
    expect(server.state.requests).toHaveLength(0);
  });

  it('a slow status request ends at the poll deadline, not after its timeouts and retries', async () => {
    // Slower than the whole poll: without a deadline on the request itself the step would wait it out.
    server.faults.add({ route: STATUS, type: 'slow', delayMs: 3_000, times: 5 });
    const { client } = makeTestClient(server);
    const logger = createMemoryLogger();
    const started = Date.now();
    const result = await uploadSarif(client, {
      ...fast,
      logger,
      pollTimeoutMs: 300,
      ctx: makePrContext(),
      sarif: written,
    });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(result).toMatchObject({ outcome: 'uploaded', processingStatus: 'pending', errors: [] });
    expect(result.warning).toBeUndefined();
    expect(logger.lines.at(-1)).toBe(
      `info: SARIF ${result.sarifId} is still being processed after 0.3s; not waiting longer. Code scanning shows the results once it is done.`,
    );
  });

  it('tells "no runs" from the log, whatever the size of the text', async () => {
    const { client } = makeTestClient(server);
    const log: Log = { ...sarif, runs: [], properties: { padding: 'x'.repeat(100_000) } };
    const result = await uploadSarif(client, {
      ...fast,
      ctx: makePrContext(),
      sarif: { text: JSON.stringify(log), log },
    });
    expect(result.outcome).toBe('skipped');
    expect(server.state.requests).toHaveLength(0);
  });

  it('uploads a run without results (a clean scan closes fixed alerts)', async () => {
    const { client } = makeTestClient(server);
    const result = await uploadSarif(client, { ...fast, ctx: makePrContext(), sarif: written });
    expect(result.outcome).toBe('uploaded');
    expect(server.state.sarifs).toHaveLength(1);
  });

  it('measures the size limit on the exact text it uploads', async () => {
    const { client } = makeTestClient(server);
    // The same log, indented: its gzip is larger than the compact form's.
    const indented = JSON.stringify(sarif, null, 2);
    const limit = gzipSync(Buffer.from(indented)).length - 1;
    expect(gzipSync(Buffer.from(JSON.stringify(sarif))).length).toBeLessThanOrEqual(limit);
    const refused = await uploadSarif(client, {
      ...fast,
      maxGzipBytes: limit,
      ctx: makePrContext(),
      sarif: { text: indented, log: sarif },
    });
    expect(refused.outcome).toBe('failed');
    expect(refused.warning).toMatch(
      /^SARIF upload skipped: [\d.]+ MB gzipped is over GitHub's [\d.]+ MB limit\.$/,
    );
    expect(server.state.requests).toHaveLength(0);
    const sent = await uploadSarif(client, {
      ...fast,
      maxGzipBytes: limit + 1,
      ctx: makePrContext(),
      sarif: { text: indented, log: sarif },
    });
    expect(sent.outcome).toBe('uploaded');
    expect(server.state.sarifs[0]?.gzipBytes).toBe(limit + 1);
  });

  it('a 413 from GitHub is not retried and names the size limit', async () => {
    server.faults.add({ route: UPLOAD, type: 'http-status', status: 413, times: 5 });
    const { client } = makeTestClient(server);
    const result = await uploadSarif(client, { ...fast, ctx: makePrContext(), sarif: written });
    expect(result.outcome).toBe('failed');
    expect(result.warning).toBe(
      "SARIF upload failed: HTTP 413 (Payload Too Large - https://docs.github.com/rest): the payload is over GitHub's size limit.",
    );
    expect(server.state.requests).toHaveLength(1);
  });

  it.each([
    ['fork', 'comes from a fork'],
    ['dependabot', 'triggered by Dependabot'],
  ] as const)('a 403 names the read-only cause (%s)', async (cause, wording) => {
    server.faults.add({ route: UPLOAD, type: 'read-only' });
    const { client } = makeTestClient(server);
    const result = await uploadSarif(client, {
      ...fast,
      ctx: makePrContext(),
      sarif: written,
      readOnlyCause: cause,
    });
    expect(result.warning).toContain("'permissions: security-events: write'");
    expect(result.warning).toContain(wording);
  });

  it.each([
    ['read-only', 'security-events: write'],
    ['advanced-security-disabled', 'Advanced Security'],
    ['not-found', 'code scanning'],
  ] as const)('%s → a warning naming what is missing, no retry, no throw', async (type, hint) => {
    server.faults.add({ route: UPLOAD, type, times: 5 });
    const { client } = makeTestClient(server);
    const result = await uploadSarif(client, { ...fast, ctx: makePrContext(), sarif: written });
    expect(result.outcome).toBe('failed');
    expect(result.warning).toContain(hint);
    expect(server.state.requests).toHaveLength(1);
  });

  it('retries a 502 on upload', async () => {
    server.faults.add({ route: UPLOAD, type: 'bad-gateway' });
    const { client } = makeTestClient(server);
    const result = await uploadSarif(client, { ...fast, ctx: makePrContext(), sarif: written });
    expect(result.outcome).toBe('uploaded');
    expect(server.state.sarifs).toHaveLength(1);
  });

  it('skips when the event names no commit/ref', async () => {
    const { client } = makeTestClient(server);
    const result = await uploadSarif(client, {
      ...fast,
      ctx: makePrContext({ sarifTarget: undefined }),
      sarif: written,
    });
    expect(result.outcome).toBe('skipped');
    expect(server.state.requests).toHaveLength(0);
  });
});
