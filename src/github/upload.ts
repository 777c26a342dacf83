/**
 * SARIF upload to code scanning: gzip + base64, one POST, then a bounded
 * poll of the processing status. Best effort: every failure is returned as
 * a warning line, never thrown (the SARIF file is written either way).
 *
 * The 10 MB limit is measured on the gzip of the exact text uploaded — the
 * written file — not on another serialisation of the same log.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Log } from 'sarif';
import { z } from 'zod';
import type { Logger } from '../util/logger.js';
import { sanitizeLogText, truncate } from '../util/safe-text.js';
import type { GitHubClient } from './client.js';
import type { RunContext } from './context.js';
import { describeGitHubError, readStatus, type ReadOnlyCause } from './errors.js';

/** GitHub refuses SARIF uploads over 10 MB once gzipped. */
export const MAX_SARIF_GZIP_BYTES = 10 * 1024 * 1024;

export type ProcessingStatus = 'pending' | 'complete' | 'failed';

export interface UploadResult {
  outcome: 'uploaded' | 'skipped' | 'failed';
  sarifId?: string;
  /** Last status seen; `pending` when the poll ran out of time. */
  processingStatus?: ProcessingStatus;
  /** Processing errors GitHub reported (sanitised, at most 20). */
  errors: string[];
  /** One line for the log when something went wrong. */
  warning?: string;
  /** One line for the log when the upload was skipped on purpose. */
  note?: string;
}

/** The SARIF file as written: its text, uploaded as it is, and the log it encodes. */
export interface WrittenSarif {
  text: string;
  log: Log;
}

export interface UploadOptions {
  ctx: RunContext;
  sarif: WrittenSarif;
  logger: Logger;
  /** How long to wait for processing (default 120 s; 0 = do not poll). */
  pollTimeoutMs?: number;
  pollIntervalMs?: number;
  /** Why the token is read-only, when the run says so (named in a 403/404 warning). */
  readOnlyCause?: ReadOnlyCause;
  /** GitHub's limit by default; tests lower it. */
  maxGzipBytes?: number;
}

type SarifTarget = NonNullable<RunContext['sarifTarget']>;

const gzipAsync = promisify(gzip);

const receiptSchema = z.object({ id: z.string().min(1), url: z.string().optional() });
const statusSchema = z.object({
  processing_status: z.enum(['pending', 'complete', 'failed']),
  errors: z.array(z.string()).nullish(),
});

/** Uploads the SARIF text to the run's commit/ref. Never throws. */
export async function uploadSarif(
  client: GitHubClient,
  options: UploadOptions,
): Promise<UploadResult> {
  const { ctx } = options;
  const prepared = await prepareUpload(options);
  if ('outcome' in prepared) return prepared;
  const { target, gzipped } = prepared;
  let sarifId: string;
  try {
    const response = await client.rest.codeScanning.uploadSarif({
      owner: ctx.owner,
      repo: ctx.repo,
      commit_sha: target.commitSha,
      ref: target.ref,
      sarif: gzipped.toString('base64'),
    });
    sarifId = receiptSchema.parse(response.data).id;
  } catch (error) {
    return {
      outcome: 'failed',
      errors: [],
      warning: `SARIF upload failed: ${describeGitHubError('upload', error, options.readOnlyCause)}`,
    };
  }
  options.logger.info(
    `SARIF uploaded to ${target.ref} (${target.commitSha.slice(0, 12)}), id ${sarifId}.`,
  );
  return pollProcessing(client, { ...options, sarifId });
}

