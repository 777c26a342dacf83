/**
 * Turns a resolved baseline into the pipeline's marking step: findings in
 * the baseline become `existing`, and the gate counts only new ones. Without
 * a baseline every finding counts, and the note says why. Pure.
 */
import type { Finding } from '../findings/finding.js';
import type { LocationOptions } from '../report/location.js';
import type { BaselineSummary } from '../report/view.js';
import { markBaseline, narrowToRuns } from './compare.js';
import { describeBaseline, type ResolvedBaseline } from './sources.js';

export interface BaselineMarking {
  findings: Finding[];
  summary: BaselineSummary;
  countOnlyNew: boolean;
}

/**
 * The pipeline's marking step. It is given what only the pipeline knows once
 * the scans and imports are in: the location options the SARIF writer gets
 * (so a finding is compared by the path its SARIF result will have: the
 * Dockerfile or the image's slug for an image finding), and the
 * `automationDetails.id` of every run the SARIF will have (whose alerts are
 * this run's).
 */
export type MarkBaseline = (
  findings: Finding[],
  location: LocationOptions,
  runCategories: readonly string[],
) => BaselineMarking;

/** The marking function for `gate-scope: new`, the same for the action and the CLI. */
export function createBaselineMarking(resolved: ResolvedBaseline): MarkBaseline {
  return (findings, location, runCategories) => {
    if (resolved.source === undefined) {
      return {
        findings,
        countOnlyNew: false,
        summary: { scope: 'new', note: describeBaseline(resolved, 0), existing: 0 },
      };
    }
    const source = narrowToRuns(resolved.source, runCategories);
    const marked = markBaseline(findings, source, location);
    return {
      findings: marked.findings,
      countOnlyNew: true,
      summary: {
        scope: 'new',
        note: describeBaseline({ ...resolved, source }, marked.existing),
        existing: marked.existing,
      },
    };
  };
}
