/**
 * The one Octokit the GitHub reporters share. Built on demand (never at
 * import time) with retries on 5xx and network timeouts, and rate-limit
 * waits that honour GitHub's `retry-after` / `x-ratelimit-reset` but stay
 * within a bounded total time so a throttled API can never hang the step.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type Bottleneck from 'bottleneck';
import type { Logger } from '../util/logger.js';

const GitHubOctokit = Octokit.plugin(retry, throttling, waitOutRateLimits);

/** The client every function under `github/` takes. */
export type GitHubClient = InstanceType<typeof GitHubOctokit>;

export interface GitHubClientOptions {
  token: string;
  /** `GITHUB_API_URL` (GitHub Enterprise Server has its own). */
  baseUrl: string;
  logger: Logger;
  userAgent?: string;
  /** Total time all rate-limit waits of this client may take (default 2 minutes). */
  maxRetryWaitMs?: number;
  /** Time limit of one HTTP attempt (default 30 s); a timeout is retried like a 5xx. */
  requestTimeoutMs?: number;
  /** Base of the 5xx backoff: waits are 1, 4, 9 × this (default 1000 ms). */
  retryBaseMs?: number;
  /** Retries after a 5xx or timeout (default 3). */
  retries?: number;
  /**
   * Spacing between mutating requests. Left unset, plugin-throttling's
   * defaults apply (1 s between writes, 3 s between notifying writes, as
   * GitHub asks of integrations); tests set it low.
   */
  writeSpacingMs?: number;
}

/**
 * Set to `true` to shorten the client's waits (write spacing, 5xx backoff,
 * SARIF status polling and its deadline) for tests against a local GitHub
 * API stand-in. It is honoured only when `GITHUB_API_URL` is a loopback
 * address, so a workflow can never use it to hammer the real API.
 */
export const LOOPBACK_TEST_TIMING_ENV = 'SECURITY_GATE_LOOPBACK_TEST_TIMING';

/** The shortened waits of `LOOPBACK_TEST_TIMING_ENV`. */
export interface ClientTiming {
  writeSpacingMs: number;
  retryBaseMs: number;
  uploadPollIntervalMs: number;
  uploadPollTimeoutMs: number;
}

/** True for `http(s)://127.x.x.x`, `[::1]` and `localhost` URLs. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * The test timing when `LOOPBACK_TEST_TIMING_ENV` asks for it and the API is
 * on this machine; otherwise undefined (GitHub's own pacing applies).
 */
export function readTestTiming(
  env: NodeJS.ProcessEnv,
  apiUrl: string,
): { timing?: ClientTiming; ignored: boolean } {
  if (env[LOOPBACK_TEST_TIMING_ENV] !== 'true') return { ignored: false };
  if (!isLoopbackUrl(apiUrl)) return { ignored: true };
  return {
    timing: {
      writeSpacingMs: 0,
      retryBaseMs: 10,
      uploadPollIntervalMs: 50,
      uploadPollTimeoutMs: 5_000,
    },
    ignored: false,
  };
}

/**
 * Every 4xx but 408 (Request Timeout): a retry cannot fix a refused payload
 * (413), a conflict (409) or a bad media type (406, 415). 403 and 429 are
 * rate limits only when the response says so; `waitOutRateLimits` decides.
 */
export const DO_NOT_RETRY: readonly number[] = Array.from(
  { length: 100 },
  (_, i) => 400 + i,
).filter((status) => status !== 408);
const MAX_RATE_LIMIT_RETRIES = 3;
/** GitHub asks to wait at least a minute when a rate limit names no time. */
const FALLBACK_RATE_LIMIT_SECONDS = 60;

/** Creates the authenticated client. No request is made here. */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const budget = { remainingMs: options.maxRetryWaitMs ?? 120_000 };
  const spacing = options.writeSpacingMs;
  const rateLimits: RateLimitPolicy = { logger: options.logger, budget };
  return new GitHubOctokit({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    userAgent: options.userAgent ?? 'security-gate',
    request: { fetch: createTimedFetch(options.requestTimeoutMs ?? 30_000) },
    retry: {
      doNotRetry: [...DO_NOT_RETRY],
      retries: options.retries ?? 3,
      retryAfterBaseValue: options.retryBaseMs ?? 1000,
    },
    // plugin-throttling paces writes as GitHub asks; its own rate-limit retries
    // are off because it ignores `retry-after` unless the message says
    // "secondary rate", and waits 0 s for `x-ratelimit-remaining: 0` without a
    // reset. `waitOutRateLimits` (below) handles every 403/429 instead.
    throttle: {
      onRateLimit: () => false,
      onSecondaryRateLimit: () => false,
      ...(spacing === undefined
        ? {}
        : { write: createSpacingGroup(spacing), notifications: createSpacingGroup(spacing) }),
    },
    rateLimits,
    log: {
      debug: (message: string) => options.logger.debug(message),
      info: (message: string) => options.logger.debug(message),
      warn: (message: string) => options.logger.debug(message),
      error: (message: string) => options.logger.debug(message),
    },
  });
}

