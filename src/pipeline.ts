/**
 * The pipeline both entry points run (the action's main.ts and the CLI):
 * Config → scanners / importers → Finding[] → merge → filter → waivers →
 * baseline → gate → rendered reports written to disk. It never calls
 * setFailed or talks to GitHub: it returns what happened.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Log } from 'sarif';
import type { Config } from './config/schema.js';
import { ReportFormatError } from './config/errors.js';
import { compareFindings, type Finding, type ScannerName } from './findings/finding.js';
import { fingerprintFindings } from './findings/fingerprint.js';
import { mergeFindings } from './findings/merge.js';
import { filterFindings } from './findings/filter.js';
import { planUpgrades } from './findings/upgrades.js';
import { evaluateGate, type GateResult } from './gate/evaluate.js';
import {
  expandReportPatterns,
  checkReportsExist,
  importReport,
  type ImportPolicy,
} from './importers/import-report.js';
import { renderMarkdown } from './report/markdown.js';
import { renderHtmlReport } from './report/html.js';
import { buildRunSpecs, buildSarifAsync } from './report/sarif.js';
import type { LimitedSarif } from './report/sarif-limits.js';
import type { ImportOutcome, ScanContext, ScannerStrategy, ScanOutcome } from './scanners/types.js';
import { applyWaivers } from './waivers/apply.js';
import type { Waiver } from './waivers/parse.js';
import type { BaselineSummary, ReportView, WaiverEntry, WaiverSummary } from './report/view.js';
import type { Logger } from './util/logger.js';
import type { CommandRunner } from './util/command.js';
import type { SbomResult } from './sbom/generate.js';
import { releaseMemory } from './util/release-memory.js';
import { createWorkspaceFiles, type WorkspaceFiles } from './util/workspace-files.js';

/** Side effects and context the pipeline needs, created by the entry point. */
export interface PipelineDeps {
  workspace: string;
  runner: CommandRunner;
  logger: Logger;
  tempDir: string;
  /** The scanner strategy table; injectable for tests. */
  scanners: Record<ScannerName, ScannerStrategy>;
  /** Waivers loaded (and validated) before anything ran. */
  waivers: Waiver[];
  /** Marks findings new/existing; undefined = every finding counts. */
  markBaseline?: (findings: Finding[]) => {
    findings: Finding[];
    summary: BaselineSummary;
    countOnlyNew: boolean;
  };
  /** Generates the SBOM when `sbom-format` asks for one. */
  generateSbom?: () => Promise<SbomResult>;
  /** Waivers this pull request adds or changes, already computed by the entry point. */
  waiversNeedingReview?: WaiverSummary['needsReview'];
  now: Date;
  links: ReportView['links'];
  /**
   * How far imported reports are trusted. On `workflow_run` the reports come
   * from another workflow's artifact (a fork's own workflow may have written
   * it): its SARIF suppressions are ignored and its runs' categories are put
   * under `sarif-category`. Default: trusted, categories kept.
   */
  imports?: ImportPolicy;
}

export interface PipelineResult {
  view: ReportView;
  gate: GateResult;
  sarif: { path: string; log: Log; text: string };
  reportFile: string;
  outcomes: ScanOutcome[];
  imports: ImportOutcome[];
  /** Findings a listed upgrade fixes (the `fixable` output). */
  fixable: number;
  /** Absolute path of the SBOM written, when one was. */
  sbomFile?: string;
}

/** Resolves the report files before any scan runs, so a bad path fails fast. */
export async function prepareReports(config: Config, workspace: string): Promise<string[]> {
  const files = await expandReportPatterns(workspace, config.reports);
  await checkReportsExist(workspace, files);
  return files;
}

