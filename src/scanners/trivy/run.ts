/**
 * The Trivy scanner strategy: find the binary, read what it can do, run it
 * with an argument array and a timeout, and parse its JSON report.
 * Fail-closed: every way the run can go wrong ends as `ScanOutcome.error`
 * with one line naming trivy and the cause, and no findings.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ReportFormatError, ScannerError } from '../../config/errors.js';
import type { FindingSource } from '../../findings/finding.js';
import type { CommandOptions, CommandResult } from '../../util/command.js';
import { sanitizeLogText } from '../../util/safe-text.js';
import type { ScanContext, ScannerStrategy, ScanOutcome } from '../types.js';
import { withDbFallback } from '../../install/db-cache.js';
import { buildTrivyArgs, trivySubcommand, type TrivyArgs } from './args.js';
import { resolveTrivyBinary } from './binary.js';
import { parseTrivyHelp, parseTrivyVersion, type TrivyCapabilities } from './capabilities.js';
import { parseTrivyReport } from './parse.js';

export interface TrivyScannerOptions {
  /** Where the binary comes from (default: `trivy-path`, else PATH); a download step plugs in here. */
  resolveBinary?: (context: ScanContext) => Promise<string>;
  /** How long past Trivy's own `--timeout` the process may run before it is killed (default: see `graceFor`). */
  timeoutGraceMs?: number;
  /** Pause before retrying a DB repository after a DB download failure (default: `withDbFallback`'s). */
  dbRetryDelayMs?: number;
}

const PROBE_TIMEOUT_MS = 60_000;
/** The longest grace past Trivy's own `--timeout`, for long scans. */
const MAX_GRACE_MS = 30_000;
const MIN_GRACE_MS = 1_000;
const STDERR_TAIL = 300;

/** The Trivy entry of the scanner strategy table. */
export function createTrivyScanner(options: TrivyScannerOptions = {}): ScannerStrategy {
  const resolveBinary = options.resolveBinary ?? resolveTrivyBinary;
  return {
    name: 'trivy',
    async scan(context) {
      const state: { version?: string } = {};
      try {
        return await scanWithTrivy(context, {
          binary: await resolveBinary(context),
          graceMs: options.timeoutGraceMs ?? graceFor(context.config.timeoutMs),
          dbRetryDelayMs: options.dbRetryDelayMs,
          state,
        });
      } catch (error) {
        return {
          scanner: 'trivy',
          tool: 'Trivy',
          version: state.version,
          target: context.config.scanRef,
          findings: [],
          error: describeError(error),
        };
      }
    },
  };
}

/**
 * Trivy stops itself at its `--timeout` and says why; the grace only covers a
 * Trivy that does not. It is a tenth of the limit (1–30 s), so a short
 * `timeout` is still a short step rather than one padded by 30 s.
 */
export function graceFor(timeoutMs: number): number {
  return Math.min(MAX_GRACE_MS, Math.max(MIN_GRACE_MS, Math.round(timeoutMs / 10)));
}

interface ScanDeps {
  binary: string;
  graceMs: number;
  dbRetryDelayMs?: number;
  /** Filled as soon as known, so an error outcome can still name the version. */
  state: { version?: string };
}

async function scanWithTrivy(context: ScanContext, deps: ScanDeps): Promise<ScanOutcome> {
  const { config, logger } = context;
  const { version, capabilities } = await probeTrivy(context, deps.binary);
  deps.state.version = version;
  const root =
    config.scanType === 'fs'
      ? await resolveScanRoot(context)
      : { pathPrefix: '', inWorkspace: true };
  const outputFile = join(context.tempDir, `trivy-${randomUUID()}.json`);
  const plan = buildTrivyArgs({ config, capabilities, outputFile, pathPrefix: root.pathPrefix });
  if (plan.scanners.length === 0) {
    throw new ScannerError(
      'trivy',
      `none of the requested scanners (${config.trivyScanners.join(', ')}) is supported by this binary. ${plan.notes.join(' ')}`,
    );
  }
  logger.info(
    `Running Trivy ${version ?? '(version unknown)'}: ${trivySubcommand(config.scanType)} scan of ${config.scanRef} (${plan.scanners.join(', ')})`,
  );
  logger.debug(`trivy ${plan.args.join(' ')}`);
  const report = await runAndRead(context, deps, plan, outputFile);
  const source: FindingSource = {
    tool: 'Trivy',
    scanner: 'trivy',
    toolVersion: version,
    informationUri: 'https://github.com/aquasecurity/trivy',
  };
  const parsed = parseReportOrThrow(report, source, root.pathPrefix);
  const notes = [...plan.notes, ...parsed.notes];
  if (parsed.suppressedByVex > 0)
    notes.push(`Trivy suppressed ${parsed.suppressedByVex} finding(s) by VEX statements.`);
  if (!root.inWorkspace) {
    // Paths outside the checkout cannot be repository locations (and must not be guessed as ones).
    for (const finding of parsed.findings) delete finding.location;
    notes.push('The scanned directory is outside the workspace: findings have no file locations.');
  }
  return {
    scanner: 'trivy',
    tool: 'Trivy',
    version: version ?? parsed.version,
    target: parsed.target || config.scanRef,
    findings: parsed.findings,
    notes,
  };
}

/**
 * Runs the scan and reads its report; the report file never outlives this
 * call. A failed DB download is retried, then the next `trivy-db-repositories`
 * entry is tried (Trivy before 0.56 takes one repository per run).
 */
