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
import type { Finding, ScannerName } from './findings/finding.js';
import { fingerprintFindings } from './findings/fingerprint.js';
import { mergeFindings } from './findings/merge.js';
import { filterFindings } from './findings/filter.js';
import { planUpgrades, type UpgradePlan } from './findings/upgrades.js';
import type { MarkBaseline } from './baseline/marker.js';
import { evaluateGate, type GateResult } from './gate/evaluate.js';
import {
  expandReportPatterns,
  checkReportsExist,
  importReport,
  type ImportPolicy,
} from './importers/import-report.js';
import { renderMarkdown } from './report/markdown.js';
import { renderHtmlReport } from './report/html.js';
import type { LocationOptions } from './report/location.js';
import { buildRunSpecs, buildSarif, runCategory, type SarifRunSpec } from './report/sarif.js';
import type { LimitedSarif } from './report/sarif-limits.js';
import type { ImportOutcome, ScanContext, ScannerStrategy, ScanOutcome } from './scanners/types.js';
import { applyWaivers } from './waivers/apply.js';
import type { Waiver } from './waivers/parse.js';
import {
  compareForReport,
  type ReportView,
  type WaiverEntry,
  type WaiverSummary,
} from './report/view.js';
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
  markBaseline?: MarkBaseline;
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
  /** Absolute path of the SBOM written, when one was. */
  sbomFile?: string;
  /** Where findings point (the SARIF's locations): annotations use the same. */
  location: LocationOptions;
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

/** What the SARIF will hold, known once the scans and imports are in: the baseline compares with it. */
interface SarifPlan {
  runs: SarifRunSpec[];
  location: LocationOptions;
}

function processFindings(
  raw: Finding[],
  context: { config: Config; deps: PipelineDeps; files: WorkspaceFiles; sarif: SarifPlan },
) {
  const { config, deps, files, sarif } = context;
  // Fingerprint after merging, so a merged finding's id does not depend on
  // which scanner happened to report it first.
  const merged = fingerprintFindings(mergeFindings(raw), files.readLine);
  const filtered = filterFindings(merged, {
    severities: config.severities,
    ignoreUnfixed: config.ignoreUnfixed,
  });
  const today = deps.now.toISOString().slice(0, 10);
  const waived = applyWaivers(filtered.kept, deps.waivers, { today });
  const categories = sarif.runs.flatMap((run) => runCategory(run) ?? []);
  const marked = deps.markBaseline?.(waived.findings, sarif.location, categories);
  // Sorted once, in the order every report lists them (new before existing within a severity).
  const findings = (marked?.findings ?? waived.findings).sort(compareForReport);
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

/**
 * Where findings point, for the SARIF, the baseline and annotations alike:
 * image findings at the `dockerfile` input, else `./Dockerfile`, when it
 * exists (a named one that does not exist is not replaced by the default).
 */
function locationOptionsOf(config: Config, files: WorkspaceFiles): LocationOptions {
  if (config.scanType !== 'image') return { fileExists: files.exists };
  const dockerfile = config.dockerfile !== '' ? config.dockerfile : 'Dockerfile';
  return {
    fileExists: files.exists,
    ...(files.exists(dockerfile) ? { dockerfile } : {}),
    imageTarget: config.scanRef,
  };
}

type ProcessedFindings = ReturnType<typeof processFindings>;

/** Everything the reporters render, from the pipeline's results. */
function buildView(
  config: Config,
  deps: PipelineDeps,
  parts: {
    gate: GateResult;
    processed: ProcessedFindings;
    outcomes: ScanOutcome[];
    imports: ImportOutcome[];
    upgrades: UpgradePlan;
    sarif: LimitedSarif;
    sbom: SbomResult | undefined;
  },
): ReportView {
  const { processed, sbom } = parts;
  return {
    gate: parts.gate,
    findings: processed.findings,
    scanners: parts.outcomes.map((o) => ({
      scanner: o.scanner,
      tool: o.tool,
      version: o.version,
      target: o.target,
      findingCount: o.findings.length,
      error: o.error,
      notes: o.notes,
    })),
    imports: parts.imports.map((i) => ({
      file: i.file,
      format: i.format,
      findingCount: i.findings.length,
      ...(i.notes === undefined ? {} : { notes: i.notes }),
    })),
    filtered: processed.filtered,
    waivers: processed.waivers,
    upgrades: parts.upgrades,
    baseline: processed.baseline,
    sarifTruncation: parts.sarif.truncation,
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
}

/** What the scanners, the imports and the SBOM step produced, and what went wrong in them. */
async function collectReports(config: Config, reportFiles: string[], deps: PipelineDeps) {
  const outcomes = await runScanners(config, deps);
  const { imports, errors: importErrors } = await runImports(reportFiles, deps);
  const sbom = deps.generateSbom === undefined ? undefined : await deps.generateSbom();
  const errors = [
    ...outcomes.flatMap((o) => (o.error === undefined ? [] : [o.error])),
    ...importErrors,
    ...(sbom !== undefined && 'error' in sbom ? [`SBOM: ${sbom.error}`] : []),
  ];
  return { outcomes, imports, sbom, errors };
}

/** Runs everything up to written files; the caller reports and sets the result. */
export async function runPipeline(
  config: Config,
  reportFiles: string[],
  deps: PipelineDeps,
): Promise<PipelineResult> {
  const { outcomes, imports, sbom, errors } = await collectReports(config, reportFiles, deps);
  const raw = [...outcomes.flatMap((o) => o.findings), ...imports.flatMap((i) => i.findings)];
  const files = createWorkspaceFiles(deps.workspace);
  const sarifPlan: SarifPlan = {
    runs: buildRunSpecs({
      scans: outcomes,
      imports,
      category: config.sarifCategory,
      imageRef: config.scanType === 'image' ? config.scanRef : undefined,
    }),
    location: locationOptionsOf(config, files),
  };
  const processed = processFindings(raw, { config, deps, files, sarif: sarifPlan });
  const gate = evaluateGate({
    findings: processed.findings,
    thresholds: config.thresholds,
    countOnlyNew: processed.countOnlyNew,
    scannerErrors: errors,
    failOnScannerError: config.failOnScannerError,
  });
  // The SARIF is built and serialised now; the gzip that checks a large file's size runs
  // on another thread while the upgrades are planned.
  const pendingSarif = buildSarifFile(processed.findings, outcomes, sarifPlan);
  const upgrades = planUpgrades(processed.findings);
  const sarif = await pendingSarif;
  const parts = { gate, processed, outcomes, imports, upgrades, sarif, sbom };
  const view = buildView(config, deps, parts);
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
    sbomFile: view.sbom === undefined ? undefined : path.resolve(deps.workspace, config.sbomFile),
    location: sarifPlan.location,
  };
}

function buildSarifFile(
  findings: Finding[],
  outcomes: ScanOutcome[],
  plan: SarifPlan,
): Promise<LimitedSarif> {
  const failedScanners = new Set(
    outcomes.filter((o) => o.error !== undefined).map((o) => o.scanner),
  );
  // A failed scanner's run is never written: an empty run would close its open alerts.
  return buildSarif({
    findings: findings.filter(
      (f) => f.source.scanner === undefined || !failedScanners.has(f.source.scanner),
    ),
    runs: plan.runs,
    location: plan.location,
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
