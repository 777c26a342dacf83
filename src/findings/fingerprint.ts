/**
 * Stable finding ids (SPEC section 5, "Fingerprint"): the same problem gets
 * the same id on every commit, so `gate-scope: new` and code scanning can tell
 * new findings from existing ones.
 *
 * - Package findings (vulnerabilities, license findings with a package):
 *   kind, canonical id (`vulnerability-id.ts`, as merging uses it), package
 *   key (`package-key.ts`: the normalised PURL, else type + name, spelled
 *   the same from either), installed version, and the target's identity
 *   (`image-ref.ts`: no digest, nor a tag that names a commit, so
 *   `app:${{ github.sha }}` is one target on every commit while `node:18`
 *   and `node:20` are two).
 * - File findings: kind, rule, path and a hash of the flagged line's content
 *   with whitespace normalised — not its number, so unrelated edits above it
 *   do not change the id. The line number is used only when the file cannot
 *   be read. Whole-file findings (`location.wholeFile`: the scanner named no
 *   line) hash no line at all; a finding flagged at line 1 is not one.
 * - Anything else: kind, rule, target identity, title.
 * - A finding that already has an id keeps it: an imported SARIF result
 *   carrying our own `securityGate/v1` was fingerprinted by the run that
 *   scanned it, against the checkout it scanned (the workflow_run pattern
 *   imports it over another branch's checkout).
 *
 * Pure: the file system is reached through `readLine`; node:crypto only hashes.
 */
import { createHash } from 'node:crypto';
import type { FileLocation, Finding } from './finding.js';
import { targetIdentity } from './image-ref.js';
import { packageKey } from './package-key.js';
import { canonicalVulnerabilityId } from './vulnerability-id.js';

/** Key under which our fingerprint goes into SARIF `partialFingerprints` (and is read back). */
export const FINGERPRINT_KEY = 'securityGate/v1';

/** Hex characters kept from the SHA-256 (128 bits: collisions are not a practical concern). */
export const FINGERPRINT_LENGTH = 32;

/** Reads one line (1-based) of a repository file; undefined when the file or line cannot be read. */
export type LineReader = (path: string, line: number) => string | undefined;

function hashParts(parts: Array<string | undefined>): string {
  const hash = createHash('sha256');
  // A separator that cannot occur in the parts keeps ('a','bc') and ('ab','c') apart.
  for (const part of parts) hash.update(`${part ?? ''}\u0000`);
  return hash.digest('hex').slice(0, FINGERPRINT_LENGTH);
}

/** Hash of a line's content, ignoring indentation and runs of whitespace. */
export function hashLineContent(line: string): string {
  return hashParts([line.replace(/\s+/g, ' ').trim()]);
}

/**
 * True for a finding about a whole file rather than a line: the scanner named
 * no line (Trivy's `Image user should not be 'root'`, `No HEALTHCHECK
 * defined`), so the parser placed it at line 1 and said so. Its id must not
 * hash line 1, or a comment added at the top of the file would make it new.
 * A finding the scanner flagged at line 1 (a `FROM` on line 1) is not one.
 */
export function isWholeFileLocation(location: Pick<FileLocation, 'wholeFile'>): boolean {
  return location.wholeFile === true;
}

function fingerprintOne(finding: Finding, readLine: LineReader): Finding {
  if (finding.id !== '') return finding;
  const pkg = finding.package;
  if (pkg !== undefined && (finding.kind === 'vulnerability' || finding.location === undefined)) {
    const id = hashParts([
      finding.kind,
      canonicalVulnerabilityId(finding),
      packageKey(pkg),
      pkg.installedVersion,
      targetIdentity(finding.target),
    ]);
    return { ...finding, id };
  }
  const location = finding.location;
  if (location !== undefined && isWholeFileLocation(location)) {
    // No line was flagged: line 1's content is not the finding's, so it stays out of the id.
    return { ...finding, id: hashParts([finding.kind, finding.ruleId, location.path, 'file']) };
  }
  if (location !== undefined) {
    const line = readLine(location.path, location.startLine);
    const lineHash = line === undefined ? undefined : hashLineContent(line);
    const lineKey = lineHash ?? `line:${location.startLine}`;
    const id = hashParts([finding.kind, finding.ruleId, location.path, lineKey]);
    return lineHash === undefined ? { ...finding, id } : { ...finding, id, lineHash };
  }
  return {
    ...finding,
    id: hashParts([finding.kind, finding.ruleId, targetIdentity(finding.target), finding.title]),
  };
}

/** Secondary order for findings that share a fingerprint: what still tells them apart. */
function compareTwins(a: Finding, b: Finding): number {
  return (
    (a.location?.startLine ?? 0) - (b.location?.startLine ?? 0) ||
    (a.location?.startColumn ?? 0) - (b.location?.startColumn ?? 0) ||
    a.description.localeCompare(b.description) ||
    a.title.localeCompare(b.title)
  );
}

/**
 * Returns copies of the findings with `id` (and `lineHash` where the line
 * could be read) set. Findings whose keys coincide (the same rule on two
 * identical lines of one file) get an occurrence number mixed in, like
 * GitHub's `hash:N`, so every id in the list is unique.
 */
export function fingerprintFindings(findings: Finding[], readLine: LineReader): Finding[] {
  const result = findings.map((f) => fingerprintOne(f, readLine));
  const groups = new Map<string, number[]>();
  result.forEach((f, index) => groups.set(f.id, [...(groups.get(f.id) ?? []), index]));
  for (const [id, indexes] of groups) {
    if (indexes.length < 2) continue;
    const ordered = [...indexes].sort((i, j) =>
      compareTwins(result[i] as Finding, result[j] as Finding),
    );
    // The first keeps the plain id, so a finding that gains a twin keeps its id.
    ordered.slice(1).forEach((index, n) => {
      result[index] = { ...(result[index] as Finding), id: hashParts([id, String(n + 2)]) };
    });
  }
  return result;
}
