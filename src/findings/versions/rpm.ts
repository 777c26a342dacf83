/**
 * RPM version ordering (`rpmvercmp` in rpmio/rpmvercmp.c, rpm ≥ 4.15):
 * `[epoch:]version[-release]`, alternating digit and letter segments, digits
 * newer than letters, `~` before everything (pre-releases) and `^` after the
 * end but before anything else (post-release snapshots).
 */

const isDigit = (ch: string): boolean => ch >= '0' && ch <= '9';
const isAlpha = (ch: string): boolean => /^[A-Za-z]$/.test(ch);
const isAlnum = (ch: string): boolean => isDigit(ch) || isAlpha(ch);

function skipSeparators(text: string, start: number): number {
  let i = start;
  while (
    i < text.length &&
    !isAlnum(text.charAt(i)) &&
    text.charAt(i) !== '~' &&
    text.charAt(i) !== '^'
  )
    i += 1;
  return i;
}

function takeSegment(text: string, start: number, digits: boolean): number {
  let i = start;
  while (i < text.length && (digits ? isDigit(text.charAt(i)) : isAlpha(text.charAt(i)))) i += 1;
  return i;
}

function compareSegment(a: string, b: string, numeric: boolean): number {
  if (numeric) {
    const left = a.replace(/^0+/, '');
    const right = b.replace(/^0+/, '');
    if (left.length !== right.length) return left.length > right.length ? 1 : -1;
    return left < right ? -1 : left > right ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A `~` or `^` at either position decides, or null to carry on. */
function compareMarkers(a: string, b: string): number | null {
  if (a === '~' || b === '~') return a !== '~' ? 1 : b !== '~' ? -1 : 0;
  if (a === '^' || b === '^') {
    if (a === '') return -1;
    if (b === '') return 1;
    return a !== '^' ? 1 : b !== '^' ? -1 : 0;
  }
  return null;
}

/** Port of `rpmvercmp` for one version or release string. */
export function compareRpmPart(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    i = skipSeparators(a, i);
    j = skipSeparators(b, j);
    const marker = compareMarkers(a.charAt(i), b.charAt(j));
    if (marker !== null) {
      if (marker !== 0) return marker;
      i += 1;
      j += 1;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = isDigit(a.charAt(i));
    const endA = takeSegment(a, i, numeric);
    const endB = takeSegment(b, j, numeric);
    // Segments of different types: the numeric one is newer.
    if (endB === j) return numeric ? 1 : -1;
    const result = compareSegment(a.slice(i, endA), b.slice(j, endB), numeric);
    if (result !== 0) return result;
    i = endA;
    j = endB;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

interface Evr {
  epoch: number;
  version: string;
  release?: string;
}

function parseEvr(text: string): Evr {
  const match = /^(?:(\d+):)?(.*)$/.exec(text.trim());
  const epoch = Number(match?.[1] ?? 0);
  const rest = match?.[2] ?? '';
  const hyphen = rest.lastIndexOf('-');
  return hyphen >= 0
    ? { epoch, version: rest.slice(0, hyphen), release: rest.slice(hyphen + 1) }
    : { epoch, version: rest };
}

/** Compares two RPM EVR strings; a release missing on either side is not compared (as dnf does). */
export function compareRpm(a: string, b: string): number {
  const left = parseEvr(a);
  const right = parseEvr(b);
  const byEpoch = Math.sign(left.epoch - right.epoch);
  if (byEpoch !== 0) return byEpoch;
  const byVersion = compareRpmPart(left.version, right.version);
  if (byVersion !== 0 || left.release === undefined || right.release === undefined)
    return byVersion;
  return compareRpmPart(left.release, right.release);
}
