/**
 * The baseline record (SPEC section 11, "New findings only"): a small JSON
 * file a `push` run saves with the fingerprints of its branch's findings, so
 * a pull request can tell new findings from those its base branch already
 * had. Pure.
 */
import { z } from 'zod';
import type { Finding } from '../findings/finding.js';
import { isWholeFileLocation } from '../findings/fingerprint.js';

/**
 * Bumped whenever the ids or results a record holds are made differently (2:
 * package keys, canonical rule ids, target identities, whole-file
 * locations): a record of another version is not compared with, so the run
 * falls back to the alerts instead of finding every finding new.
 */
export const BASELINE_RECORD_VERSION = 2;

/** One finding matched by rule, path and message instead of its fingerprint. */
export interface BaselineResult {
  ruleId: string;
  path?: string;
  message?: string;
  /** Start line, when known: only breaks ties between results of one rule in one file. */
  line?: number;
  /** Code scanning alerts only: the category of the analysis that has the alert. */
  category?: string;
}

export interface BaselineRecord {
  version: typeof BASELINE_RECORD_VERSION;
  /** The branch ref the record was made on (`refs/heads/main`). */
  ref: string;
  sha: string;
  /**
   * The record's scope: the run's `sarif-category`, plus the image of an image
   * scan (see `baselineScope`), so steps gating different things keep separate records.
   */
  category: string;
  createdAt: string;
  /** Finding ids, sorted. */
  fingerprints: string[];
  /**
   * Findings whose id depends on a line number (their file could not be read):
   * matched by rule, path and message too, so an edit above them does not make them new.
   */
  results: BaselineResult[];
}

export interface BaselineMeta {
  ref: string;
  sha: string;
  category: string;
  createdAt: string;
}

const MESSAGE_LIMIT = 200;

const recordSchema = z.object({
  version: z.literal(BASELINE_RECORD_VERSION),
  ref: z.string(),
  sha: z.string(),
  category: z.string(),
  createdAt: z.string(),
  fingerprints: z.array(z.string().min(1)),
  results: z.array(
    z.object({
      ruleId: z.string().min(1),
      path: z.string().optional(),
      message: z.string().optional(),
    }),
  ),
});

/** The record of a branch's findings (waived ones included: a waiver may expire later). */
export function buildBaselineRecord(
  findings: readonly Finding[],
  meta: BaselineMeta,
): BaselineRecord {
  const fingerprints = [...new Set(findings.map((f) => f.id).filter((id) => id !== ''))].sort();
  const results = findings
    .filter(
      (f) =>
        f.location !== undefined && f.lineHash === undefined && !isWholeFileLocation(f.location),
    )
    .map((f) => ({
      ruleId: f.ruleId,
      path: f.location?.path,
      message: f.title.slice(0, MESSAGE_LIMIT),
    }));
  return { version: BASELINE_RECORD_VERSION, ...meta, fingerprints, results };
}

/** Validates a record read back from the cache; throws an Error saying what is wrong. */
export function parseBaselineRecord(data: unknown): BaselineRecord {
  const version = (data as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== BASELINE_RECORD_VERSION) {
    // A record saved by another release of the action: its ids are made differently.
    throw new Error(
      `a baseline record of version ${version}, not ${BASELINE_RECORD_VERSION} (a push run of this version saves a new one)`,
    );
  }
  const parsed = recordSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unreadable';
    throw new Error(`not a Security Gate baseline record (${where})`);
  }
  return parsed.data;
}

/** True when a JSON document looks like a baseline record rather than SARIF. */
export function isBaselineRecord(data: unknown): boolean {
  return typeof data === 'object' && data !== null && 'fingerprints' in data && !('runs' in data);
}