/** Where to send which gzipped bytes, or the result of not sending them. */
async function prepareUpload(
  options: UploadOptions,
): Promise<{ target: SarifTarget; gzipped: Buffer } | UploadResult> {
  const target = options.ctx.sarifTarget;
  if (!target) {
    return {
      outcome: 'skipped',
      errors: [],
      warning: 'SARIF upload skipped: the event names no commit and ref to upload to.',
    };
  }
  // What the pipeline writes when every scanner failed (their runs are left out) and nothing was imported.
  if (options.sarif.log.runs.length === 0) {
    return {
      outcome: 'skipped',
      errors: [],
      note:
        'SARIF upload skipped: the SARIF has no runs (no scanner succeeded and no report was imported). ' +
        "A failed scanner's run is never uploaded: an empty run would close that tool's open alerts.",
    };
  }
  // Off the main thread: a large SARIF takes a while to compress.
  const gzipped = await gzipAsync(Buffer.from(options.sarif.text, 'utf8'));
  const limit = options.maxGzipBytes ?? MAX_SARIF_GZIP_BYTES;
  if (gzipped.length <= limit) return { target, gzipped };
  return {
    outcome: 'failed',
    errors: [],
    warning: `SARIF upload skipped: ${megabytes(gzipped.length)} gzipped is over GitHub's ${megabytes(limit)} limit.`,
  };
}

function megabytes(bytes: number): string {
  return `${Number((bytes / 1024 / 1024).toFixed(2))} MB`;
}

/**
 * Polls until GitHub has processed the SARIF or the poll's time is up. The
 * deadline bounds each request too: with its timeouts, retries and backoffs
 * one status request could otherwise outlast the whole poll.
 */
async function pollProcessing(
  client: GitHubClient,
  options: UploadOptions & { sarifId: string },
): Promise<UploadResult> {
  const timeoutMs = options.pollTimeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const interval = options.pollIntervalMs ?? 5_000;
  const { sarifId } = options;
  let seen: ProcessingState = { status: 'pending', errors: [] };
  for (let remaining = timeoutMs; remaining > 0; remaining = deadline - Date.now()) {
    try {
      const state = await readProcessing(client, options, remaining);
      if (state === undefined) break;
      seen = state;
      if (seen.status !== 'pending') break;
    } catch (error) {
      // Right after the upload the id may not be known yet (404): keep polling.
      if (readStatus(error) !== 404) {
        return {
          outcome: 'uploaded',
          sarifId,
          processingStatus: seen.status,
          errors: seen.errors,
          warning: `SARIF processing status unknown: ${describeGitHubError('upload', error)}`,
        };
      }
    }
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
  if (seen.status === 'pending') {
    const seconds = Number((timeoutMs / 1000).toFixed(1));
    options.logger.info(
      `SARIF ${sarifId} is still being processed after ${seconds}s; not waiting longer. ` +
        'Code scanning shows the results once it is done.',
    );
  }
  return {
    outcome: 'uploaded',
    sarifId,
    processingStatus: seen.status,
    errors: seen.errors,
    warning: describeProcessing(seen.status, seen.errors),
  };
}

interface ProcessingState {
  status: ProcessingStatus;
  /** Sanitised, at most 20. */
  errors: string[];
}

/** One status request, aborted after `remainingMs`: undefined when it was. */
async function readProcessing(
  client: GitHubClient,
  options: UploadOptions & { sarifId: string },
  remainingMs: number,
): Promise<ProcessingState | undefined> {
  const signal = AbortSignal.timeout(remainingMs);
  try {
    const response = await client.rest.codeScanning.getSarif({
      owner: options.ctx.owner,
      repo: options.ctx.repo,
      sarif_id: options.sarifId,
      request: { signal },
    });
    const parsed = statusSchema.parse(response.data);
    return {
      status: parsed.processing_status,
      errors: (parsed.errors ?? []).slice(0, 20).map((e) => truncate(sanitizeLogText(e), 500)),
    };
  } catch (error) {
    // Whatever failed once the time was up (the request, or reading its body) is the deadline.
    if (signal.aborted) return undefined;
    throw error;
  }
}

function describeProcessing(status: ProcessingStatus, errors: string[]): string | undefined {
  if (status === 'failed') {
    return `Code scanning could not process the SARIF: ${errors.join('; ') || 'no reason given'}.`;
  }
  if (errors.length > 0)
    return `Code scanning reported problems with the SARIF: ${errors.join('; ')}.`;
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
