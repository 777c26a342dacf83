import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrivyIgnore, parseWaiversFile } from '../../../src/waivers/parse.js';
import { findWaiversNeedingReview } from '../../../src/waivers/review.js';

const FILE = '.github/security-waivers.yml';
const base = readFileSync(
  path.resolve(__dirname, '../../fixtures/waivers/security-waivers.yml'),
  'utf8',
);
const current = (text: string) => [
  ...parseWaiversFile(text, FILE),
  ...parseTrivyIgnore('CVE-2020-1\n', '.trivyignore'),
];

describe('findWaiversNeedingReview', () => {
  it.each([
    ['nothing changed', base, []],
    [
      'a reason changed',
      base.replace('Base image rebuilt weekly', 'Base image rebuilt monthly'),
      ['CVE-2023-28755'],
    ],
    [
      'an expiry extended',
      base.replace('expires: 2026-06-15', 'expires: 2027-06-15'),
      ['CVE-2020-12413'],
    ],
    [
      'a waiver added',
      `${base}  - id: CVE-2024-0001\n    reason: new\n    expires: 2026-09-01\n`,
      ['CVE-2024-0001'],
    ],
    ['only a comment changed', base.replace('# an alias', '# the alias'), []],
    ['a waiver removed', base.replace(/ {2}- id: CVE-1999-9999[\s\S]*$/, ''), []],
  ])('lists only added or changed waivers of the file when %s', (_label, text, expected) => {
    expect(findWaiversNeedingReview(current(text), base, FILE).map((e) => e.id)).toEqual(expected);
  });

  it('does not count moving an entry as a change', () => {
    const [header, ...entries] = base.split(/(?= {2}- id:)/);
    const reordered = [
      header,
      ...entries.reverse().map((e) => (e.endsWith('\n') ? e : `${e}\n`)),
    ].join('');
    expect(findWaiversNeedingReview(current(reordered), base, FILE)).toEqual([]);
  });

  it.each([
    ['no base file', undefined],
    ['a malformed base file', 'waivers:\n  - id: CVE-1\n'],
  ])('lists every waiver of the file with %s', (_label, baseText) => {
    const entries = findWaiversNeedingReview(current(base), baseText, FILE);
    expect(entries.map((e) => e.origin)).toEqual([0, 1, 2, 3].map((i) => `${FILE}#${i}`));
    expect(entries[0]).toMatchObject({
      id: 'GHSA-hv5j-3h9f-99c2',
      package: 'uri',
      approvedBy: 'security-team',
      matched: 0,
    });
  });

  it('accepts the file named with ./', () => {
    expect(findWaiversNeedingReview(current(base), undefined, `./${FILE}`)).toHaveLength(4);
  });
});
