/**
 * Turns a failed GitHub API call into one line a user can act on: which
 * permission or repository setting is missing and how to grant it. Used by
 * every best-effort channel so the warnings read the same.
 */
import { sanitizeLogText, truncate } from '../util/safe-text.js';
import { readRateLimitWait } from './client.js';

/** Which reporter made the call: decides the permission the hint names. */
export type GitHubChannel = 'upload' | 'comment' | 'check-run' | 'lookup' | 'contents';

/**
 * Why the token is read-only, when the run says so: a pull request from a
 * fork, or a run Dependabot triggered. Named in 403/404 warnings so the user
 * knows granting the permission in the workflow will not (fork) or may
 * (Dependabot) help.
 */
export type ReadOnlyCause = 'fork' | 'dependabot';

const PERMISSION: Record<GitHubChannel, string> = {
  upload: 'security-events: write',
  comment: 'pull-requests: write',
  'check-run': 'checks: write',
  lookup: 'pull-requests: read',
  // The base branch's copies of the waiver files.
  contents: 'contents: read',
};

const CAUSE: Record<ReadOnlyCause, string> = {
  fork:
    'This pull request comes from a fork, so its token is read-only whatever the workflow grants: ' +
    'use the workflow_run pattern from the README.',
  dependabot:
    "This run was triggered by Dependabot, whose token is read-only unless the workflow's " +
    "'permissions:' grants more.",
};

/** The HTTP status of an Octokit RequestError (or a timeout, as 500), if any. */
export function readStatus(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error) {
    const status = (error as { status: unknown }).status;
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}

/** The error's message as one safe, short line (API messages are echoed, never trusted). */
export function readMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return truncate(sanitizeLogText(text).replace(/\s+/g, ' ').trim(), 300);
}

/** A 403/429 that the client would have waited out (`retry-after`, remaining 0, …). */
function isRateLimit(error: unknown): boolean {
  return (
    readRateLimitWait(error, Date.now()) !== undefined || /rate limit/i.test(readMessage(error))
  );
}

/**
 * One line explaining why a channel failed. 403/404 name the missing
 * permission (read-only tokens of fork PRs and Dependabot) or setting, and
 * `cause` when the run is known to have a read-only token.
 */
export function describeGitHubError(
  channel: GitHubChannel,
  error: unknown,
  cause?: ReadOnlyCause,
): string {
  const status = readStatus(error);
  const message = readMessage(error);
  if ((status === 403 || status === 429) && isRateLimit(error)) {
    return `GitHub rate limit still exceeded after waiting (HTTP ${status}: ${message}).`;
  }
  if (status === 401)
    return `the token was rejected (HTTP 401: ${message}); check the 'github-token' input.`;
  if (status === 403 || status === 404) return describeForbidden(channel, status, message, cause);
  if (status === 413) return `HTTP 413 (${message}): the payload is over GitHub's size limit.`;
  return status === undefined ? message : `HTTP ${status} (${message}).`;
}

function describeForbidden(
  channel: GitHubChannel,
  status: number,
  message: string,
  cause: ReadOnlyCause | undefined,
): string {
  const grant = `HTTP ${status} (${message}). Grant 'permissions: ${PERMISSION[channel]}' to the job`;
  const scanning =
    channel === 'upload'
      ? ', and make sure code scanning is enabled for the repository (private repositories need ' +
        'GitHub Advanced Security / Code Security).'
      : '.';
  if (cause !== undefined) return `${grant}${scanning} ${CAUSE[cause]}`;
  const readOnly =
    channel === 'upload'
      ? 'Pull requests from forks and Dependabot get a read-only token.'
      : 'Pull requests from forks and Dependabot get a read-only token: use the workflow_run pattern from the README.';
  return `${grant}${scanning} ${readOnly}`;
}
