/**
 * The Grype strategy: runs the binary with an argument array and a timeout,
 * reads the JSON report it wrote, and turns every way it can fail into a
 * `ScanOutcome.error` (fail-closed: a broken scan is never a green check).
 *
 * Decisions:
 * - We never pass `--fail-on`: the gate decides. Without it grype exits 0
 *   whatever it finds, so a non-zero exit is an error. The one exception is
 *   a `fail-on-severity` coming from the user's own grype config: grype then
 *   exits non-zero *after* writing the report and says "discovered
 *   vulnerabilities at or above the severity threshold". That exit is
 *   accepted when the report is complete, with a note.
 * - Grype never reads a config of its own: it runs in the private temp
 *   directory with `--config` naming an empty file there, so neither the
 *   workspace's `.grype.yaml` nor one in $HOME or XDG dirs applies. The
 *   action applies the workspace's ignore rules itself, as waivers, which
 *   reports their effect (used, expired, unused) the same way as for every
 *   other scanner.
 * - Its environment is the command runner's (no `INPUT_*`, so no token),
 *   with `GRYPE_DB_CACHE_DIR` set to the directory the action caches.
 * - The report goes to a file (`--file`), not stdout, so log lines on
 *   stdout can never corrupt it and its size is not capped.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FindingSource } from '../../findings/finding.js';
import type { CommandOptions, CommandResult } from '../../util/command.js';
import type { ScanContext, ScannerStrategy, ScanOutcome } from '../types.js';
import { parseGrypeReport } from './parse.js';

const TOOL = 'Grype';
/** The version probe never waits longer than this, nor longer than the `timeout` input. */
const VERSION_TIMEOUT_MS = 60_000;
/** Grype's message for `fail-on-severity` (grypeerr.ErrAboveSeverityThreshold). */
const THRESHOLD_MESSAGE = 'discovered vulnerabilities at or above the severity threshold';
/** Grype/syft source schemes whose value is a local path (resolved against the workspace). */
const PATH_SCHEMES = [
  'docker-archive:',
  'oci-archive:',
  'oci-dir:',
  'singularity:',
  'dir:',
  'file:',
  'sbom:',
];

/** Options of the Grype strategy; tests and the installer inject the binary. */
export interface GrypeScannerOptions {
  /** Path of the grype binary; default: `grype-path`, else `grype` from PATH. */
  resolveBinary?: (context: ScanContext) => Promise<string>;
  /** Grype's DB directory (`GRYPE_DB_CACHE_DIR`), the one the action caches; default: Grype's own. */
  dbCacheDir?: string;
}

/** Creates the Grype entry of the scanner strategy table. */
export function createGrypeScanner(options: GrypeScannerOptions = {}): ScannerStrategy {
  const resolveBinary =
    options.resolveBinary ??
    ((context: ScanContext) => Promise.resolve(context.config.grypePath || 'grype'));
  return {
    name: 'grype',
    async scan(context) {
      const target = context.config.scanRef;
      const fail = (error: string, version?: string): ScanOutcome => ({
        scanner: 'grype',
        tool: TOOL,
        target,
        findings: [],
        error: `grype: ${error}`,
        ...(version ? { version } : {}),
      });
      let binary: string;
      try {
        binary = await resolveBinary(context);
      } catch (error) {
        return fail(`could not be installed or found: ${describeError(error)}`);
      }
      const input = buildSourceArgument(context);
      if (typeof input !== 'string') return fail(input.error);
      const runOptions = grypeRunOptions(context, options.dbCacheDir);
      const version = await readGrypeVersion(binary, context, runOptions);
      const { args, reportPath } = await prepareRun(context, input);
      context.logger.info(`Running grype ${args.join(' ')}`);
      const result = await context.runner.run(binary, args, {
        ...runOptions,
        timeoutMs: context.config.timeoutMs,
      });
      const problem = describeRunProblem(result, binary, context.config.timeoutMs);
      if (problem !== undefined && !isThresholdExit(result)) return fail(problem, version);
      return readOutcome({
        context,
        reportPath,
        target,
        version,
        thresholdExit: problem !== undefined,
        fail,
      });
    },
  };
}

/** Writes the run's empty config, clears any old report, and builds the arguments. */
async function prepareRun(
  context: ScanContext,
  input: string,
): Promise<{ args: string[]; reportPath: string }> {
  const reportPath = path.join(context.tempDir, 'grype-report.json');
  const configPath = path.join(context.tempDir, 'grype-config.yaml');
  // A report left by an earlier run must never pass for this run's.
  await rm(reportPath, { force: true });
  // An explicit config stops grype's search of the cwd, $HOME and XDG dirs; `.yaml` names its format.
  await writeFile(configPath, '{}\n');
  const args = [
    input,
    '-o',
    'json',
    '--file',
    reportPath,
    '--quiet',
    '--config',
    configPath,
    ...buildExcludeArgs(context),
  ];
  return { args, reportPath };
}

interface ReadOutcomeOptions {
  context: ScanContext;
  reportPath: string;
  target: string;
  version: string | undefined;
  thresholdExit: boolean;
  fail: (error: string, version?: string) => ScanOutcome;
}

