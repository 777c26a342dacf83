import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import {
  parseGrypeIgnoreRules,
  parseTrivyIgnore,
  parseWaiversFile,
} from '../../../src/waivers/parse.js';

const FIXTURES = path.resolve(__dirname, '../../fixtures/waivers');
const read = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
const FILE = '.github/security-waivers.yml';

describe('parseWaiversFile', () => {
  it('reads every entry of the fixture with its origin', () => {
    const waivers = parseWaiversFile(read('security-waivers.yml'), FILE);
    expect(waivers).toHaveLength(4);
    expect(waivers[0]).toEqual({
      id: 'GHSA-hv5j-3h9f-99c2',
      package: 'uri',
      reason: 'URI parsing only sees trusted configuration values',
      expires: '2026-07-01',
      approvedBy: 'security-team',
      mitigation: 'Input length capped at 256 bytes',
      origin: `${FILE}#0`,
    });
    expect(waivers[2]).toMatchObject({
      id: 'CVE-2023-28755',
      path: 'cgr.dev/chainguard/**',
      origin: `${FILE}#2`,
    });
  });

  it.each([
    ['an empty file', ''],
    ['a comment only', '# nothing accepted yet\n'],
    ['an empty list', 'waivers: []\n'],
    ['a null list', 'waivers:\n'],
  ])('accepts %s as no waivers', (_label, text) => {
    expect(parseWaiversFile(text, FILE)).toEqual([]);
  });

  const entry = (lines: string) =>
    `waivers:\n  - id: CVE-2023-0001\n    reason: ok\n    expires: 2026-01-01\n  - ${lines.split('\n').join('\n    ')}\n`;

  it.each([
    [
      'no reason',
      entry('id: CVE-1\nexpires: 2026-01-01'),
      /waivers\[1\] \(CVE-1\) at line 5: 'reason' is required/,
    ],
    [
      'an empty reason',
      entry('id: CVE-1\nreason: "  "\nexpires: 2026-01-01'),
      /waivers\[1\].*'reason' is empty/,
    ],
    ['no expiry', entry('id: CVE-1\nreason: r'), /waivers\[1\].*'expires' is required/],
    [
      'a bad date format',
      entry('id: CVE-1\nreason: r\nexpires: 31/12/2026'),
      /'expires' "31\/12\/2026" is not a real date/,
    ],
    [
      'an impossible date',
      entry('id: CVE-1\nreason: r\nexpires: 2026-02-30'),
      /'expires' "2026-02-30" is not a real date/,
    ],
    [
      'a number as date',
      entry('id: CVE-1\nreason: r\nexpires: 20261231'),
      /'expires' 20261231 is not a date written YYYY-MM-DD/,
    ],
    [
      'an unknown key',
      entry('id: CVE-1\nreason: r\nexpires: 2026-01-01\napproved_by: me'),
      /unknown key 'approved_by' \(accepted: id, package, path, reason, expires, approved-by, mitigation\)/,
    ],
    [
      'a bad glob',
      entry('id: CVE-1\npath: "deploy/[abc"\nreason: r\nexpires: 2026-01-01'),
      /'path' "deploy\/\[abc" is not a valid glob/,
    ],
    [
      'a negated glob',
      entry('id: CVE-1\npath: "!deploy/**"\nreason: r\nexpires: 2026-01-01'),
      /'path' "!deploy\/\*\*" is a negated glob/,
    ],
    [
      'no criteria',
      entry('reason: r\nexpires: 2026-01-01'),
      /needs at least one of 'id', 'package' or 'path'/,
    ],
    ['an empty id', entry('id: ""\nreason: r\nexpires: 2026-01-01'), /'id' is empty/],
    ['a scalar entry', 'waivers:\n  - CVE-2023-1\n', /waivers\[0\].*is not a mapping/],
  ])(
    'refuses an entry with %s, naming file, entry and problem in one line',
    (_label, text, message) => {
      let error: unknown;
      try {
        parseWaiversFile(text, FILE);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const text_ = (error as Error).message;
      expect(text_.startsWith(`${FILE}: waivers[`)).toBe(true);
      expect(text_).toMatch(message);
      expect(text_).not.toContain('\n');
    },
  );

  it.each([
    ['invalid YAML', 'waivers:\n  - id: [unclosed\n', /not valid YAML at line/],
    ['a top-level list', '- id: CVE-1\n', /expected a mapping with one key, 'waivers:'/],
    ['another top-level key', 'waivers: []\nexceptions: []\n', /expected a mapping with one key/],
    ['waivers as a mapping', 'waivers:\n  id: CVE-1\n', /'waivers' must be a list/],
  ])('refuses %s', (_label, text, message) => {
    expect(() => parseWaiversFile(text, FILE)).toThrow(ConfigError);
    expect(() => parseWaiversFile(text, FILE)).toThrow(message);
  });
});

describe('parseTrivyIgnore', () => {
  it('reads ids, expiry dates and the comments above them as reasons', () => {
    expect(parseTrivyIgnore(read('trivyignore'), '.trivyignore')).toEqual([
      {
        id: 'CVE-2020-12413',
        expires: '2026-06-20',
        reason: 'Raccoon: DH ciphers are disabled in every service',
        origin: '.trivyignore:2',
      },
      { id: 'AVD-DS-0002', reason: 'Accepted until the next base image', origin: '.trivyignore:5' },
      {
        id: 'generic-unwanted-rule',
        expires: '2027-01-01',
        reason: 'Listed in .trivyignore',
        origin: '.trivyignore:6',
      },
    ]);
  });

  it('refuses a bad exp: date, naming the line', () => {
    expect(() => parseTrivyIgnore('CVE-1 exp:2026-13-01\n', '.trivyignore')).toThrow(
      new ConfigError(
        '.trivyignore: line 1 (CVE-1): exp:2026-13-01 is not a real date written YYYY-MM-DD.',
      ),
    );
  });
});

describe('parseGrypeIgnoreRules', () => {
  it('reads the ignore rules and nothing else of the config', () => {
    expect(parseGrypeIgnoreRules(read('grype.yaml'), '.grype.yaml')).toEqual([
      {
        id: 'CVE-2020-12413',
        fixState: 'wont-fix',
        packageType: 'rpm',
        packageLocation: '/var/lib/rpm/**',
        reason: 'Ignore rule in .grype.yaml',
        origin: '.grype.yaml#0',
      },
      {
        package: 'nss-util',
        packageVersion: '3.79.0-17.el9_1',
        reason: 'Ignore rule in .grype.yaml',
        origin: '.grype.yaml#1',
      },
      {
        id: 'GHSA-cfh5-3ghh-wfjx',
        reason: 'httpclient is only used by a build plugin',
        origin: '.grype.yaml#2',
      },
    ]);
  });

  it.each([
    ['no ignore key', 'output: json\n', 0],
    ['an empty file', '', 0],
  ])('accepts %s', (_label, text, count) => {
    expect(parseGrypeIgnoreRules(text, '.grype.yaml')).toHaveLength(count);
  });

  it.each([
    ['a rule without criteria', 'ignore:\n  - reason: everything\n', /ignore\[0\] has no criteria/],
    [
      'a bad location glob',
      'ignore:\n  - package:\n      location: "/usr/[lib"\n',
      /ignore\[0\]\.package\.location .* is not a valid glob/,
    ],
    ['ignore as a mapping', 'ignore:\n  vulnerability: CVE-1\n', /\.grype\.yaml: ignore/],
  ])('refuses %s', (_label, text, message) => {
    expect(() => parseGrypeIgnoreRules(text, '.grype.yaml')).toThrow(message);
  });
});
