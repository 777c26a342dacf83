/**
 * Turns a failed GitHub API call into one line a user can act on: which
 * permission or repository setting is missing and how to grant it. Used by
 * every best-effort channel so the warnings read the same.
 */
import { sanitizeLogText, truncate } from '../util/safe-text.js';

/** Which reporter made the call: decides the permission the hint names. */
export type GitHubChannel = 'upload' | 'comment' | 'check-run' | 'lookup';

const PERMISSION: Record<GitHubChannel, string> = {
  upload: 'security-events: write',
  comment: 'pull-requests: write',
  'check-run': 'checks: write',
  lookup: 'pull-requests: read',
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

function isRateLimit(error: unknown): boolean {
  return /rate limit/i.test(readMessage(error));
}

/**
 * One line explaining why a channel failed. 403/404 name the missing
 * permission (read-only tokens of fork PRs and Dependabot) or setting.
 */
export function describeGitHubError(channel: GitHubChannel, error: unknown): string {
  const status = readStatus(error);
  const message = readMessage(error);
  const permission = PERMISSION[channel];
  if (status === 403 && isRateLimit(error)) {
    return `GitHub rate limit still exceeded after waiting (HTTP 403: ${message}).`;
  }
  if (status === 429)
    return `GitHub rate limit still exceeded after waiting (HTTP 429: ${message}).`;
  if (status === 401)
    return `the token was rejected (HTTP 401: ${message}); check the 'github-token' input.`;
  if (channel === 'upload' && (status === 403 || status === 404)) {
    return (
      `HTTP ${status} (${message}). Grant 'permissions: ${permission}' to the job, and make sure code scanning ` +
      'is enabled for the repository (private repositories need GitHub Advanced Security / Code Security). ' +
      'Pull requests from forks and Dependabot get a read-only token.'
    );
  }
  if (status === 403 || status === 404) {
    return (
      `HTTP ${status} (${message}). Grant 'permissions: ${permission}' to the job. Pull requests from forks ` +
      'and Dependabot get a read-only token: use the workflow_run pattern from the README.'
    );
  }
  if (status === 413) return `HTTP 413 (${message}): the payload is over GitHub's size limit.`;
  return status === undefined ? message : `HTTP ${status} (${message}).`;
}
