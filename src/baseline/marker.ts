/**
 * Turns a resolved baseline into the pipeline's marking step: findings in
 * the baseline become `existing`, and the gate counts only new ones. Without
 * a baseline every finding counts, and the note says why. Pure.
 */
import type { Config } from '../config/schema.js';
import type { Finding } from '../findings/finding.js';
import type { LocationOptions } from '../report/location.js';
import type { BaselineSummary } from '../report/view.js';
import { markBaseline } from './compare.js';
import { describeBaseline, type ResolvedBaseline } from './sources.js';

export interface BaselineMarking {
  findings: Finding[];
  summary: BaselineSummary;
  countOnlyNew: boolean;
}

/** The scan the findings come from: what the SARIF writer's locations depend on. */
export interface MarkingScan {
  config: Pick<Config, 'scanType' | 'scanRef' | 'dockerfile'>;
  /** True when a repository-relative path is a file of the workspace. */
  fileExists: (path: string) => boolean;
}

/** The location options the SARIF writer is given (pipeline.ts), rebuilt from the scan. */
function locationOptionsOf(scan: MarkingScan): LocationOptions {
  return {
    fileExists: scan.fileExists,
    // The writer's fallback: the named Dockerfile, else ./Dockerfile (each only when it exists).
    dockerfile: scan.config.dockerfile || 'Dockerfile',
    imageTarget: scan.config.scanType === 'image' ? scan.config.scanRef : undefined,
  };
}

/**
 * The marking function for `gate-scope: new`, the same for the action and
 * the CLI. Findings are compared by the path their SARIF result will have
 * (the Dockerfile or the image's slug for an image finding), so a baseline
 * SARIF of another tool, or alerts of our own uploads, match image findings
 * by more than their target.
 */
export function createBaselineMarking(
  resolved: ResolvedBaseline,
  scan: MarkingScan,
): (findings: Finding[]) => BaselineMarking {
  const location = locationOptionsOf(scan);
  return (findings) => {
    if (resolved.source === undefined) {
      return {
        findings,
        countOnlyNew: false,
        summary: { scope: 'new', note: describeBaseline(resolved, 0), existing: 0 },
      };
    }
    const marked = markBaseline(findings, resolved.source, location);
    return {
      findings: marked.findings,
      countOnlyNew: true,
      summary: {
        scope: 'new',
        note: describeBaseline(resolved, marked.existing),
        existing: marked.existing,
      },
    };
  };
}
