import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import type { Finding } from '../../../src/findings/finding.js';
import { mergeFindings } from '../../../src/findings/merge.js';
import { parseGrypeReport } from '../../../src/scanners/grype/parse.js';
import { parseTrivyReport } from '../../../src/scanners/trivy/parse.js';
import { applyWaivers } from '../../../src/waivers/apply.js';
import { loadWaivers } from '../../../src/waivers/load.js';
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
        matchAliases: false,
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

  it('reads namespace and match-type as finding properties to match', () => {
    const text =
      'ignore:\n  - vulnerability: CVE-1\n    namespace: nvd:cpe\n    match-type: cpe-match\n  - match-type: exact-indirect-match\n';
    expect(parseGrypeIgnoreRules(text, '.grype.yaml')).toEqual([
      {
        id: 'CVE-1',
        matchAliases: false,
        findingProperties: { namespace: 'nvd:cpe', matchTypes: 'cpe-match' },
        reason: 'Ignore rule in .grype.yaml',
        origin: '.grype.yaml#0',
      },
      {
        findingProperties: { matchTypes: 'exact-indirect-match' },
        reason: 'Ignore rule in .grype.yaml',
        origin: '.grype.yaml#1',
      },
    ]);
  });

  it.each([
    [
      'vex-status only',
      '  - vex-status: not_affected\n',
      "'vex-status' applies to VEX documents only",
    ],
    [
      'vex-justification with a vulnerability',
      '  - vulnerability: CVE-1\n    vex-justification: vulnerable_code_not_present\n',
      "'vex-justification' applies to VEX documents only",
    ],
    [
      'package.upstream-name only',
      '  - package:\n      upstream-name: nss\n',
      "'package.upstream-name' findings do not record",
    ],
    [
      'package.language with a vulnerability',
      '  - vulnerability: CVE-1\n    package:\n      language: java\n',
      "'package.language' findings do not record",
    ],
    [
      'an unknown criterion',
      '  - vulnerability: CVE-1\n    match_type: cpe-match\n',
      "'match_type' is not a Grype ignore-rule criterion the action knows",
    ],
    [
      'an unknown package criterion',
      '  - vulnerability: CVE-1\n    package:\n      purl: pkg:npm/x\n',
      "'package.purl' is not a Grype ignore-rule criterion",
    ],
  ])(
    'does not apply a rule with %s, and warns naming the file, rule and criterion',
    (_label, rule, criterion) => {
      const warnings: string[] = [];
      const text = `ignore:\n  - vulnerability: CVE-0\n${rule}`;
      const waivers = parseGrypeIgnoreRules(text, '.grype.yaml', {
        warn: (message) => warnings.push(message),
      });
      expect(waivers.map((w) => w.origin)).toEqual(['.grype.yaml#0']);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^\.grype\.yaml: ignore\[1\] is not applied: /);
      expect(warnings[0]).toContain(criterion);
      expect(warnings[0]).not.toContain('\n');
    },
  );

  it('names every unevaluable criterion of one rule', () => {
    const warnings: string[] = [];
    parseGrypeIgnoreRules(
      'ignore:\n  - vex-status: fixed\n    package:\n      upstream-name: x\n',
      'g.yml',
      { warn: (message) => warnings.push(message) },
    );
    expect(warnings).toEqual([
      expect.stringMatching(
        /^g\.yml: ignore\[0\] is not applied: 'vex-status' .*; 'package\.upstream-name' /,
      ),
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

describe('grype ignore rules applied to real Grype findings', () => {
  const SHARED = path.resolve(__dirname, '../../fixtures/shared/grype');
  const findings = (name: string) =>
    mergeFindings(
      parseGrypeReport(JSON.parse(readFileSync(path.join(SHARED, name), 'utf8')) as unknown, {
        source: { tool: 'Grype' },
        pathPrefix: '',
      }).findings,
    );
  // GHSA-cfh5-3ghh-wfjx (related CVE-2014-3577) and CVE-2014-3577 (cpe-match) merge into one.
  const java = findings('real-0.65.1-java-ghsa.json');
  const keycloak = findings('real-0.66.0-keycloak-rpm-wontfix.json');
  const waivedBy = (rules: string, list: Finding[]) =>
    applyWaivers(list, parseGrypeIgnoreRules(`ignore:\n${rules}`, '.grype.yaml'), {
      today: '2026-01-01',
    }).findings.filter((f) => f.waiver !== undefined).length;

  const ON_RHEL = keycloak.filter((f) => f.ruleId === 'CVE-2020-12413').length;

  it.each([
    ['an alias id without include-aliases', java, '  - vulnerability: GHSA-cfh5-3ghh-wfjx\n', 0],
    [
      'an alias id with include-aliases: true',
      java,
      '  - vulnerability: GHSA-cfh5-3ghh-wfjx\n    include-aliases: true\n',
      1,
    ],
    ['the merged id itself', java, '  - vulnerability: CVE-2014-3577\n', 1],
    // Grype would still report the GHSA match (namespace github:language:java).
    [
      'a rule covering only one of the merged matches',
      java,
      '  - vulnerability: CVE-2014-3577\n    namespace: nvd:cpe\n',
      0,
    ],
    [
      'a namespace the findings have',
      keycloak,
      '  - vulnerability: CVE-2020-12413\n    namespace: redhat:distro:redhat:9\n',
      ON_RHEL,
    ],
    [
      'a namespace they do not have',
      keycloak,
      '  - vulnerability: CVE-2020-12413\n    namespace: debian:distro:debian:12\n',
      0,
    ],
    ['a match type it has', java, '  - match-type: cpe-match\n', 1],
    ['a match type it does not have', java, '  - match-type: exact-indirect-match\n', 0],
  ])('%s', (_label, list, rules, waived) => {
    expect(java).toHaveLength(1);
    expect(ON_RHEL).toBeGreaterThan(0);
    expect(waivedBy(rules, list)).toBe(waived);
  });

  it('a rule with an unevaluable criterion waives nothing (fail closed)', () => {
    const rules = '  - vulnerability: CVE-2020-12413\n    package:\n      upstream-name: nss\n';
    expect(waivedBy('  - vulnerability: CVE-2020-12413\n', keycloak)).toBeGreaterThan(0);
    expect(waivedBy(rules, keycloak)).toBe(0);
  });

  describe("a rule on Grype's own id when Trivy reports the CVE too", () => {
    // Grype names uri 0.10.1's vulnerability GHSA-hv5j-3h9f-99c2 (and, by CPE, CVE-2023-28755);
    // Trivy names it CVE-2023-28755. Merged, the finding's id is the CVE.
    const MERGE = path.resolve(__dirname, '../../fixtures/merge');
    const grypeUri = parseGrypeReport(
      JSON.parse(readFileSync(path.join(SHARED, 'real-0.61.1-chainguard-ruby.json'), 'utf8')),
      { source: { tool: 'Grype', scanner: 'grype' }, pathPrefix: '' },
    ).findings.filter((f) => f.package?.name === 'uri');
    const trivyUri = parseTrivyReport(
      JSON.parse(readFileSync(path.join(MERGE, 'trivy-from-grype-chainguard-ruby.json'), 'utf8')),
      { source: { tool: 'Trivy', scanner: 'trivy' }, pathPrefix: '' },
    ).findings.filter((f) => f.package?.name === 'uri');
    const ghsaOnly = grypeUri.filter((f) => f.ruleId.startsWith('GHSA-'));
    const GHSA_RULE = '  - vulnerability: GHSA-hv5j-3h9f-99c2\n';

    it.each([
      // Grype's only match (no CPE matching) is ignored: whoever else reports it, it is waived.
      ['Grype alone', ghsaOnly, 1],
      ['Grype, then Trivy', [...ghsaOnly, ...trivyUri], 1],
      ['Trivy, then Grype', [...trivyUri, ...ghsaOnly], 1],
      // Grype still reports its CPE match under the CVE: the rule does not cover that.
      ['both Grype matches and Trivy', [...grypeUri, ...trivyUri], 0],
      // Trivy alone never named it by the GHSA.
      ['Trivy alone', trivyUri, 0],
    ] as const)('%s', (_label, reported, waived) => {
      const merged = mergeFindings([...reported]);
      expect(merged).toHaveLength(1);
      expect(waivedBy(GHSA_RULE, merged)).toBe(waived);
    });

    it("keeps each reporter's own id on the merged finding", () => {
      const [merged] = mergeFindings([...trivyUri, ...ghsaOnly]);
      expect(merged?.ruleId).toBe('CVE-2023-28755');
      expect(merged?.sourceIds).toEqual({
        Trivy: ['CVE-2023-28755'],
        Grype: ['GHSA-hv5j-3h9f-99c2'],
      });
    });
  });
});

describe('grype rule warnings reach the loader', () => {
  it('loadWaivers passes a rule that is not applied to its warn callback', async () => {
    const workspace = path.resolve('/ws');
    const files: Record<string, string> = {
      [path.join(workspace, '.grype.yaml')]:
        'ignore:\n  - vulnerability: CVE-1\n  - vex-status: not_affected\n',
    };
    const warnings: string[] = [];
    const waivers = await loadWaivers({
      workspace,
      waiversFile: '.github/security-waivers.yml',
      explicit: false,
      readFile: (file) => Promise.resolve(files[file]),
      warn: (message) => warnings.push(message),
    });
    expect(waivers.map((w) => w.origin)).toEqual(['.grype.yaml#0']);
    expect(warnings).toEqual([
      expect.stringMatching(/^\.grype\.yaml: ignore\[1\] is not applied: 'vex-status'/),
    ]);
  });
});
