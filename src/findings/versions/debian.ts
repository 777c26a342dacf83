/**
 * Debian version ordering as dpkg implements it (`verrevcmp` in
 * lib/dpkg/version.c): `[epoch:]upstream[-revision]`, where `~` sorts before
 * everything, even the end of the string (`1.0~rc1` < `1.0`).
 */

interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

function parseDebian(version: string): DebianVersion {
  const text = version.trim();
  const colon = text.indexOf(':');
  const epoch = colon > 0 && /^\d+$/.test(text.slice(0, colon)) ? Number(text.slice(0, colon)) : 0;
  const rest = colon > 0 ? text.slice(colon + 1) : text;
  const hyphen = rest.lastIndexOf('-');
  return hyphen >= 0
    ? { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) }
    : { epoch, upstream: rest, revision: '' };
}

const isDigit = (ch: string): boolean => ch >= '0' && ch <= '9';
const isAlpha = (ch: string): boolean => /^[A-Za-z]$/.test(ch);

/** dpkg's `order()`: letters by code, then other symbols after letters, `~` first. */
function order(ch: string): number {
  if (ch === '' || isDigit(ch)) return 0;
  if (isAlpha(ch)) return ch.charCodeAt(0);
  if (ch === '~') return -1;
  return ch.charCodeAt(0) + 256;
}

/** Port of dpkg's `verrevcmp`. */
export function compareDpkgPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a.charAt(i))) || (j < b.length && !isDigit(b.charAt(j)))) {
      const diff = order(a.charAt(i)) - order(b.charAt(j));
      if (diff !== 0) return Math.sign(diff);
      i += 1;
      j += 1;
    }
    while (a.charAt(i) === '0') i += 1;
    while (b.charAt(j) === '0') j += 1;
    let firstDiff = 0;
    while (isDigit(a.charAt(i)) && isDigit(b.charAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i += 1;
      j += 1;
    }
    if (isDigit(a.charAt(i))) return 1;
    if (isDigit(b.charAt(j))) return -1;
    if (firstDiff !== 0) return Math.sign(firstDiff);
  }
  return 0;
}

/** Compares two Debian package versions; negative, 0 or positive. */
export function compareDebian(a: string, b: string): number {
  const left = parseDebian(a);
  const right = parseDebian(b);
  return (
    Math.sign(left.epoch - right.epoch) ||
    compareDpkgPart(left.upstream, right.upstream) ||
    compareDpkgPart(left.revision, right.revision)
  );
}
