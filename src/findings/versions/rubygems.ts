/**
 * RubyGems version ordering (`Gem::Version#<=>`): segments of digits or
 * letters, a letter segment makes a pre-release (`1.0.a` < `1.0`), trailing
 * zeros are ignored (`1.0` = `1`), and `-` reads as `.pre.`.
 */

type Segment = number | string;

function segmentsOf(version: string): Segment[] {
  const text = version.trim().replace(/-/g, '.pre.');
  const raw = (text.match(/\d+|[a-z]+/gi) ?? []).map((s): Segment =>
    /^\d/.test(s) ? Number(s) : s,
  );
  // Canonical segments: drop trailing zeros of the release part and of the pre-release part.
  const firstString = raw.findIndex((s) => typeof s === 'string');
  const release = firstString === -1 ? raw : raw.slice(0, firstString);
  const pre = firstString === -1 ? [] : raw.slice(firstString);
  const trim = (parts: Segment[]): Segment[] => {
    const copy = [...parts];
    while (copy.length > 0 && copy[copy.length - 1] === 0) copy.pop();
    return copy;
  };
  return [...trim(release), ...trim(pre)];
}

/** Compares two gem versions; negative, 0 or positive. */
export function compareRubyGems(a: string, b: string): number {
  const left = segmentsOf(a);
  const right = segmentsOf(b);
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i += 1) {
    const l = left[i] ?? 0;
    const r = right[i] ?? 0;
    if (l === r) continue;
    if (typeof l === 'string' && typeof r === 'number') return -1;
    if (typeof l === 'number' && typeof r === 'string') return 1;
    return l < r ? -1 : 1;
  }
  return 0;
}
