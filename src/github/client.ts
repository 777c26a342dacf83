/**
 * The one Octokit the GitHub reporters share. Built on demand (never at
 * import time) with retries on 5xx and network timeouts, and rate-limit
 * waits that honour GitHub's `retry-after` / `x-ratelimit-reset` but stay
 * within a bounded total time so a throttled API can never hang the step.
 */
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type Bottleneck from 'bottleneck';
import type { Logger } from '../util/logger.js';

const GitHubOctokit = Octokit.plugin(retry, throttling);

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
 * SARIF status polling) for tests against a local GitHub API stand-in. It is
 * honoured only when `GITHUB_API_URL` is a loopback address, so a workflow
 * can never use it to hammer the real API.
 */
export const LOOPBACK_TEST_TIMING_ENV = 'SECURITY_GATE_LOOPBACK_TEST_TIMING';

/** The shortened waits of `LOOPBACK_TEST_TIMING_ENV`. */
export interface ClientTiming {
  writeSpacingMs: number;
  retryBaseMs: number;
  uploadPollIntervalMs: number;
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
    timing: { writeSpacingMs: 0, retryBaseMs: 10, uploadPollIntervalMs: 50 },
    ignored: false,
  };
}

/** Statuses a retry can never fix; 403 and 429 are left to the rate-limit handler. */
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451];
const MAX_RATE_LIMIT_RETRIES = 3;

/** Creates the authenticated client. No request is made here. */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const budget = { remainingMs: options.maxRetryWaitMs ?? 120_000 };
  const onLimit = createLimitHandler(options.logger, budget);
  const spacing = options.writeSpacingMs;
  return new GitHubOctokit({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    userAgent: options.userAgent ?? 'security-gate',
    request: { fetch: createTimedFetch(options.requestTimeoutMs ?? 30_000) },
    retry: {
      doNotRetry: DO_NOT_RETRY,
      retries: options.retries ?? 3,
      retryAfterBaseValue: options.retryBaseMs ?? 1000,
    },
    throttle: {
      onRateLimit: onLimit,
      onSecondaryRateLimit: onLimit,
      // Without `retry-after`, GitHub asks for at least a minute; the budget still caps it.
      fallbackSecondaryRateRetryAfter: 60,
      ...(spacing === undefined
        ? {}
        : { write: createSpacingGroup(spacing), notifications: createSpacingGroup(spacing) }),
    },
    log: {
      debug: (message: string) => options.logger.debug(message),
      info: (message: string) => options.logger.debug(message),
      warn: (message: string) => options.logger.debug(message),
      error: (message: string) => options.logger.debug(message),
    },
  });
}

/**
 * Decides whether to wait out a rate limit: only a few times, and only while
 * the client's total wait budget lasts; otherwise the 403/429 surfaces and
 * the caller turns it into a warning.
 */
function createLimitHandler(logger: Logger, budget: { remainingMs: number }) {
  return (
    retryAfterSeconds: number,
    request: { method: string; url: string },
    _octokit: unknown,
    retryCount: number,
  ): boolean => {
    const waitMs = Math.max(0, retryAfterSeconds) * 1000;
    const what = `${request.method} ${request.url}`;
    if (retryCount >= MAX_RATE_LIMIT_RETRIES || waitMs > budget.remainingMs) {
      logger.info(
        `GitHub rate limit on ${what}: not waiting ${retryAfterSeconds}s (retry budget used up).`,
      );
      return false;
    }
    budget.remainingMs -= waitMs;
    logger.info(`GitHub rate limit on ${what}: retrying in ${retryAfterSeconds}s.`);
    return true;
  };
}

/**
 * A per-attempt timeout: the signal is made for each fetch, so a retried
 * request gets a fresh time limit. A timeout surfaces as a 500-class
 * RequestError, which plugin-retry retries.
 */
function createTimedFetch(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(input, { ...init, signal });
  };
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
