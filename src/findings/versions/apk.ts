/**
 * Alpine (apk-tools) version ordering, also used by Wolfi and Chainguard:
 * `1.2.3[letter][_suffix[N]]…[-rN]`. Pre-release suffixes (`_alpha`,
 * `_beta`, `_pre`, `_rc`) sort before the release, post-release ones
 * (`_cvs`, `_svn`, `_git`, `_hg`, `_p`) after it.
 */
import { compareGeneric } from './generic.js';

const SUFFIX_RANK: Record<string, number> = {
  alpha: -4,
  beta: -3,
  pre: -2,
  rc: -1,
  cvs: 1,
  svn: 2,
  git: 3,
  hg: 4,
  p: 5,
};

interface ApkVersion {
  numbers: string[];
  letter: string;
  suffixes: Array<{ rank: number; number: number }>;
  revision: number;
}

const APK_PATTERN =
  /^(\d+(?:\.\d+)*)([a-z]?)((?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*)(?:~[0-9a-f]+)?(?:-r(\d+))?$/;

function parseApk(version: string): ApkVersion | undefined {
  const match = APK_PATTERN.exec(version.trim());
  if (!match) return undefined;
  const suffixes = [...(match[3] ?? '').matchAll(/_([a-z]+)(\d*)/g)].map((m) => ({
    rank: SUFFIX_RANK[m[1] ?? ''] ?? 0,
    number: Number(m[2] === '' ? 0 : m[2]),
  }));
  return {
    numbers: (match[1] ?? '0').split('.'),
    letter: match[2] ?? '',
    suffixes,
    revision: Number(match[4] ?? 0),
  };
}

/** apk compares a later component with a leading zero as a decimal fraction (`1.01` < `1.1`). */
function compareComponent(a: string, b: string, first: boolean): number {
  if (!first && (a.startsWith('0') || b.startsWith('0'))) {
    const left = a.replace(/0+$/, '');
    const right = b.replace(/0+$/, '');
    return left < right ? -1 : left > right ? 1 : 0;
  }
  return Math.sign(Number(a) - Number(b));
}

function compareNumbers(a: string[], b: string[]): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const result = compareComponent(a[i] ?? '0', b[i] ?? '0', i === 0);
    if (result !== 0) return result;
  }
  return Math.sign(a.length - b.length);
}

function compareSuffixes(a: ApkVersion['suffixes'], b: ApkVersion['suffixes']): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    // A missing suffix is the release itself: rank 0.
    const left = a[i] ?? { rank: 0, number: 0 };
    const right = b[i] ?? { rank: 0, number: 0 };
    const result = Math.sign(left.rank - right.rank) || Math.sign(left.number - right.number);
    if (result !== 0) return result;
  }
  return 0;
}

/** Compares two apk versions; falls back to the generic order for malformed ones. */
export function compareApk(a: string, b: string): number {
  const left = parseApk(a);
  const right = parseApk(b);
  if (!left || !right) return compareGeneric(a, b);
  return (
    compareNumbers(left.numbers, right.numbers) ||
    (left.letter < right.letter ? -1 : left.letter > right.letter ? 1 : 0) ||
    compareSuffixes(left.suffixes, right.suffixes) ||
    Math.sign(left.revision - right.revision)
  );
}
