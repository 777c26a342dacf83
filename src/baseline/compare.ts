/**
 * Marks findings `new` or `existing` against a baseline: the branch's record,
 * a SARIF file, or the base branch's code scanning alerts. Fingerprints are
 * matched first; what has none is matched by rule id, path and message (alerts
 * carry no fingerprints). When unsure, a finding stays `new`: the gate would
 * rather count one too many than hide a new problem. Pure.
 */
import type { Finding } from '../findings/finding.js';
import { resolveSarifLocation, type LocationOptions } from '../report/location.js';
import type { BaselineRecord, BaselineResult } from './record.js';

/** Where existing findings come from, as plain data. */
export interface BaselineSource {
  kind: 'record' | 'sarif' | 'alerts';
  /**
   * Shown in the summary: "the baseline record of main at 1a2b3c4",
   * "baseline.sarif"; for alerts what they are ("open or dismissed code
   * scanning alerts of main"), counted once `narrowToRuns` has kept this run's.
   */
  label: string;
  /** Finding ids known to the baseline (ours, or any `partialFingerprints` value of a SARIF result). */
  fingerprints: string[];
  results: BaselineResult[];
}

/** A baseline source made of a record. */
export function sourceFromRecord(record: BaselineRecord): BaselineSource {
  const branch = record.ref.replace(/^refs\/heads\//, '');
  return {
    kind: 'record',
    label: `the baseline record of ${branch} at ${record.sha.slice(0, 7)} (${record.createdAt})`,
    fingerprints: record.fingerprints,
    results: record.results,
  };
}

const withoutTrailingSlash = (category: string): string => category.replace(/\/+$/, '');

/**
 * The source as this run can compare with it. Code scanning alerts are kept
 * only when their category is exactly one of the categories of the runs this
 * run's SARIF will have (the API gives them with or without the last `/`):
 * another image's alerts, even under the same `sarif-category` and on the
 * same Dockerfile path, say nothing about this image. Records are scoped when
 * saved, and a SARIF file is the user's choice: both are kept whole.
 */
export function narrowToRuns(
  source: BaselineSource,
  runCategories: readonly string[],
): BaselineSource {
  if (source.kind !== 'alerts') return source;
  const own = new Set(runCategories.map(withoutTrailingSlash).filter((c) => c !== ''));
  const results = source.results.filter(
    (r) => r.category !== undefined && own.has(withoutTrailingSlash(r.category)),
  );
  const where =
    own.size === 1 ? `category ${[...own][0] ?? ''}` : `this run's ${own.size} categories`;
  return { ...source, label: `${results.length} ${source.label} in ${where}`, results };
}

/** Repository-relative, forward slashes, no `./` or `file://` prefix. */
export function normalisePath(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const clean = path
    .replace(/\\/g, '/')
    .replace(/^file:\/\//, '')
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '');
  return clean === '' ? undefined : clean;
}

const normaliseText = (text: string): string => text.replace(/\s+/g, ' ').trim().toLowerCase();

function ruleIdsOf(finding: Finding): string[] {
  return [finding.ruleId, ...finding.aliases].map((id) => id.toLowerCase());
}

/**
 * The paths a baseline result may give for a finding: its own file, the
 * path our SARIF writes for it (the Dockerfile or the image's slug when it
 * has no file; alerts of our uploads carry that one), and its target (other
 * tools' SARIF, Trivy's among them, name the scanned image there). All of
 * them name this finding's image, so an alert on another image never
 * matches.
 */
function pathsOf(finding: Finding, location: LocationOptions | undefined): Set<string> {
  const paths = [finding.location?.path, finding.target];
  if (location !== undefined) {
    const written = resolveSarifLocation(finding, location);
    paths.push(written.path, written.uri);
  }
  return new Set(paths.map(normalisePath).filter((p): p is string => p !== undefined));
}

/** A result without a path could be anywhere: only rule and message can tell. */
function pathMatches(paths: ReadonlySet<string>, result: BaselineResult): boolean {
  const path = normalisePath(result.path);
  return path === undefined || paths.size === 0 || paths.has(path);
}

/** `libc6` is in "package: libc6 2.24" but not in "package: libc6-dev 2.24". */
function containsWord(text: string, word: string): boolean {
  if (word === '') return false;
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w.+-])${escaped}($|[^\\w.+-])`).test(text);
}

/** A package finding's message names its package; any other's repeats its title. */
function messageMatches(finding: Finding, result: BaselineResult): boolean {
  if (result.message === undefined || result.message.trim() === '') return false;
  const message = normaliseText(result.message);
  if (finding.package !== undefined)
    return containsWord(message, normaliseText(finding.package.name));
  const title = normaliseText(finding.title);
  const description = normaliseText(finding.description);
  return (
    (title !== '' && (message.includes(title) || title.includes(message))) ||
    (description !== '' && message.includes(description))
  );
}

function groupKey(ruleId: string, path: string | undefined): string {
  return `${ruleId.toLowerCase()}\u0000${normalisePath(path) ?? ''}`;
}

/**
 * Claims one baseline result for a finding among the rule-and-path candidates
 * no other finding has claimed: one whose message matches (on the same line
 * first), or, when both sides have exactly one of that rule in that file, that
 * one. One result stands for one finding: a second secret of one rule in one
 * file is new even though its message reads like the first's.
 */
function claimResult(
  finding: Finding,
  results: readonly BaselineResult[],
  claim: { claimed: Set<number>; findingsPerKey: Map<string, number>; location?: LocationOptions },
): boolean {
  const { claimed, findingsPerKey } = claim;
  const ids = ruleIdsOf(finding);
  const paths = pathsOf(finding, claim.location);
  const candidates = results.flatMap((r, index) =>
    ids.includes(r.ruleId.toLowerCase()) && pathMatches(paths, r) ? [index] : [],
  );
  const open = candidates.filter((index) => !claimed.has(index));
  const byMessage = open.filter((index) =>
    messageMatches(finding, results[index] as BaselineResult),
  );
  const line = finding.location?.startLine;
  const chosen =
    byMessage.find((index) => line !== undefined && results[index]?.line === line) ??
    byMessage[0] ??
    (candidates.length === 1 &&
    open.length === 1 &&
    finding.location !== undefined &&
    findingsPerKey.get(groupKey(finding.ruleId, finding.location.path)) === 1
      ? open[0]
      : undefined);
  if (chosen === undefined) return false;
  claimed.add(chosen);
  return true;
}

/**
 * Sets `baselineState` on copies of the findings and counts the existing
 * ones (waived findings are marked too but not counted). Fingerprints match
 * first; the rest claim the baseline's rule-path-message results one each.
 * `location` (as the SARIF writer gets it) lets a finding without a file be
 * matched by the path its SARIF result has.
 */
export function markBaseline(
  findings: readonly Finding[],
  baseline: BaselineSource,
  location?: LocationOptions,
): { findings: Finding[]; existing: number } {
  const fingerprints = new Set(baseline.fingerprints);
  const findingsPerKey = new Map<string, number>();
  for (const f of findings) {
    if (f.location === undefined) continue;
    const key = groupKey(f.ruleId, f.location.path);
    findingsPerKey.set(key, (findingsPerKey.get(key) ?? 0) + 1);
  }
  const known = findings.map((finding) => fingerprints.has(finding.id));
  const claimed = new Set<number>();
  findings.forEach((finding, index) => {
    if (!known[index])
      known[index] = claimResult(finding, baseline.results, { claimed, findingsPerKey, location });
  });
  let existing = 0;
  const marked = findings.map((finding, index): Finding => {
    if (known[index] && finding.waiver === undefined) existing += 1;
    return { ...finding, baselineState: known[index] ? 'existing' : 'new' };
  });
  return { findings: marked, existing };
}