/** What `waitOutRateLimits` needs: where to log, and the client's remaining wait budget. */
interface RateLimitPolicy {
  logger: Logger;
  budget: { remainingMs: number };
}

interface ResponseLike {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, unknown> };
}

/**
 * Seconds a 403/429 asks us to wait, or undefined when it is no rate limit
 * (a read-only token's 403). `retry-after` wins (any message, seconds or an
 * HTTP date); else `x-ratelimit-remaining: 0` waits until
 * `x-ratelimit-reset` plus a second; a 429 or a "secondary rate limit" 403
 * without either waits a minute, as GitHub's documentation asks.
 */
export function readRateLimitWait(error: unknown, nowMs: number): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, message, response } = error as ResponseLike;
  if (status !== 403 && status !== 429) return undefined;
  const headers = response?.headers ?? {};
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined && String(retryAfter).trim() !== '') {
    const text = String(retryAfter).trim();
    const seconds = /^\d+$/.test(text) ? Number(text) : (Date.parse(text) - nowMs) / 1000;
    if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  }
  if (String(headers['x-ratelimit-remaining']) === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    if (!Number.isFinite(reset) || reset <= 0) return FALLBACK_RATE_LIMIT_SECONDS;
    return Math.max(0, Math.ceil(reset - nowMs / 1000)) + 1;
  }
  if (status === 429 || /secondary rate limit/i.test(String(message ?? ''))) {
    return FALLBACK_RATE_LIMIT_SECONDS;
  }
  return undefined;
}

/**
 * Octokit plugin: waits out rate limits (see `readRateLimitWait`) a few
 * times per request, and only while the client's total wait budget lasts;
 * otherwise the 403/429 surfaces and the caller turns it into a warning.
 * Registered last, so it wraps the 5xx retries of plugin-retry.
 */
function waitOutRateLimits(
  octokit: Pick<Octokit, 'hook'>,
  octokitOptions: { rateLimits?: RateLimitPolicy; [option: string]: unknown },
): void {
  const policy = octokitOptions.rateLimits;
  if (!policy) return;
  octokit.hook.wrap('request', async (request, options) => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await request(options);
      } catch (error) {
        const seconds = readRateLimitWait(error, Date.now());
        if (seconds === undefined) throw error;
        const what = `${options.method} ${options.url}`;
        if (attempt >= MAX_RATE_LIMIT_RETRIES || seconds * 1000 > policy.budget.remainingMs) {
          policy.logger.info(
            `GitHub rate limit on ${what}: not waiting ${seconds}s (retry budget used up).`,
          );
          throw error;
        }
        policy.budget.remainingMs -= seconds * 1000;
        policy.logger.info(`GitHub rate limit on ${what}: retrying in ${seconds}s.`);
        // A caller's deadline (`request.signal`) ends the wait too: it rejects with an AbortError.
        await delay(seconds * 1000, undefined, { signal: options.request?.signal });
      }
    }
  });
}

/**
 * A per-attempt timeout: the signal is made for each fetch, so a retried
 * request gets a fresh time limit. A timeout surfaces as a 500-class
 * RequestError, which plugin-retry retries.
 *
 * The caller's own signal (`request: { signal }`, a deadline) is final
 * instead: its abort is rethrown as an `AbortError`, which @octokit/request
 * passes on as it is rather than as a RequestError, and plugin-retry only
 * retries RequestErrors. Retrying would only wait out backoffs past the
 * deadline for attempts that fail at once.
 */
function createTimedFetch(timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const caller = init?.signal ?? undefined;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = caller ? AbortSignal.any([caller, timeout]) : timeout;
    try {
      return await fetch(input, { ...init, signal });
    } catch (error) {
      if (caller?.aborted) throw callerAbort(caller);
      throw error;
    }
  };
}

function callerAbort(signal: AbortSignal): DOMException {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error ? reason.message : 'The operation was aborted.';
  return new DOMException(`The caller stopped the request: ${why}`, 'AbortError');
}

/**
 * The part of a Bottleneck group plugin-throttling uses (`key(id).schedule`),
 * spacing jobs `minTimeMs` apart. Lets tests avoid its process-wide 1–3 s
 * write spacing without reaching into a transitive dependency's runtime.
 */
function createSpacingGroup(minTimeMs: number): Bottleneck.Group {
  let chain: Promise<unknown> = Promise.resolve();
  let last = 0;
  const limiter = {
    schedule(_options: unknown, job: () => Promise<unknown>): Promise<unknown> {
      const run = chain.then(async () => {
        const wait = last + minTimeMs - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        last = Date.now();
      });
      chain = run.catch(() => undefined);
      return run.then(() => job());
    },
  };
  // Only `key().schedule()` is called on it (plugin-throttling's wrap-request).
  return { key: () => limiter } as unknown as Bottleneck.Group;
}
