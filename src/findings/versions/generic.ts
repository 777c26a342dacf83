/**
 * The fallback ordering for versions of an unknown ecosystem: numbers compare
 * as numbers, words as words, and a word where the other side has ended or
 * has a number reads as a pre-release (`1.0rc1` < `1.0` < `1.0.1`).
 */

type Token = number | string;

function tokenize(version: string): Token[] {
  const tokens = version.toLowerCase().match(/\d+|[a-z]+/g) ?? [];
  return tokens.map((token) => (/^\d/.test(token) ? Number(token) : token));
}

function compareTokens(a: Token | undefined, b: Token | undefined): number {
  const left = a ?? 0;
  const right = b ?? 0;
  if (typeof left === 'number' && typeof right === 'number') return Math.sign(left - right);
  if (typeof left === 'string' && typeof right === 'string')
    return left < right ? -1 : left > right ? 1 : 0;
  // A word against a number (or the implicit 0 of an ended version) is a pre-release.
  return typeof left === 'string' ? -1 : 1;
}

/** Natural comparison of two version strings; negative, 0 or positive. */
export function compareGeneric(a: string, b: string): number {
  const left = tokenize(a);
  const right = tokenize(b);
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i += 1) {
    const result = compareTokens(left[i], right[i]);
    if (result !== 0) return result;
  }
  return 0;
}
