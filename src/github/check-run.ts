/**
 * The check run on the PR head commit: one create with the first 50
 * annotations, then one update per further 50 (GitHub's per-request limit),
 * at most 500 in all. Without `checks: write`, `writeAnnotationCommands`
 * is the fallback through workflow commands.
 */
import { z } from 'zod';
import type { Verdict } from '../gate/evaluate.js';
import type { AnnotationLevel, CheckAnnotation, CheckConclusion } from '../report/annotations.js';
import type { AnnotationCounts, AnnotationProperties } from '../util/logger.js';
import type { GitHubClient } from './client.js';
import type { RunContext } from './context.js';

/** GitHub takes at most 50 annotations per create/update request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** We send at most this many (10 requests): the rest are counted in the summary. */
export const MAX_CHECK_ANNOTATIONS = 500;
export const MAX_SUMMARY_LENGTH = 65_535;
/** The runner shows at most 10 workflow-command annotations per level and step. */
export const FALLBACK_PER_LEVEL = 10;

export interface PublishCheckRunOptions {
  ctx: RunContext;
  name: string;
  conclusion: CheckConclusion;
  title: string;
  /** Markdown built from escaped text (the renderer's job). */
  summary: string;
  annotations: CheckAnnotation[];
  /** Link back to the workflow run (`ctx.runUrl` by default). */
  detailsUrl?: string;
}

export interface PublishCheckRunResult {
  url?: string;
  /** Annotations attached to the check run. */
  sent: number;
  /** Over the 500 we send: counted in the summary. */
  omitted: number;
  /**
   * An annotation update failed after the check run was created: the run,
   * its conclusion and its URL stand; `notAttached` annotations are missing.
   */
  updateFailure?: { notAttached: number; error: unknown };
}

const checkRunSchema = z.object({ id: z.number(), html_url: z.string().nullish() });

/**
 * Creates the completed check run and appends its annotations. Throws when
 * the create fails; a failed update is returned as `updateFailure` (the run
 * already exists with its conclusion, so nothing is gained by throwing).
 */
export async function publishCheckRun(
  client: GitHubClient,
  options: PublishCheckRunOptions,
): Promise<PublishCheckRunResult> {
  const { ctx } = options;
  const headSha = ctx.pullRequest?.headSha ?? ctx.workflowRun?.headSha;
  if (!headSha) return { sent: 0, omitted: options.annotations.length };
  const toSend = options.annotations.slice(0, MAX_CHECK_ANNOTATIONS);
  const omitted = options.annotations.length - toSend.length;
  const output = {
    title: clip(options.title, 255),
    summary: buildSummary(options.summary, omitted),
  };
  const batches = chunk(toSend, ANNOTATIONS_PER_REQUEST);
  const detailsUrl = options.detailsUrl ?? ctx.runUrl;

  const created = await client.rest.checks.create({
    owner: ctx.owner,
    repo: ctx.repo,
    name: clip(options.name, 255),
    head_sha: headSha,
    status: 'completed',
    conclusion: options.conclusion,
    completed_at: new Date().toISOString(),
    ...(detailsUrl?.startsWith('https://') || detailsUrl?.startsWith('http://')
      ? { details_url: detailsUrl }
      : {}),
    output: { ...output, annotations: (batches[0] ?? []).map(toApiAnnotation) },
  });
  const checkRun = checkRunSchema.parse(created.data);
  const url = checkRun.html_url ?? undefined;
  let sent = batches[0]?.length ?? 0;
  for (const batch of batches.slice(1)) {
    try {
      // Each update appends its annotations to those already on the run.
      await client.rest.checks.update({
        owner: ctx.owner,
        repo: ctx.repo,
        check_run_id: checkRun.id,
        output: { ...output, annotations: batch.map(toApiAnnotation) },
      });
    } catch (error) {
      // The client has already retried what can be retried: later batches would fail alike.
      return { url, sent, omitted, updateFailure: { notAttached: toSend.length - sent, error } };
    }
    sent += batch.length;
  }
  return { url, sent, omitted };
}