async function runScanners(config: Config, deps: PipelineDeps): Promise<ScanOutcome[]> {
  const context: ScanContext = {
    config,
    workspace: deps.workspace,
    runner: deps.runner,
    logger: deps.logger,
    tempDir: deps.tempDir,
  };
  const outcomes: ScanOutcome[] = [];
  for (const name of config.scanners) {
    deps.logger.info(`Running ${name} (${config.scanType} ${config.scanRef})…`);
    const outcome = await deps.scanners[name]
      .scan(context)
      .catch((error: unknown): ScanOutcome => ({
        scanner: name,
        tool: name,
        target: config.scanRef,
        findings: [],
        error: `${name} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
      }));
    // Logged as a plain line: the step's conclusion states it once as the error (or, with
    // `fail-on-scanner-error: false`, the warning); a second annotation would duplicate it.
    if (outcome.error !== undefined) deps.logger.info(outcome.error);
    outcomes.push(outcome);
  }
  return outcomes;
}

async function runImports(
  files: string[],
  deps: PipelineDeps,
): Promise<{ imports: ImportOutcome[]; errors: string[] }> {
  const imports: ImportOutcome[] = [];
  const errors: string[] = [];
  for (const file of files) {
    try {
      imports.push(await importReport(deps.workspace, file, deps.imports));
      // The parsed report is garbage now; large ones are worth collecting at once.
      releaseMemory();
    } catch (error) {
      if (!(error instanceof ReportFormatError)) throw error;
      // Stated once by the step's conclusion, like a scanner error.
      deps.logger.info(`Report ${error.message}`);
      errors.push(`report ${error.message}`);
    }
  }
  return { imports, errors };
}

/** The review list is computed before waivers apply: take each entry's match count from the result. */
function withMatchCounts(entries: WaiverEntry[], summary: WaiverSummary): WaiverEntry[] {
  const applied = [...summary.used, ...summary.expired, ...summary.expiring, ...summary.unused];
  return entries.map((entry) => ({
    ...entry,
    matched: applied.find((a) => a.origin === entry.origin)?.matched ?? entry.matched,
  }));
}

function processFindings(
  raw: Finding[],
  config: Config,
  deps: PipelineDeps,
  files: WorkspaceFiles,
) {
  // Fingerprint after merging, so a merged finding's id does not depend on
  // which scanner happened to report it first.
  const merged = fingerprintFindings(mergeFindings(raw), files.readLine);
  const filtered = filterFindings(merged, {
    severities: config.severities,
    ignoreUnfixed: config.ignoreUnfixed,
  });
  const today = deps.now.toISOString().slice(0, 10);
  const waived = applyWaivers(filtered.kept, deps.waivers, { today });
  const marked = deps.markBaseline?.(waived.findings);
  const findings = (marked?.findings ?? waived.findings).sort(compareFindings);
  return {
    findings,
    filtered: { bySeverity: filtered.removedBySeverity, unfixed: filtered.removedUnfixed },
    waivers: {
      ...waived.summary,
      needsReview: withMatchCounts(deps.waiversNeedingReview ?? [], waived.summary),
    },
    baseline: marked?.summary,
    countOnlyNew: marked?.countOnlyNew ?? false,
  };
}

/** Runs everything up to written files; the caller reports and sets the result. */
export async function runPipeline(
  config: Config,
  reportFiles: string[],
  deps: PipelineDeps,
): Promise<PipelineResult> {
  const outcomes = await runScanners(config, deps);
  const { imports, errors: importErrors } = await runImports(reportFiles, deps);
  const sbom = deps.generateSbom === undefined ? undefined : await deps.generateSbom();
  const sbomErrors = sbom !== undefined && 'error' in sbom ? [`SBOM: ${sbom.error}`] : [];
  const raw = [...outcomes.flatMap((o) => o.findings), ...imports.flatMap((i) => i.findings)];
  const files = createWorkspaceFiles(deps.workspace);
  const processed = processFindings(raw, config, deps, files);
  const gate = evaluateGate({
    findings: processed.findings,
    thresholds: config.thresholds,
    countOnlyNew: processed.countOnlyNew,
    scannerErrors: [
      ...outcomes.flatMap((o) => (o.error === undefined ? [] : [o.error])),
      ...importErrors,
      ...sbomErrors,
    ],
    failOnScannerError: config.failOnScannerError,
  });
  // The SARIF is built and serialised now; the gzip that checks a large file's size runs
  // on another thread while the upgrades are planned.
  const pendingSarif = buildSarifFile(config, {
    findings: processed.findings,
    outcomes,
    imports,
    files,
  });
  const upgrades = planUpgrades(processed.findings);
  const sarif = await pendingSarif;
  const view: ReportView = {
    gate,
    findings: processed.findings,
    scanners: outcomes.map((o) => ({
      scanner: o.scanner,
      tool: o.tool,
      version: o.version,
      target: o.target,
      findingCount: o.findings.length,
      error: o.error,
      notes: o.notes,
    })),
    imports: imports.map((i) => ({
      file: i.file,
      format: i.format,
      findingCount: i.findings.length,
      ...(i.notes === undefined ? {} : { notes: i.notes }),
    })),
    filtered: processed.filtered,
    waivers: processed.waivers,
    upgrades: [...upgrades.upgrades, ...upgrades.unfixable],
    baseline: processed.baseline,
    sarifTruncation: sarif.truncation,
    sbom:
      sbom !== undefined && !('error' in sbom)
        ? {
            path: config.sbomFile,
            format: sbom.format,
            packages: sbom.packages,
            ...(sbom.version === undefined ? {} : { version: sbom.version }),
          }
        : undefined,
    sarifCategory: config.sarifCategory,
    links: deps.links,
    generatedAt: deps.now.toISOString(),
  };
  const sarifPath = path.resolve(deps.workspace, config.sarifFile);
  // The bytes whose size was checked, when the check made them: a second encoding costs ~0.5 s on 70 MB.
  await writeText(sarifPath, sarif.bytes ?? sarif.text);
  const reportFile = path.resolve(deps.workspace, config.reportFile);
  await writeText(reportFile, renderReportFile(view, config.reportFile));
  return {
    view,
    gate,
    sarif: { path: sarifPath, log: sarif.log, text: sarif.text },
    reportFile,
    outcomes,
    imports,
    fixable: upgrades.fixableCount,
    sbomFile: view.sbom === undefined ? undefined : path.resolve(deps.workspace, config.sbomFile),
  };
}

function buildSarifFile(
  config: Config,
  input: {
    findings: Finding[];
    outcomes: ScanOutcome[];
    imports: ImportOutcome[];
    files: WorkspaceFiles;
  },
): Promise<LimitedSarif> {
  const failedScanners = new Set(
    input.outcomes.filter((o) => o.error !== undefined).map((o) => o.scanner),
  );
  // A failed scanner's run is never written: an empty run would close its open alerts.
  const findings = input.findings.filter(
    (f) => f.source.scanner === undefined || !failedScanners.has(f.source.scanner),
  );
  return buildSarifAsync({
    findings,
    runs: buildRunSpecs({
      scans: input.outcomes,
      imports: input.imports,
      category: config.sarifCategory,
      imageRef: config.scanType === 'image' ? config.scanRef : undefined,
    }),
    location: {
      fileExists: input.files.exists,
      dockerfile: resolveDockerfile(config, input.files),
      imageTarget: config.scanType === 'image' ? config.scanRef : undefined,
    },
    serialise: serialiseSarif,
  });
}

/**
 * The SARIF file's text: indented for people reading a small file, compact
 * when large (faster, further from 10 MB). The limits are checked on exactly
 * this text, so the choice is made again after each cut.
 */
function serialiseSarif(log: Log): string {
  const results = log.runs.reduce((n, run) => n + (run.results?.length ?? 0), 0);
  return `${results > 1000 ? JSON.stringify(log) : JSON.stringify(log, null, 2)}\n`;
}

function resolveDockerfile(config: Config, files: WorkspaceFiles): string | undefined {
  if (config.dockerfile !== '')
    return files.exists(config.dockerfile) ? config.dockerfile : undefined;
  return files.exists('Dockerfile') ? 'Dockerfile' : undefined;
}

/** The report file: Markdown, or self-contained HTML for a `.html` name. */
export function renderReportFile(view: ReportView, reportFile: string): string {
  if (/\.html?$/i.test(reportFile)) return renderHtmlReport(view);
  return renderMarkdown(view, {
    maxLength: 50 * 1024 * 1024,
    maxFindings: Number.MAX_SAFE_INTEGER,
    moreHint: 'the SARIF file',
  });
}

async function writeText(file: string, text: string | Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text, 'utf8');
}
