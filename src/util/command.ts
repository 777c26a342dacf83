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
  env?: NodeJS.ProcessEnv;
  /** Cap on captured stdout/stderr (bytes each); scanners write reports to files instead. */
  maxOutputBytes?: number;
}

/** Runs a program with an argument array: never through a shell. */
export interface CommandRunner {
  run(file: string, args: string[], options: CommandOptions): Promise<CommandResult>;
}

const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;

/**
 * The real runner. No shell is involved (`/bin/sh` would drop the runner's
 * `INPUT_*` variables and interpret untrusted text), the child is killed on
 * timeout, and output is captured up to a cap.
 */
export function createCommandRunner(): CommandRunner {
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
          env: options.env ?? process.env,
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
