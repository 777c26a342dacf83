/**
 * Asking a Trivy binary what it is: `--version` and `<subcommand> --help`.
 * Each start of some builds costs seconds of CPU, so a run asks once per
 * binary and subcommand (the scan and the SBOM share the answer).
 */
import { ScannerError } from '../../config/errors.js';
import type { CommandOptions, CommandRunner } from '../../util/command.js';
import { sanitizeLogText } from '../../util/safe-text.js';
import { parseTrivyHelp, parseTrivyVersion, type TrivyCapabilities } from './capabilities.js';

/** What the binary said about itself. */
export interface TrivyProbe {
  /** `dev` for some builds; undefined when it printed no version. */
  version?: string;
  capabilities: TrivyCapabilities;
}

/** Options of one probe. */
export interface TrivyProbeRequest {
  runner: CommandRunner;
  binary: string;
  subcommand: 'fs' | 'image' | 'sbom';
  /** Working directory, the same as the run's. */
  run: Pick<CommandOptions, 'cwd'>;
  /** The `timeout` input: a probe never waits longer than a scan may. */
  timeoutMs: number;
}

/** Probes a binary; the shared cache below answers repeated questions. */
export type TrivyProber = (request: TrivyProbeRequest) => Promise<TrivyProbe>;

/** A probe never needs more than this, whatever the `timeout` input allows. */
const PROBE_TIMEOUT_MS = 60_000;
const STDERR_TAIL = 300;

/**
 * Runs the version and help probes. Throws a `ScannerError` when the binary
 * cannot be started or its help is not a Trivy scan's.
 */
export async function probeTrivy(request: TrivyProbeRequest): Promise<TrivyProbe> {
  const { runner, binary, subcommand } = request;
  const options = { ...request.run, timeoutMs: Math.min(PROBE_TIMEOUT_MS, request.timeoutMs) };
  const versionRun = await runner.run(binary, ['--version'], options);
  if (versionRun.spawnError) throw spawnFailure(binary, versionRun.spawnError);
  const version = parseTrivyVersion(`${versionRun.stdout}\n${versionRun.stderr}`);
  const helpRun = await runner.run(binary, [subcommand, '--help'], options);
  if (helpRun.spawnError) throw spawnFailure(binary, helpRun.spawnError);
  if (helpRun.timedOut || !/--format\b/.test(helpRun.stdout + helpRun.stderr)) {
    throw new ScannerError(
      'trivy',
      `\`${subcommand} --help\` did not list the options of a Trivy ${subcommand} scan; is ${JSON.stringify(binary)} Trivy?${stderrTail(helpRun.stderr)}`,
    );
  }
  return { version, capabilities: parseTrivyHelp(`${helpRun.stdout}\n${helpRun.stderr}`) };
}

/**
 * A prober that asks each binary and subcommand once per run. A failed
 * probe is not kept: the next caller gets its own error.
 */
export function createTrivyProber(): TrivyProber {
  const answers = new Map<string, Promise<TrivyProbe>>();
  return (request) => {
    const key = `${request.binary}\u0000${request.subcommand}`;
    const known = answers.get(key);
    if (known !== undefined) return known;
    const answer = probeTrivy(request);
    answers.set(key, answer);
    answer.catch(() => answers.delete(key));
    return answer;
  };
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
