/**
 * What a run ends with in the log, the same for the action and the CLI: the
 * report logged after the pipeline (`logRunReport`) and the verdict's
 * closing message (`conclusionOf`). Both entry points call these, so neither
 * logs something the other forgets; only how the conclusion is raised
 * differs (`main.ts` fails the step, the CLI writes stderr and exits).
 */
import path from 'node:path';
import type { GateResult } from './gate/evaluate.js';
import type { PipelineResult } from './pipeline.js';
import { renderConsoleTable, waiverWarnings } from './report/console.js';
import type { Logger } from './util/logger.js';

/** The header line, then one line per item; an item never spans lines. */
function headedLines(header: string, items: readonly string[]): string {
  // A scanner's text could otherwise add lines that look like reasons of their own.
  const lines = items.map((item) => item.replace(/\s*[\r\n]+\s*/g, ' ').trim());
  return [header, ...lines.filter((line) => line !== '')].join('\n');
}

/**
 * SPEC §7: `fail` and `error` state each reason on a line of its own, under
 * a header line naming the verdict.
 */
export function failureMessage(verdict: 'fail' | 'error', reasons: readonly string[]): string {
  return headedLines(`Security Gate ${verdict}:`, reasons);
}

/** SPEC §7: `warn` writes one warning, shaped like the failure: a header, a line per warning. */
export function warningMessage(warnings: readonly string[]): string {
  return headedLines('Security Gate passed with warnings:', warnings);
}

/** How the run ends: the step fails, one warning is raised, or a line is logged. */
export interface Conclusion {
  level: 'failed' | 'warning' | 'info';
  message: string;
}

/** The verdict's closing message, raised once by the entry point. */
export function conclusionOf(
  gate: Pick<GateResult, 'verdict' | 'reasons' | 'warnings'>,
): Conclusion {
  switch (gate.verdict) {
    case 'fail':
    case 'error':
      return { level: 'failed', message: failureMessage(gate.verdict, gate.reasons) };
    case 'warn':
      return { level: 'warning', message: warningMessage(gate.warnings) };
    default:
      return { level: 'info', message: 'Security Gate passed.' };
  }
}

/**
 * Logs what every entry point logs once the pipeline is done: the console
 * table, one warning per waiver that needs action (expired or expiring), and
 * where the files went, relative to `cwd`. Called before the GitHub
 * reporters so their annotation fallback counts these warnings.
 */
export function logRunReport(result: PipelineResult, logger: Logger, cwd: string): void {
  for (const line of renderConsoleTable(result.view)) logger.info(line);
  for (const warning of waiverWarnings(result.view.waivers)) logger.warning(warning);
  logger.info(`SARIF: ${path.relative(cwd, result.sarif.path)}`);
  logger.info(`Report: ${path.relative(cwd, result.reportFile)}`);
  if (result.sbomFile !== undefined) logger.info(`SBOM: ${path.relative(cwd, result.sbomFile)}`);
}
