import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWaivers } from '../../../src/waivers/load.js';
import {
  parseGrypeIgnoreRules,
  parseTrivyIgnore,
  parseWaiversFile,
} from '../../../src/waivers/parse.js';
import { findWaiversNeedingReview, type BaseWaiverFile } from '../../../src/waivers/review.js';
import {
  listWaiverSources,
  waiverFileLabel,
  type WaiverSource,
} from '../../../src/waivers/sources.js';

const FILE = '.github/security-waivers.yml';
const FIXTURES = path.resolve(__dirname, '../../fixtures/waivers');
const WORKSPACE = path.join(FIXTURES, 'workspace');
const base = readFileSync(path.join(FIXTURES, 'security-waivers.yml'), 'utf8');
const trivyBase = readFileSync(path.join(FIXTURES, 'trivyignore'), 'utf8');
const grypeBase = readFileSync(path.join(FIXTURES, 'grype.yaml'), 'utf8');
const current = (text: string) => [
  ...parseWaiversFile(text, FILE),
  ...parseTrivyIgnore('CVE-2020-1\n', '.trivyignore'),
];

const WAIVERS_SOURCE: WaiverSource = { kind: 'waivers-file', label: FILE };
const TRIVY_SOURCE: WaiverSource = { kind: 'trivyignore', label: '.trivyignore' };
const GRYPE_SOURCE: WaiverSource = { kind: 'grype', label: '.grype.yaml' };

function present(source: WaiverSource, text: string): BaseWaiverFile {
  return { source, base: { state: 'present', text } };
}

/** The waivers file only, as the base branch has it (undefined: absent). */
function waiversFileBase(text: string | undefined, label = FILE): BaseWaiverFile[] {
  const source: WaiverSource = { kind: 'waivers-file', label };
  return [text === undefined ? { source, base: { state: 'absent' } } : present(source, text)];
}

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
    expect(findWaiversNeedingReview(current(text), waiversFileBase(base)).map((e) => e.id)).toEqual(
      expected,
    );
  });

  it('does not count moving an entry as a change', () => {
    const [header, ...entries] = base.split(/(?= {2}- id:)/);
    const reordered = [
      header,
      ...entries.reverse().map((e) => (e.endsWith('\n') ? e : `${e}\n`)),
    ].join('');
    expect(findWaiversNeedingReview(current(reordered), waiversFileBase(base))).toEqual([]);
  });

  it.each([
    ['no base file', waiversFileBase(undefined)],
    ['a malformed base file', waiversFileBase('waivers:\n  - id: CVE-1\n')],
    [
      'a base file that could not be read',
      [{ source: WAIVERS_SOURCE, base: { state: 'unreadable' } } satisfies BaseWaiverFile],
    ],
  ])('lists every waiver of the file with %s', (_label, bases) => {
    const entries = findWaiversNeedingReview(current(base), bases);
    expect(entries.map((e) => e.origin)).toEqual([0, 1, 2, 3].map((i) => `${FILE}#${i}`));
    expect(entries[0]).toMatchObject({
      id: 'GHSA-hv5j-3h9f-99c2',
      package: 'uri',
      approvedBy: 'security-team',
      matched: 0,
    });
  });

  it('lists waivers only of the files it is given the base of', () => {
    // The .trivyignore waiver of `current` has no base entry given: not this call's to judge.
    expect(findWaiversNeedingReview(current(base), waiversFileBase(base))).toEqual([]);
  });

  it('lists .trivyignore and grype rules a pull request adds or changes, like waivers', async () => {
    // The fixture workspace holds byte copies of the three files at their default places.
    const head = await loadWaivers({ workspace: WORKSPACE, waiversFile: FILE, explicit: false });
    const trivyHead = `${trivyBase}\n# Fixed upstream next week\nCVE-2024-3094 exp:2026-01-31\n`;
    const grypeHead = grypeBase.replace(
      'reason: httpclient is only used by a build plugin',
      'reason: httpclient is not shipped',
    );
    const changed = [
      ...head.filter((w) => w.origin.startsWith(`${FILE}#`)),
      ...parseTrivyIgnore(trivyHead, '.trivyignore'),
      ...parseGrypeIgnoreRules(grypeHead, '.grype.yaml'),
    ];
    const bases = [
      present(WAIVERS_SOURCE, base),
      present(TRIVY_SOURCE, trivyBase),
      present(GRYPE_SOURCE, grypeBase),
    ];
    expect(findWaiversNeedingReview(head, bases)).toEqual([]);
    expect(findWaiversNeedingReview(changed, bases).map((e) => [e.id, e.origin])).toEqual([
      ['CVE-2024-3094', '.trivyignore:9'],
      ['GHSA-cfh5-3ghh-wfjx', '.grype.yaml#2'],
    ]);
  });

  it('flags a grype rule whose criteria widened, though its reason did not change', () => {
    const widened = grypeBase.replace('      type: rpm\n', '');
    const entries = findWaiversNeedingReview(parseGrypeIgnoreRules(widened, '.grype.yaml'), [
      present(GRYPE_SOURCE, grypeBase),
    ]);
    expect(entries.map((e) => e.origin)).toEqual(['.grype.yaml#0']);
  });

  it('accepts the file named with ./ or by its absolute path in the workspace', () => {
    for (const named of [`./${FILE}`, path.join(WORKSPACE, FILE)]) {
      const label = waiverFileLabel(WORKSPACE, named);
      expect(label).toBe(FILE);
      expect(
        findWaiversNeedingReview(current(base), waiversFileBase(undefined, label)),
      ).toHaveLength(4);
    }
  });
});

describe('waiver sources', () => {
  it('names every source the way loadWaivers writes origins', async () => {
    const absolute = path.join(WORKSPACE, FILE);
    const waivers = await loadWaivers({
      workspace: WORKSPACE,
      waiversFile: absolute,
      explicit: true,
    });
    const labels = listWaiverSources(WORKSPACE, absolute).map((s) => s.label);
    expect(labels.slice(0, 3)).toEqual([FILE, '.trivyignore', '.grype.yaml']);
    for (const waiver of waivers)
      expect(labels.some((label) => waiver.origin.startsWith(label))).toBe(true);
  });

  it('keeps the absolute path of a file outside the workspace', () => {
    expect(waiverFileLabel('/work/repo', '/etc/waivers.yml')).toBe('/etc/waivers.yml');
    expect(waiverFileLabel('/work/repo', '../other/w.yml')).toBe('/work/other/w.yml');
  });
});
