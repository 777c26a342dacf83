import { describe, expect, it } from 'vitest';
import {
  releaseComponents,
  releaseLineDepth,
  sameReleaseLine,
} from '../../../../src/findings/versions/release-line.js';

describe('releaseComponents', () => {
  it.each([
    ['maven', '2.12.7.1', ['2', '12', '7', '1']],
    ['gomod', 'v2.7.1+incompatible', ['2', '7', '1', 'incompatible']],
    ['npm', 'v1.2.3-rc.1', ['1', '2', '3', 'rc', '1']],
    ['debian', '1:2.30-1+deb10u1', ['2', '30', '1', 'deb', '10', 'u', '1']],
    ['rpm', '2:4.2.46-33.el7', ['4', '2', '46', '33', 'el', '7']],
    ['pep440', '1!2.0.post1', ['2', '0', 'post', '1']],
    ['alpine', '1.1.1d-r2', ['1', '1', '1', 'd', 'r', '2']],
    // Leading zeros name the same line.
    ['apk', '1.02.07', ['1', '2', '7']],
  ])('%s %s → %j', (ecosystem, version, expected) => {
    expect(releaseComponents(ecosystem, version)).toEqual(expected);
  });
});

describe('releaseLineDepth', () => {
  const depth = (ecosystem: string, fixes: string[]): number =>
    releaseLineDepth(fixes.map((fix) => releaseComponents(ecosystem, fix)));

  it.each([
    // Fixes on different majors: major lines.
    ['npm', ['1.4.2', '2.1.0'], 1],
    ['rpm', ['1.2.1', '2.1.3', '3.4.0'], 1],
    // Same major, different minors: minor lines.
    ['maven', ['2.12.7.1', '2.13.4.2'], 2],
    ['gemspec', ['6.0.3.1', '6.1.2.1'], 2],
    // One fix: one line (any depth gives the same answer).
    ['npm', ['1.2.5'], 4],
    ['npm', [], 1],
  ])('%s %j → %i', (ecosystem, fixes, expected) => {
    expect(depth(ecosystem, fixes)).toBe(expected);
  });
});

describe('sameReleaseLine', () => {
  it.each([
    [['2', '12', '9'], ['2', '12', '7', '1'], 2, true],
    [['2', '13', '1'], ['2', '12', '7', '1'], 2, false],
    [['2', '13', '1'], ['2', '12', '7', '1'], 1, true],
    // A missing component reads as 0.
    [['2'], ['2', '0', '1'], 2, true],
    [['2'], ['2', '1'], 2, false],
  ])('%j and %j at depth %i → %s', (a, b, depth, expected) => {
    expect(sameReleaseLine(a, b, depth)).toBe(expected);
  });
});
