/**
 * Waivers a pull request adds or changes (spec section 6): listed first in
 * the comment so a reviewer sees which accepted risks are new. Every waiver
 * source counts (the waivers file, `.trivyignore`, the grype config's
 * `ignore:` rules): they are applied alike, so they are reviewed alike.
 * Pure: the entry point fetches the base branch's files through the
 * contents API.
 */
import type { WaiverEntry } from '../report/view.js';
import { isFromSource, parseWaiverSource, type WaiverSource } from './sources.js';
import { toWaiverEntry, type Waiver } from './waiver.js';

/** One waiver file as the base branch has it. */
export interface BaseWaiverFile {
  source: WaiverSource;
  /**
   * `present`: its text; `absent`: not on the base branch (every waiver in it
   * is new); `unreadable`: could not be read (no `contents: read`, an API
   * error): every waiver in it needs review, since nothing shows it approved.
   */
  base: { state: 'present'; text: string } | { state: 'absent' } | { state: 'unreadable' };
}

/**
 * The waivers of the given files that the base branch does not have with
 * the same content (every criterion, reason, expiry, approver and
 * mitigation; moving an entry within its file is not a change), in the
 * order of `current`. A base file that is absent,
 * unreadable or does not parse approved nothing. `matched` is 0: the entry
 * point may take the counts from `applyWaivers`' summary.
 */
export function findWaiversNeedingReview(
  current: readonly Waiver[],
  bases: readonly BaseWaiverFile[],
): WaiverEntry[] {
  const approved = new Map(bases.map((file) => [file.source.label, approvedKeys(file)]));
  return current
    .filter((waiver) => {
      const label = bases.find((file) => isFromSource(waiver, file.source.label))?.source.label;
      if (label === undefined) return false;
      return !approved.get(label)?.has(readContentKey(waiver));
    })
    .map((waiver) => toWaiverEntry(waiver, 0));
}

function approvedKeys(file: BaseWaiverFile): Set<string> {
  if (file.base.state !== 'present') return new Set();
  try {
    return new Set(parseWaiverSource(file.source, file.base.text).map(readContentKey));
  } catch {
    // A malformed base file approved nothing: every current waiver is new to a reviewer.
    return new Set();
  }
}

/** Everything a waiver says but where it says it: moving an entry is not a change. */
function readContentKey(waiver: Waiver): string {
  return JSON.stringify(
    Object.entries(waiver)
      .filter(([key, value]) => key !== 'origin' && value !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}
