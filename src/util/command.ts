/**
 * Running external programs (the scanners): argument arrays, timeouts,
 * capped output, and an environment without the action's credentials.
 */
import { spawn } from 'node:child_process';

/** Outcome of one external command. */
export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the process could not be started at all (ENOENT, EACCES, …). */
  spawnError?: NodeJS.ErrnoException;
}

export interface CommandOptions {
  timeoutMs: number;
  cwd?: string;
  /** Variables added to `childEnv()` (e.g. a scanner's DB directory). */
  extraEnv?: Record<string, string>;
  /** Cap on captured stdout/stderr (bytes each); scanners write reports to files instead. */
  maxOutputBytes?: number;
}

/** Runs a program with an argument array: never through a shell. */
export interface CommandRunner {
  run(file: string, args: string[], options: CommandOptions): Promise<CommandResult>;
}

const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;

/**
 * Credentials of the job that are the action's, never a child's: the
 * runner's for the cache, artifacts and OIDC, and a `GITHUB_TOKEN` or
 * `GH_TOKEN` the workflow put in the environment.
 */
const JOB_CREDENTIALS = new Set([
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'GITHUB_TOKEN',
  'GH_TOKEN',
]);

/**
 * The environment every child process gets: `process.env` without the
 * action's inputs (`INPUT_*`, the `github-token` among them) and the job's
 * credentials, plus `extra`. Everything else stays: PATH, HOME, proxies, a
 * scanner's own `TRIVY_*` / `GRYPE_*` settings from the workflow. A scanner's
 * plugins or a hostile config in the checkout must never see a token.
 */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('INPUT_') && !JOB_CREDENTIALS.has(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * The real runner. No shell is involved (`/bin/sh` would interpret
 * untrusted text), the child is killed on timeout, its environment is
 * `childEnv` (no token), and output is captured up to a cap.
 */
export function createCommandRunner(settings: { tempDir?: string } = {}): CommandRunner {
  // Scanners leave scratch files behind (Trivy's analyzer-fs-* on a killed or
  // failed run): inside the run's own temp dir, they go when it is removed.
  const runnerEnv: Record<string, string> =
    settings.tempDir === undefined ? {} : { TMPDIR: settings.tempDir };
  return {
    run(file, args, options) {
      return new Promise((resolve) => {
        const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let stdoutBytes = 0;
        let stderrBytes = 0;
        let timedOut = false;
        let settled = false;
        const child = spawn(file, args, {
          cwd: options.cwd,
          env: childEnv({ ...runnerEnv, ...options.extraEnv }),
          shell: false,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, options.timeoutMs);
        child.stdout.on('data', (chunk: Buffer) => {
          if (stdoutBytes < max) stdout.push(chunk);
          stdoutBytes += chunk.length;
        });
        child.stderr.on('data', (chunk: Buffer) => {
          if (stderrBytes < max) stderr.push(chunk);
          stderrBytes += chunk.length;
        });
        const finish = (result: Partial<CommandResult>): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({
            exitCode: null,
            signal: null,
            stdout: Buffer.concat(stdout).toString('utf8'),
            stderr: Buffer.concat(stderr).toString('utf8'),
            timedOut,
            ...result,
          });
        };
        child.on('error', (error: NodeJS.ErrnoException) => finish({ spawnError: error }));
        child.on('close', (code, signal) => finish({ exitCode: code, signal }));
      });
    },
  };
}
