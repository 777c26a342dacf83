/**
 * `security-gate`: the same pipeline from a command line, for local runs and
 * other CI systems. Flags are named like the action's inputs. Exit codes:
 * 0 pass/warn, 1 fail, 2 error or a bad option.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './config/errors.js';
import { conclusionOf, logRunReport } from './conclusion.js';
import {
  INPUT_DEFAULTS,
  INPUT_NAMES,
  parseConfig,
  type InputName,
  type RawInputs,
  type Config,
} from './config/schema.js';
import { runPipeline, type PipelineResult } from './pipeline.js';
import { runPreflight } from './preflight.js';
import { renderMarkdown } from './report/markdown.js';
import { createBinaryResolver, createScannerTable } from './scanners/table.js';
import { createTrivyProber } from './scanners/trivy/probe.js';
import { createSbomStep } from './sbom/step.js';
import { createCommandRunner } from './util/command.js';
import { describeError } from './util/errors.js';
import type { Logger } from './util/logger.js';
import { sanitizeLogText } from './util/safe-text.js';
import { resolveBaseline } from './baseline/sources.js';
import { createBaselineMarking } from './baseline/marker.js';

const EXIT = { pass: 0, warn: 0, fail: 1, error: 2 } as const;

/** Flags the CLI adds to the action's inputs. */
const CLI_FLAGS = ['summary-file', 'workspace'] as const;
type CliFlag = (typeof CLI_FLAGS)[number];

export interface CliArgs {
  inputs: RawInputs;
  cli: Partial<Record<CliFlag, string>>;
  help: boolean;
}

/** Parses `--name value` / `--name=value` flags; throws ConfigError on unknown flags. */
export function parseCliArgs(argv: string[]): CliArgs {
  const args: CliArgs = { inputs: {}, cli: {}, help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') {
      args.help = true;
      continue;
    }
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    if (match === null)
      throw new ConfigError(
        `Unexpected argument ${JSON.stringify(arg)}: flags look like --scan-ref PATH (see --help).`,
      );
    const name = match[1] ?? '';
    let value = match[2];
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined) throw new ConfigError(`Flag --${name} needs a value (see --help).`);
      i += 1;
    }
    if ((CLI_FLAGS as readonly string[]).includes(name)) args.cli[name as CliFlag] = value;
    else if ((INPUT_NAMES as readonly string[]).includes(name)) {
      const key = name as InputName;
      // Repeating a list flag adds lines, like a multi-line input.
      args.inputs[key] = args.inputs[key] === undefined ? value : `${args.inputs[key]}\n${value}`;
    } else
      throw new ConfigError(
        `Unknown flag --${name}: flags are the action's input names (see --help).`,
      );
  }
  return args;
}

/** The --help text, generated from the input defaults so it never drifts. */
export function renderHelp(): string {
  const lines = [
    'Usage: security-gate [--input-name value]...',
    '',
    'Runs the Security Gate pipeline: scanners and/or imported reports → SARIF, report file, gate.',
    'Exit status: 0 pass or warn, 1 fail, 2 error or bad option.',
    '',
    'Flags (named like the action inputs; defaults in brackets):',
  ];
  for (const name of INPUT_NAMES) {
    if (name === 'github-token') continue;
    lines.push(`  --${name}${INPUT_DEFAULTS[name] === '' ? '' : ` [${INPUT_DEFAULTS[name]}]`}`);
  }
  lines.push(
    '  --summary-file FILE   also write the Markdown summary to FILE',
    '  --workspace DIR       repository root (default: current directory)',
    '',
    'Example:',
    '  security-gate --scan-ref . --trivy-scanners secret,misconfig --reports trivy.json',
  );
  return lines.join('\n');
}