async function runAndRead(
  context: ScanContext,
  deps: ScanDeps,
  plan: TrivyArgs,
  outputFile: string,
): Promise<unknown> {
  try {
    const runOnce = (args: string[]): Promise<CommandResult> =>
      run(context, deps.binary, args, { timeoutMs: context.config.timeoutMs + deps.graceMs });
    const result =
      plan.db.repositories.length === 0
        ? await runOnce(plan.args)
        : await withDbFallback({
            repositories: plan.db.repositories,
            capabilities: { multipleDbRepositories: plan.db.list },
            logger: context.logger,
            run: (dbArgs) => runOnce([...plan.db.baseArgs, ...dbArgs]),
            ...(deps.dbRetryDelayMs === undefined ? {} : { retryDelayMs: deps.dbRetryDelayMs }),
          });
    checkExit(result, context.config.timeoutMs);
    return await readReport(outputFile);
  } finally {
    // It holds Trivy's unmasked code context around secrets.
    await rm(outputFile, { force: true });
  }
}

/** Version and capabilities of the subcommand about to run, from the binary itself. */
async function probeTrivy(
  context: ScanContext,
  binary: string,
): Promise<{ version?: string; capabilities: TrivyCapabilities }> {
  const versionRun = await run(context, binary, ['--version'], { timeoutMs: PROBE_TIMEOUT_MS });
  if (versionRun.spawnError) throw spawnFailure(binary, versionRun.spawnError);
  const version = parseTrivyVersion(`${versionRun.stdout}\n${versionRun.stderr}`);
  const subcommand = trivySubcommand(context.config.scanType);
  const helpRun = await run(context, binary, [subcommand, '--help'], {
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  if (helpRun.spawnError) throw spawnFailure(binary, helpRun.spawnError);
  if (helpRun.timedOut || !/--format\b/.test(helpRun.stdout + helpRun.stderr)) {
    throw new ScannerError(
      'trivy',
      `\`${subcommand} --help\` did not list the options of a Trivy ${subcommand} scan; is ${JSON.stringify(binary)} Trivy?${stderrTail(helpRun.stderr)}`,
    );
  }
  return { version, capabilities: parseTrivyHelp(`${helpRun.stdout}\n${helpRun.stderr}`) };
}

/** Runs the binary in the workspace with the environment minus the action's inputs (the token among them). */
function run(
  context: ScanContext,
  binary: string,
  args: string[],
  options: Pick<CommandOptions, 'timeoutMs'>,
): Promise<CommandResult> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('INPUT_')),
  );
  return context.runner.run(binary, args, { ...options, cwd: context.workspace, env });
}

/** The repository-relative scan root of an fs scan (a file's directory for a single file). */
async function resolveScanRoot(
  context: ScanContext,
): Promise<{ pathPrefix: string; inWorkspace: boolean }> {
  const absolute = resolve(context.workspace, context.config.scanRef);
  let isFile: boolean;
  try {
    isFile = (await stat(absolute)).isFile();
  } catch {
    throw new ScannerError(
      'trivy',
      `the scan-ref ${JSON.stringify(context.config.scanRef)} does not exist in the workspace.`,
    );
  }
  const rel = relative(context.workspace, isFile ? dirname(absolute) : absolute);
  if (rel.startsWith('..') || isAbsolute(rel)) return { pathPrefix: '', inWorkspace: false };
  return { pathPrefix: rel.split(sep).join('/'), inWorkspace: true };
}

function checkExit(result: CommandResult, timeoutMs: number): void {
  if (result.spawnError)
    throw new ScannerError('trivy', `could not be started: ${result.spawnError.message}`);
  if (result.timedOut) {
    throw new ScannerError(
      'trivy',
      `timed out after ${Math.round(timeoutMs / 1000)}s (the 'timeout' input): raise it, or narrow the scan with 'skip-dirs'.${stderrTail(result.stderr)}`,
    );
  }
  if (result.exitCode !== 0) {
    const how =
      result.exitCode === null
        ? `was killed by ${result.signal ?? 'a signal'}`
        : `exited with code ${result.exitCode}`;
    throw new ScannerError(
      'trivy',
      `${how}.${stderrTail(result.stderr) || ' It wrote no error output.'}`,
    );
  }
}

/** Reads the report Trivy wrote. */
async function readReport(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ScannerError('trivy', 'exited successfully but wrote no report file.');
  }
  if (text.trim() === '') throw new ScannerError('trivy', 'wrote an empty report file.');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ScannerError(
      'trivy',
      `wrote a report that is not valid JSON (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
}

function parseReportOrThrow(
  report: unknown,
  source: FindingSource,
  pathPrefix: string,
): ReturnType<typeof parseTrivyReport> {
  try {
    return parseTrivyReport(report, { source, pathPrefix });
  } catch (error) {
    if (error instanceof ReportFormatError) {
      throw new ScannerError(
        'trivy',
        `wrote a report this version of Security Gate does not understand: ${error.message.replace(/^trivy: /, '')}`,
      );
    }
    throw error;
  }
}

function spawnFailure(binary: string, error: NodeJS.ErrnoException): ScannerError {
  return new ScannerError(
    'trivy',
    `could not start ${JSON.stringify(binary)}: ${error.code ?? error.message}.`,
  );
}

/** The last characters of stderr on one safe line (colours and workflow commands removed). */
export function stderrTail(stderr: string): string {
  const plain = stderr
    // eslint-disable-next-line no-control-regex -- ANSI colour sequences are exactly what is being removed
    .replace(/\u001b\[[0-9;]*[A-Za-z]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (plain === '') return '';
  const tail = plain.length > STDERR_TAIL ? `…${plain.slice(-(STDERR_TAIL - 1))}` : plain;
  return ` Trivy said: ${sanitizeLogText(tail)}`;
}

function describeError(error: unknown): string {
  if (error instanceof ScannerError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return `trivy: ${sanitizeLogText(message.replace(/\s+/g, ' '))}`;
}