function buildSummary(summary: string, omitted: number): string {
  const note =
    omitted > 0
      ? `\n\n${omitted} more annotation${omitted === 1 ? '' : 's'} left out (GitHub shows at most ${MAX_CHECK_ANNOTATIONS} here); the report and the Security tab list every finding.`
      : '';
  return clip(summary, MAX_SUMMARY_LENGTH - note.length) + note;
}

function toApiAnnotation(a: CheckAnnotation) {
  return {
    path: a.path,
    start_line: a.startLine,
    end_line: a.endLine,
    ...(a.startColumn !== undefined && a.startLine === a.endLine
      ? { start_column: a.startColumn, end_column: a.endColumn ?? a.startColumn }
      : {}),
    annotation_level: a.level,
    title: a.title,
    message: a.message,
  };
}

/** The part of a Logger the fallback needs (core-backed: it escapes data and properties). */
export interface AnnotationSink {
  error(message: string, properties?: AnnotationProperties): void;
  warning(message: string, properties?: AnnotationProperties): void;
  notice(message: string, properties?: AnnotationProperties): void;
  info(message: string): void;
}

const SINK_METHOD: Record<AnnotationLevel, 'error' | 'warning' | 'notice'> = {
  failure: 'error',
  warning: 'warning',
  notice: 'notice',
};

/** How many workflow-command annotations of each level the fallback may still write. */
export type FallbackBudget = Record<AnnotationLevel, number>;

/**
 * The runner shows 10 annotations per level and step. Those the step has
 * already written (`written`, from the logger) and the one the verdict will
 * write (an error on fail/error, a warning on warn) come out of the 10, so
 * the fallback's own never push a more important line out of view.
 */
export function fallbackBudget(verdict: Verdict, written: AnnotationCounts): FallbackBudget {
  const verdictError = verdict === 'fail' || verdict === 'error' ? 1 : 0;
  const verdictWarning = verdict === 'warn' ? 1 : 0;
  const left = (used: number): number => Math.max(0, FALLBACK_PER_LEVEL - used);
  return {
    failure: left(written.error + verdictError),
    warning: left(written.warning + verdictWarning),
    notice: left(written.notice),
  };
}

const FULL_BUDGET: FallbackBudget = {
  failure: FALLBACK_PER_LEVEL,
  warning: FALLBACK_PER_LEVEL,
  notice: FALLBACK_PER_LEVEL,
};

/**
 * Fallback without `checks: write`: the most severe annotations of each
 * level as workflow commands, as many as `budget` allows (by default the 10
 * the runner shows), then one line saying how many were left out. The input
 * is most severe first (`buildAnnotations`). Returns how many were written.
 */
export function writeAnnotationCommands(
  sink: AnnotationSink,
  annotations: CheckAnnotation[],
  budget: FallbackBudget = FULL_BUDGET,
): { written: number; omitted: number } {
  const perLevel: Record<AnnotationLevel, number> = { failure: 0, warning: 0, notice: 0 };
  let written = 0;
  for (const a of annotations) {
    if (perLevel[a.level] >= budget[a.level]) continue;
    perLevel[a.level] += 1;
    written += 1;
    sink[SINK_METHOD[a.level]](a.message, {
      title: a.title,
      file: a.path,
      startLine: a.startLine,
      endLine: a.endLine,
    });
  }
  const omitted = annotations.length - written;
  if (omitted > 0) {
    const reduced = Object.values(budget).some((n) => n < FALLBACK_PER_LEVEL);
    const why = reduced
      ? `; the step's own messages and verdict use some of them, leaving ${budget.failure} errors, ${budget.warning} warnings and ${budget.notice} notices`
      : '';
    sink.info(
      `${omitted} more annotation${omitted === 1 ? '' : 's'} not shown (the runner shows ${FALLBACK_PER_LEVEL} per level${why}); see the job summary and report.`,
    );
  }
  return { written, omitted };
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}
