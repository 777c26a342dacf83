/**
 * Alpine (apk-tools) version ordering, also used by Wolfi and Chainguard:
 * `1.2.3[letter][_suffix[N]]…[~hash][-rN]`. Pre-release suffixes (`_alpha`,
 * `_beta`, `_pre`, `_rc`) sort before the release, post-release ones
 * (`_cvs`, `_svn`, `_git`, `_hg`, `_p`) after it.
 *
 * This is apk-tools' own algorithm (`src/version.c`, apk-tools 3): the
 * version is read as typed tokens, compared while both sides have a token of
 * the same type; when the types part, the side that ended (or goes on with a
 * pre-release suffix) is older. Leading zeros: a component after a `.` that
 * starts with `0` on either side is compared as a string (byte order, then
 * length), as in Gentoo's rules, so `1.01` < `1.1`, `1.010` > `1.01` and
 * `1.001` < `1.01`; other components compare as numbers.
 *
 * apk-tools 2 and go-apk-version (which Trivy and Grype use) read such a
 * component as "minus the number of zeros, then the rest": they agree with
 * the above on those three examples and differ only on rare pairs such as
 * `1.09` / `1.010`, and on a bare `1.0_rc1` / `1.0` (no `-rN`), which they
 * order after the release.
 */
import { compareGeneric } from './generic.js';

/** Token types in apk-tools' order: when the types part, the larger one is the older version. */
const INITIAL_DIGIT = 0;
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NO = 4;
const COMMIT_HASH = 5;
const REVISION_NO = 6;
const END = 7;
const INVALID = 8;

/** Suffix ranks; a release without a suffix sits at `NONE`. */
const SUFFIX_RANK: Record<string, number> = {
  alpha: 1,
  beta: 2,
  pre: 3,
  rc: 4,
  cvs: 6,
  svn: 7,
  git: 8,
  hg: 9,
  p: 10,
};
const NONE = 5;

/** One version being read: the text, the position, and the current token. */
interface Token {
  text: string;
  pos: number;
  type: number;
  value: string;
  suffix: number;
}

function take(t: Token, pattern: RegExp): string {
  const match = pattern.exec(t.text.slice(t.pos))?.[0] ?? '';
  t.pos += match.length;
  return match;
}

function readDigits(t: Token, type: number): void {
  t.value = take(t, /^\d*/);
  t.type = t.value === '' ? INVALID : type;
}

/** Moves to the next token (apk's `token_next`): its type follows from its first character. */
function next(t: Token): void {
  const ch = t.text[t.pos];
  if (ch === undefined) {
    t.type = END;
  } else if (ch >= 'a' && ch <= 'z') {
    t.value = ch;
    t.pos += 1;
    t.type = t.type > DIGIT ? INVALID : LETTER;
  } else if (ch === '.' || (ch >= '0' && ch <= '9')) {
    if (ch === '.') t.pos += 1;
    const type = t.type <= DIGIT ? DIGIT : t.type === SUFFIX && ch !== '.' ? SUFFIX_NO : INVALID;
    if (type === INVALID) t.type = INVALID;
    else readDigits(t, type);
  } else if (ch === '_' && t.type <= SUFFIX_NO) {
    t.pos += 1;
    t.value = take(t, /^[a-z]*/);
    t.suffix = SUFFIX_RANK[t.value] ?? 0;
    t.type = t.suffix === 0 ? INVALID : SUFFIX;
  } else if (ch === '~' && t.type < COMMIT_HASH) {
    t.pos += 1;
    t.value = take(t, /^[0-9a-fA-F]*/);
    t.type = t.value === '' ? INVALID : COMMIT_HASH;
  } else if (ch === '-' && t.type < REVISION_NO && t.text[t.pos + 1] === 'r') {
    t.pos += 2;
    readDigits(t, REVISION_NO);
  } else {
    t.type = INVALID;
  }
}

function first(version: string): Token {
  const t: Token = { text: version.trim(), pos: 0, type: INITIAL_DIGIT, value: '', suffix: 0 };
  readDigits(t, INITIAL_DIGIT);
  return t;
}

const sign = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Digit strings as numbers of any size: shorter (without leading zeros) is smaller. */
function compareNumbers(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  return Math.sign(x.length - y.length) || sign(x, y);
}

/** Two tokens of the same type (apk's `token_cmp`). */
function compareTokens(a: Token, b: Token): number {
  switch (a.type) {
    case DIGIT:
      // A leading zero on either side: string order (Gentoo's rule).
      if (a.value.startsWith('0') || b.value.startsWith('0')) return sign(a.value, b.value);
      return compareNumbers(a.value, b.value);
    case INITIAL_DIGIT:
    case SUFFIX_NO:
    case REVISION_NO:
      return compareNumbers(a.value, b.value);
    case SUFFIX:
      return Math.sign(a.suffix - b.suffix);
    default:
      return sign(a.value, b.value);
  }
}

/** Compares two apk versions; negative, 0 or positive. */
export function compareApk(a: string, b: string): number {
  const left = first(a);
  const right = first(b);
  // Not an apk version at all (no leading number): the generic order is more useful than "equal".
  if (left.type === INVALID || right.type === INVALID) return compareGeneric(a, b);
  while (left.type === right.type && left.type < END) {
    const result = compareTokens(left, right);
    if (result !== 0) return result;
    next(left);
    next(right);
  }
  if (left.type === right.type) return 0;
  if (left.type === SUFFIX && left.suffix < NONE) return -1;
  if (right.type === SUFFIX && right.suffix < NONE) return 1;
  return left.type > right.type ? -1 : 1;
}
