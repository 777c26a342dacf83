/**
 * The Trivy scanner strategy: find the binary, read what it can do, run it
 * with an argument array and a timeout, and parse its JSON report.
 * Fail-closed: every way the run can go wrong ends as `ScanOutcome.error`
 * with one line naming trivy and the cause, and no findings — including a
 * `trivy-scanners` entry the binary cannot run. Nothing in the checkout
 * configures the run: its `trivy.yaml`, `trivy-secret.yaml` and
 * `.trivyignore` are replaced by empty files (see `isolation.ts`); the
 * action applies `.trivyignore` itself, as waivers that stay visible.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ReportFormatError, ScannerError } from '../../config/errors.js';
import type { FindingSource } from '../../findings/finding.js';
import type { Config } from '../../config/schema.js';
import type { CommandOptions, CommandResult } from '../../util/command.js';
import { sanitizeLogText } from '../../util/safe-text.js';
import type { ScanContext, ScannerStrategy, ScanOutcome } from '../types.js';
import { withDbFallback } from '../../install/db-cache.js';
import { buildTrivyArgs, trivySubcommand, type TrivyArgs } from './args.js';
import { resolveTrivyBinary } from './binary.js';
import { withTrivyIsolation } from './isolation.js';
import { parseTrivyReport } from './parse.js';
import { probeTrivy, stderrTail, type TrivyProbe, type TrivyProber } from './probe.js';

export interface TrivyScannerOptions {
  /** Where the binary comes from (default: `trivy-path`, else PATH); a download step plugs in here. */
  resolveBinary?: (context: ScanContext) => Promise<string>;
  /** How long past Trivy's own `--timeout` the process may run before it is killed (default: see `graceFor`). */
  timeoutGraceMs?: number;
  /** Pause before retrying a DB repository after a DB download failure (default: `withDbFallback`'s). */
  dbRetryDelayMs?: number;
  /** Trivy's `--cache-dir`: the directory the action caches between runs (default: Trivy's own). */
  cacheDir?: string;
  /** Shares the version/help answers with the SBOM step (default: ask on every scan). */
  probe?: TrivyProber;
}

/** The longest grace past Trivy's own `--timeout`, for long scans. */
const MAX_GRACE_MS = 30_000;
const MIN_GRACE_MS = 1_000;

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
          cacheDir: options.cacheDir,
          probe: options.probe ?? probeTrivy,
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
  cacheDir?: string;
  probe: TrivyProber;
  /** Filled as soon as known, so an error outcome can still name the version. */
  state: { version?: string };
}

async function scanWithTrivy(context: ScanContext, deps: ScanDeps): Promise<ScanOutcome> {
  const { config, logger } = context;
  const { version, capabilities } = await deps.probe({
    runner: context.runner,
    binary: deps.binary,
    subcommand: trivySubcommand(config.scanType),
    run: { cwd: context.workspace },
    timeoutMs: config.timeoutMs,
  });
  deps.state.version = version;
  const root =
    config.scanType === 'fs'
      ? await resolveScanRoot(context.workspace, config.scanRef)
      : { pathPrefix: '', inWorkspace: true };
  const outputFile = join(context.tempDir, `trivy-${randomUUID()}.json`);
  const report = await withTrivyIsolation(context.tempDir, async (isolation) => {
    const plan = buildTrivyArgs({
      config,
      capabilities,
      outputFile,
      pathPrefix: root.pathPrefix,
      isolation,
      cacheDir: deps.cacheDir,
    });
    checkScanners(config, plan, { version, capabilities });
    logger.info(
      `Running Trivy ${version ?? '(version unknown)'}: ${trivySubcommand(config.scanType)} scan of ${config.scanRef} (${plan.scanners.join(', ')})`,
    );
    logger.debug(`trivy ${plan.args.join(' ')}`);
    return runAndRead(context, deps, plan, outputFile);
  });
  const source: FindingSource = {
    tool: 'Trivy',
    scanner: 'trivy',
    toolVersion: version,
    informationUri: 'https://github.com/aquasecurity/trivy',
  };
  const parsed = parseReportOrThrow(report, source, root.pathPrefix);
  const notes = [...parsed.notes];
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

/**
 * Fail-closed on a `trivy-scanners` entry this binary cannot run: skipping
 * it would report a clean result for a check that never happened.
 */
function checkScanners(config: Config, plan: TrivyArgs, probe: TrivyProbe): void {
  if (plan.unsupported.length === 0 && plan.scanners.length > 0) return;
  const missing = plan.unsupported.length > 0 ? plan.unsupported : config.trivyScanners;
  const listed = probe.capabilities.scannerNames.join(', ') || 'none';
  const names = missing.map((name) => `'${name}'`).join(', ');
  throw new ScannerError(
    'trivy',
    `this Trivy binary (version ${sanitizeLogText(probe.version ?? 'unknown')}) cannot run the ${names} scanner${missing.length > 1 ? 's' : ''} asked for in 'trivy-scanners': its ${trivySubcommand(config.scanType)} scan lists ${listed}. Install a Trivy release that has ${missing.length > 1 ? 'them' : 'it'} (a newer 'trivy-version', or 'trivy-path'), or remove ${names} from 'trivy-scanners'.`,
  );
}

/** Trivy runs in the workspace (with the runner's environment, which holds no token). */
function run(
  context: ScanContext,
  binary: string,
  args: string[],
  options: Pick<CommandOptions, 'timeoutMs'>,
): Promise<CommandResult> {
  return context.runner.run(binary, args, { ...options, cwd: context.workspace });
}

/**
 * The repository-relative scan root of an fs scan (a file's directory for a
 * single file); `inWorkspace` is false for a directory outside the checkout.
 */
export async function resolveScanRoot(
  workspace: string,
  scanRef: string,
): Promise<{ pathPrefix: string; inWorkspace: boolean }> {
  const absolute = resolve(workspace, scanRef);
  let isFile: boolean;
  try {
    isFile = (await stat(absolute)).isFile();
  } catch {
    throw new ScannerError(
      'trivy',
      `the scan-ref ${JSON.stringify(scanRef)} does not exist in the workspace.`,
    );
  }
  const rel = relative(workspace, isFile ? dirname(absolute) : absolute);
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

function describeError(error: unknown): string {
  if (error instanceof ScannerError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return `trivy: ${sanitizeLogText(message.replace(/\s+/g, ' '))}`;
}
