import type { Config } from '../config/schema.js';
import type { Finding, ScannerName } from '../findings/finding.js';
import type { CommandRunner } from '../util/command.js';
import type { Logger } from '../util/logger.js';

/** What a scanner strategy gets: configuration and the side-effect interfaces. */
export interface ScanContext {
  config: Config;
  /** Absolute path of the repository checkout (GITHUB_WORKSPACE or the CLI's cwd). */
  workspace: string;
  runner: CommandRunner;
  logger: Logger;
  /** A private scratch directory for this run (reports, caches). */
  tempDir: string;
}

/** The result of one scanner run: findings, or the reason it could not do its job. */
export interface ScanOutcome {
  scanner: ScannerName;
  /** Tool display name used as the SARIF driver name. */
  tool: string;
  /** Version the binary reported (`dev` for some builds), when known. */
  version?: string;
  /** The scanned artifact as the findings name it. */
  target: string;
  findings: Finding[];
  /** Set when the scanner failed: the run is then an error and its SARIF run is not uploaded. */
  error?: string;
  /** Notes worth showing in the summary (e.g. a scanner name the binary did not support). */
  notes?: string[];
}

/** One entry of the scanner strategy table. */
export interface ScannerStrategy {
  name: ScannerName;
  scan(context: ScanContext): Promise<ScanOutcome>;
}

/** The result of importing one report file given in `reports`. */
export interface ImportOutcome {
  file: string;
  format: ReportFormat;
  findings: Finding[];
  /** Imported SARIF runs that produced no result still need a run in our SARIF (to keep alerts open). */
  emptyRuns?: Array<{ tool: string; toolVersion?: string; automationId?: string }>;
  /**
   * The scan a Trivy/Grype JSON report records. A clean report still gets its
   * (empty) run, so the alerts of that tool and target close once fixed.
   */
  scan?: { tool: string; toolVersion?: string; informationUri: string; target: string };
  /** Facts about the import worth a line in the summary (e.g. suppressions not trusted). */
  notes?: string[];
}

export type ReportFormat = 'trivy-json' | 'grype-json' | 'gitleaks-json' | 'sarif';