async function readOutcome(options: ReadOutcomeOptions): Promise<ScanOutcome> {
  const { context, reportPath, target, fail } = options;
  let text: string;
  try {
    text = await readFile(reportPath, 'utf8');
  } catch (error) {
    return fail(`exited without writing its report (${describeError(error)})`, options.version);
  }
  if (text.trim() === '') return fail('wrote an empty report', options.version);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail(`wrote a report that is not valid JSON (${describeError(error)})`, options.version);
  }
  const source: FindingSource = {
    tool: TOOL,
    scanner: 'grype',
    informationUri: 'https://github.com/anchore/grype',
    ...(options.version ? { toolVersion: options.version } : {}),
  };
  try {
    const parsed = parseGrypeReport(json, { source, pathPrefix: readPathPrefix(context), target });
    const version = options.version ?? parsed.version;
    const notes = [...parsed.notes];
    if (options.thresholdExit) {
      notes.push(
        "Grype's own fail-on-severity setting was met; the action's thresholds decide the verdict.",
      );
    }
    // `grype version` may not answer (old builds); the report's descriptor then names the version.
    const findings =
      version && !source.toolVersion
        ? parsed.findings.map((finding) => ({
            ...finding,
            source: { ...source, toolVersion: version },
          }))
        : parsed.findings;
    return {
      scanner: 'grype',
      tool: TOOL,
      target,
      findings,
      ...(version ? { version } : {}),
      ...(notes.length > 0 ? { notes } : {}),
    };
  } catch (error) {
    return fail(
      `wrote a report the action does not understand: ${describeError(error)}`,
      options.version,
    );
  }
}

/** The positional argument naming what grype scans: `dir:`, an image reference, or `sbom:`. */
export function buildSourceArgument(context: ScanContext): string | { error: string } {
  const { scanType, scanRef } = context.config;
  if (scanRef.startsWith('-')) {
    return {
      error: `scan-ref ${JSON.stringify(scanRef)} starts with '-' and would be read as an option`,
    };
  }
  if (scanType === 'fs') return `dir:${path.resolve(context.workspace, scanRef)}`;
  if (scanType === 'sbom') return `sbom:${path.resolve(context.workspace, scanRef)}`;
  const scheme = PATH_SCHEMES.find((prefix) => scanRef.startsWith(prefix));
  // Grype runs in the temp directory, so local archive paths are made absolute.
  if (scheme) return `${scheme}${path.resolve(context.workspace, scanRef.slice(scheme.length))}`;
  return scanRef;
}

/** `skip-dirs` as grype `--exclude` expressions, which must start with `./`, `*` + `/` or `**` + `/`. */
function buildExcludeArgs(context: ScanContext): string[] {
  if (context.config.scanType !== 'fs') return [];
  return context.config.skipDirs.flatMap((glob) => {
    const clean = glob.replace(/^\.\//, '').replace(/\/+$/, '');
    const expression = /^\*\*?\//.test(clean) ? clean : `./${clean}`;
    // A directory name excludes what is below it too.
    return ['--exclude', expression, '--exclude', `${expression}/**`];
  });
}

function readPathPrefix(context: ScanContext): string {
  if (context.config.scanType !== 'fs') return '';
  const relative = path.relative(
    context.workspace,
    path.resolve(context.workspace, context.config.scanRef),
  );
  return relative.split(path.sep).join('/');
}

/** Where grype runs: the temp directory, the runner's environment plus the cached DB directory. */
function grypeRunOptions(
  context: ScanContext,
  dbCacheDir: string | undefined,
): Pick<CommandOptions, 'cwd' | 'extraEnv'> {
  return {
    cwd: context.tempDir,
    ...(dbCacheDir ? { extraEnv: { GRYPE_DB_CACHE_DIR: dbCacheDir } } : {}),
  };
}

/** Asks the binary its version (`grype version -o json`); undefined when it will not say. */
async function readGrypeVersion(
  binary: string,
  context: ScanContext,
  runOptions: Pick<CommandOptions, 'cwd' | 'extraEnv'>,
): Promise<string | undefined> {
  const result = await context.runner.run(binary, ['version', '-o', 'json'], {
    ...runOptions,
    timeoutMs: Math.min(VERSION_TIMEOUT_MS, context.config.timeoutMs),
  });
  if (result.exitCode !== 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(result.stdout);
    if (typeof parsed === 'object' && parsed !== null && 'version' in parsed) {
      const version = (parsed as { version: unknown }).version;
      if (typeof version === 'string' && version !== '') return version.replace(/^v/, '');
    }
  } catch {
    // Older builds print text; the report's descriptor still names the version.
  }
  return undefined;
}

function describeRunProblem(
  result: CommandResult,
  binary: string,
  timeoutMs: number,
): string | undefined {
  if (result.spawnError) {
    if (result.spawnError.code === 'ENOENT') {
      return `binary ${JSON.stringify(binary)} not found (install grype, set grype-path, or let the action download it)`;
    }
    return `could not start ${JSON.stringify(binary)}: ${result.spawnError.message}`;
  }
  if (result.timedOut)
    return `timed out after ${Math.round(timeoutMs / 1000)}s (raise the timeout input)`;
  if (result.signal) return `was killed by ${result.signal}${stderrTail(result)}`;
  if (result.exitCode !== 0) return `exited with code ${result.exitCode}${stderrTail(result)}`;
  return undefined;
}

function isThresholdExit(result: CommandResult): boolean {
  return (
    !result.spawnError &&
    !result.timedOut &&
    result.exitCode !== 0 &&
    result.exitCode !== null &&
    result.stderr.includes(THRESHOLD_MESSAGE)
  );
}

/** The last lines of stderr say why grype failed (DB download, image pull, …). */
function stderrTail(result: CommandResult): string {
  const lines = result.stderr
    .trim()
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
  if (lines.length === 0) return '';
  const tail = lines.slice(-3).join(' | ');
  return `: ${tail.length > 500 ? `${tail.slice(0, 499)}…` : tail}`;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
