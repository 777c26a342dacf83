/**
 * Turns an unexpected error into the one line `setFailed` prints, naming the
 * missing permission or setting for GitHub API errors.
 */

interface HttpLikeError {
  status?: number;
  request?: { method?: string; url?: string };
  message?: string;
}

const PERMISSION_HINTS: Array<[RegExp, string]> = [
  [
    /code-scanning/,
    'the token needs `security-events: write` and code scanning must be enabled for the repository',
  ],
  [/check-runs/, 'the token needs `checks: write`'],
  [/issues\/\d+\/comments|issues\/comments/, 'the token needs `pull-requests: write`'],
  [/contents/, 'the token needs `contents: read`'],
];

/** A one-line description; GitHub 403/404 errors get a hint about permissions. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `Unexpected error: ${String(error)}`;
  const http = error as Error & HttpLikeError;
  if (typeof http.status === 'number' && (http.status === 403 || http.status === 404)) {
    const url = http.request?.url ?? '';
    const hint = PERMISSION_HINTS.find(([pattern]) => pattern.test(url))?.[1];
    return `GitHub API ${http.request?.method ?? ''} ${url} answered ${http.status}: ${error.message}${hint ? ` (${hint})` : ''}`;
  }
  return `${error.name === 'Error' ? 'Unexpected error' : error.name}: ${error.message}`;
}