function createConsoleLogger(): Logger {
  const out = (prefix: string) => (message: string) => {
    for (const line of sanitizeLogText(message).split('\n'))
      process.stderr.write(`${prefix}${line}\n`);
  };
  return {
    info: (m) => {
      for (const line of sanitizeLogText(m).split('\n')) process.stdout.write(`${line}\n`);
    },
    warning: out('warning: '),
    error: out('error: '),
    notice: out('notice: '),
    debug: (m) => {
      if (process.env.SECURITY_GATE_DEBUG) out('debug: ')(m);
    },
  };
}

/**
 * `--gate-scope new` on the command line compares with the SARIF file (or
 * record) named by `--baseline`: there is no pull request, cache or code
 * scanning to read a baseline from.
 */
async function createCliBaselineMarking(config: Config, workspace: string, logger: Logger) {
  if (config.gateScope !== 'new') return undefined;
  if (config.baseline.kind !== 'file') {
    throw new ConfigError(
      `Flag --gate-scope new needs --baseline PATH (a SARIF file of the base branch's findings) on the command line; --baseline ${config.baseline.kind} only works inside GitHub Actions.`,
    );
  }
  const resolved = await resolveBaseline({
    config,
    // The CLI compares a change with a base: the pull request semantics apply.
    gatesPullRequest: true,
    eventName: 'pull_request',
    cache: { restore: () => Promise.resolve(undefined), save: () => Promise.resolve(undefined) },
    recordPath: path.join(os.tmpdir(), 'security-gate-unused-record.json'),
    readFile: (file) => readFile(path.resolve(workspace, file), 'utf8'),
    logger,
  });
  return createBaselineMarking(resolved);
}

/** The `--summary-file`: the job summary's Markdown, for CI systems that show a file. */
async function writeSummaryFile(
  result: PipelineResult,
  summaryFile: string,
  logger: Logger,
): Promise<void> {
  const file = path.resolve(summaryFile);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    renderMarkdown(result.view, { maxLength: 1024 * 1024, maxFindings: 200 }),
    'utf8',
  );
  logger.info(`Summary: ${path.relative(process.cwd(), file)}`);
}

/** Runs the CLI and returns its exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const logger = createConsoleLogger();
  let tempDir: string | undefined;
  try {
    const args = parseCliArgs(argv);
    if (args.help) {
      process.stdout.write(`${renderHelp()}\n`);
      return 0;
    }
    // The CLI never uploads: no token means no GitHub reporters, defaults otherwise.
    const config = parseConfig({ ...args.inputs, 'github-token': '' });
    const workspace = path.resolve(args.cli.workspace ?? process.cwd());
    const { reportFiles, waivers } = await runPreflight(config, workspace, logger);
    tempDir = await mkdtemp(path.join(os.tmpdir(), 'security-gate-'));
    const markBaseline = await createCliBaselineMarking(config, workspace, logger);
    const runner = createCommandRunner({ tempDir });
    // Trivy from --trivy-path or PATH (no downloads here), asked what it is once for scan and SBOM.
    const trivyProbe = createTrivyProber();
    const result = await runPipeline(config, reportFiles, {
      workspace,
      runner,
      logger,
      tempDir,
      scanners: createScannerTable({ trivyProbe }),
      waivers,
      markBaseline,
      generateSbom: createSbomStep({
        config,
        workspace,
        runner,
        logger,
        tempDir,
        resolveTrivy: createBinaryResolver('trivy', {}),
        probe: trivyProbe,
      }),
      now: new Date(),
      links: {},
    });
    logRunReport(result, logger, process.cwd());
    const summaryFile = args.cli['summary-file'];
    if (summaryFile !== undefined) await writeSummaryFile(result, summaryFile, logger);
    // Like the action's step: a header line, then one line per reason or warning.
    const { level, message } = conclusionOf(result.gate);
    logger[level === 'failed' ? 'error' : level](message);
    return EXIT[result.gate.verdict];
  } catch (error) {
    logger.error(error instanceof ConfigError ? error.message : describeError(error));
    return 2;
  } finally {
    if (tempDir !== undefined)
      await rm(tempDir, { recursive: true, force: true }).catch(() => undefined);
  }
}
