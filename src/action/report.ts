/**
 * Where people look: action outputs, the job summary and the GitHub
 * reporters (SARIF upload, sticky comment, check run).
 */
import * as core from '@actions/core';
import type { Config } from '../config/schema.js';
import type { PipelineResult } from '../pipeline.js';
import { renderMarkdown } from '../report/markdown.js';
import { buildAnnotations } from '../report/annotations.js';
import type { Logger } from '../util/logger.js';
import type { RunContext } from '../github/context.js';
import { publishToGitHub } from '../github/publish.js';
import { commentMarker } from '../github/comment.js';
import type { RunSetup } from './setup.js';

const COMMENT_LIMIT = 65_536;

const SUMMARY_LIMIT = 1024 * 1024 - 1024;

const CHECK_SUMMARY_LIMIT = 60_000;

/** The repository's code scanning alerts page, linked from the summary and comment. */
export function securityTabUrl(ctx: RunContext): string | undefined {
  if (ctx.owner === '') return undefined;
  return `${ctx.serverUrl}/${ctx.owner}/${ctx.repo}/security/code-scanning`;
}

/** Sets every action output from the pipeline's result. */
export function setOutputs(config: Config, result: PipelineResult): void {
  const { gate } = result;
  const outputs: Record<string, string | number> = {
    verdict: gate.verdict,
    critical: gate.counts.CRITICAL,
    high: gate.counts.HIGH,
    medium: gate.counts.MEDIUM,
    low: gate.counts.LOW,
    unknown: gate.counts.UNKNOWN,
    total: gate.total,
    waived: gate.waived,
    new: gate.newCount,
    fixable: result.view.upgrades?.fixableCount ?? 0,
    'sarif-file': config.sarifFile,
    'report-file': config.reportFile,
  };
  if (result.sbomFile !== undefined) outputs['sbom-file'] = config.sbomFile;
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}

/** Writes the job summary (always, under its 1 MiB limit). */
export async function writeSummary(result: PipelineResult): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const markdown = renderMarkdown(result.view, {
    maxLength: SUMMARY_LIMIT,
    maxFindings: 200,
    moreHint: 'the report file and the SARIF file',
  });
  await core.summary.addRaw(markdown, true).write();
}

function checkTitle(result: PipelineResult): string {
  const { gate } = result;
  return `${gate.verdict.toUpperCase()}: ${gate.counts.CRITICAL} critical, ${gate.counts.HIGH} high, ${gate.counts.MEDIUM} medium, ${gate.counts.LOW} low`;
}

/** Runs the GitHub reporters; best effort, never changes the verdict. */
export async function publish(
  setup: RunSetup,
  result: PipelineResult,
  logger: Logger,
): Promise<void> {
  const { config } = setup;
  const marker = commentMarker(config.sarifCategory);
  const body = renderMarkdown(result.view, {
    maxLength: COMMENT_LIMIT - marker.length - 2,
    maxFindings: 30,
    header: marker,
    moreHint: 'the job summary and the report file',
  });
  // The SARIF's own locations: an annotation points where its alert does.
  const annotations = buildAnnotations(result.view.findings, result.gate, result.location);
  const published = await publishToGitHub(
    { client: setup.client, ctx: setup.ctx, logger },
    {
      token: config.githubToken,
      verdict: result.gate.verdict,
      sarifCategory: config.sarifCategory,
      uploadSarif: config.uploadSarif,
      sarif: result.sarif,
      comment: config.comment,
      commentBody: body,
      checkRun: config.checkRun,
      checkName: config.checkName,
      checkTitle: checkTitle(result),
      checkSummary: renderMarkdown(result.view, {
        maxLength: CHECK_SUMMARY_LIMIT,
        maxFindings: 50,
      }),
      annotations,
      uploadPollIntervalMs: setup.timing?.uploadPollIntervalMs,
      uploadPollTimeoutMs: setup.timing?.uploadPollTimeoutMs,
    },
  );
  if (published.commentUrl) core.setOutput('comment-url', published.commentUrl);
  if (published.checkRunUrl) core.setOutput('check-run-url', published.checkRunUrl);
  if (published.sarifId) core.setOutput('sarif-id', published.sarifId);
}
