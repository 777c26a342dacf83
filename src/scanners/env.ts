/**
 * The environment a scanner process gets: the step's own, minus what no
 * scanner needs and a scanner's plugins or a hostile config must never see.
 */

/** The runner's credentials for the job's cache, artifacts and OIDC: the action's, not a scanner's. */
const RUNNER_CREDENTIALS = new Set([
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
]);

/**
 * `process.env` without the action's inputs (`INPUT_*`, the `github-token`
 * among them) and the runner's credentials, plus `extra` (e.g. a DB
 * directory). Everything else stays: PATH, HOME, proxies, the scanner's own
 * `TRIVY_*` / `GRYPE_*` settings from the workflow.
 */
export function scannerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('INPUT_') && !RUNNER_CREDENTIALS.has(key),
    ),
  );
  return { ...env, ...extra };
}
