/**
 * Turns a resolved baseline into the pipeline's marking step: findings in
 * the baseline become `existing`, and the gate counts only new ones. Without
 * a baseline every finding counts, and the note says why. Pure.
 */
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

/**
 * The marking function for `gate-scope: new`. `location` is what the SARIF
 * writer is given (workspace files, Dockerfile, image): findings are compared
 * by the path their SARIF result will have.
 */
export function createBaselineMarking(
  resolved: ResolvedBaseline,
  location?: LocationOptions,
): (findings: Finding[]) => BaselineMarking {
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
