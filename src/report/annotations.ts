/**
 * Line annotations for the check run (and the workflow-command fallback).
 * Pure: which findings are annotated, at which level, with what plain text.
 * Levels follow the gate (SPEC section 8, Levels), not the SARIF level.
 */
import { compareFindings, type Finding } from '../findings/finding.js';
import type { GateResult, Verdict } from '../gate/evaluate.js';
import { resolveSarifLocation, type LocationOptions } from './location.js';

export type AnnotationLevel = 'failure' | 'warning' | 'notice';

/** One annotation, in our words; `github/check-run.ts` maps it to the API shape. */
export interface CheckAnnotation {
  path: string;
  startLine: number;
  endLine: number;
  startColumn?: number;
  endColumn?: number;
  level: AnnotationLevel;
  /** Plain text, ≤ 255 characters. */
  title: string;
  /** Plain text, ≤ 4,000 characters (GitHub allows 64 KB). */
  message: string;
}

export type CheckConclusion = 'success' | 'neutral' | 'failure';

const TITLE_MAX = 255;
const MESSAGE_MAX = 4_000;
const LEVEL_RANK: Record<AnnotationLevel, number> = { failure: 0, warning: 1, notice: 2 };

/** Check-run conclusion for a verdict: pass success, warn neutral, fail/error failure. */
export function conclusionForVerdict(verdict: Verdict): CheckConclusion {
  if (verdict === 'pass') return 'success';
  if (verdict === 'warn') return 'neutral';
  return 'failure';
}

/** Where an annotation points. */
type Place = NonNullable<Finding['location']>;

/**
 * Annotations for located, unwaived findings (path of an existing repository
 * file, line ≥ 1; image findings at the Dockerfile's line 1 like in the
 * SARIF, when `dockerfile` and `imageTarget` are given), most severe first.
 */
export function buildAnnotations(
  findings: Finding[],
  gate: GateResult,
  options: LocationOptions,
): CheckAnnotation[] {
  const annotated = findings.flatMap((f) => {
    const place = f.waiver === undefined ? placeOf(f, options) : undefined;
    return place === undefined ? [] : [{ finding: f, place, level: levelFor(f, gate) }];
  });
  annotated.sort(
    (a, b) => LEVEL_RANK[a.level] - LEVEL_RANK[b.level] || compareFindings(a.finding, b.finding),
  );
  return annotated.map(({ finding, place, level }) => toAnnotation(finding, place, level));
}

function placeOf(finding: Finding, options: LocationOptions): Place | undefined {
  if (isLocated(finding, options.fileExists)) return finding.location;
  if (options.dockerfile === undefined || options.imageTarget === undefined) return undefined;
  // SPEC 5: an image finding that names no repository file points at the Dockerfile, line 1.
  const resolved = resolveSarifLocation(finding, options);
  const dockerfile = options.dockerfile.replace(/^\.\//, '');
  return resolved.located && resolved.path === dockerfile
    ? { path: resolved.path, startLine: 1 }
    : undefined;
}

function isLocated(finding: Finding, fileExists: (path: string) => boolean): boolean {
  const location = finding.location;
  if (!location || !Number.isInteger(location.startLine) || location.startLine < 1) return false;
  const path = location.path;
  // Only repository-relative paths: absolute paths and `..` cannot be annotated.
  if (
    path === '' ||
    path.startsWith('/') ||
    /^[a-z]+:/i.test(path) ||
    path.split('/').includes('..')
  )
    return false;
  return fileExists(path);
}

function levelFor(finding: Finding, gate: GateResult): AnnotationLevel {
  // Under gate-scope new, existing findings did not count towards the verdict.
  if (gate.countOnlyNew && finding.baselineState === 'existing') return 'notice';
  const outcome = gate.outcomes[finding.severity];
  if (outcome === 'fail') return 'failure';
  if (outcome === 'warn') return 'warning';
  return 'notice';
}

function toAnnotation(finding: Finding, location: Place, level: AnnotationLevel): CheckAnnotation {
  const endLine = Math.max(location.startLine, location.endLine ?? location.startLine);
  const sameLine = endLine === location.startLine;
  const columns =
    sameLine && location.startColumn !== undefined && location.startColumn >= 1
      ? {
          startColumn: location.startColumn,
          endColumn: Math.max(location.startColumn, location.endColumn ?? location.startColumn),
        }
      : {};
  return {
    path: location.path,
    startLine: location.startLine,
    endLine,
    ...columns,
    level,
    title: plainText(`${finding.severity} ${finding.ruleId}: ${finding.title}`, TITLE_MAX),
    message: plainText(describeFinding(finding), MESSAGE_MAX),
  };
}

/** The message: never the secret itself, only the masked excerpt for secrets. */
function describeFinding(finding: Finding): string {
  const lines: string[] = [];
  if (finding.kind === 'secret') {
    lines.push(`Secret detected (rule ${finding.ruleId}).`);
    if (finding.maskedExcerpt) lines.push(`Excerpt: ${finding.maskedExcerpt}`);
  } else {
    const pkg = finding.package;
    if (pkg) {
      const fixed =
        pkg.fixedVersions.length > 0 ? pkg.fixedVersions.join(', ') : 'no fix available';
      lines.push(
        `Package ${pkg.name} ${pkg.installedVersion ?? ''} → ${fixed}`.replace(/\s+→/, ' →'),
      );
    }
    lines.push(finding.description || finding.title);
  }
  lines.push(
    `Severity ${finding.severity}; reported by ${finding.tools.join(', ') || finding.source.tool}.`,
  );
  if (finding.baselineState === 'existing')
    lines.push('Existing finding (also on the base branch).');
  return lines.join('\n');
}

/** Plain text: no control characters but newlines, clipped to `max`. */
function plainText(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const clean = text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
