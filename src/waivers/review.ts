/**
 * Waivers a pull request adds or changes (spec section 6): listed first in
 * the comment so a reviewer sees which accepted risks are new. Pure: the
 * entry point fetches the base branch's file through the contents API.
 */
import type { WaiverEntry } from '../report/view.js';
import { parseWaiversFile } from './parse.js';
import { toWaiverEntry, type Waiver } from './waiver.js';

/**
 * The waivers of `file` in `current` that the base branch does not have with
 * the same content (id, package, path, reason, expiry, approver,
 * mitigation; moving an entry within the file is not a change). Without a
 * base file (new file, no access), or with a base file that does not parse,
 * every waiver of `file` needs review. `matched` is 0: the entry point may
 * take the counts from `applyWaivers`' summary.
 */
export function findWaiversNeedingReview(
  current: readonly Waiver[],
  baseText: string | undefined,
  file: string,
): WaiverEntry[] {
  // Origins name the file the way `loadWaivers` does: workspace-relative, forward slashes.
  const label = file.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
  const ours = current.filter((waiver) => waiver.origin.startsWith(`${label}#`));
  const baseKeys = new Set(readBaseWaivers(baseText, label).map(readContentKey));
  return ours
    .filter((waiver) => !baseKeys.has(readContentKey(waiver)))
    .map((waiver) => toWaiverEntry(waiver, 0));
}

function readBaseWaivers(baseText: string | undefined, file: string): Waiver[] {
  if (baseText === undefined) return [];
  try {
    return parseWaiversFile(baseText, file);
  } catch {
    // A malformed base file approved nothing: every current waiver is new to a reviewer.
    return [];
  }
}

function readContentKey(waiver: Waiver): string {
  return JSON.stringify([
    waiver.id ?? null,
    waiver.package ?? null,
    waiver.path ?? null,
    waiver.reason,
    waiver.expires ?? null,
    waiver.approvedBy ?? null,
    waiver.mitigation ?? null,
  ]);
}
