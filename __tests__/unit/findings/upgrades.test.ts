import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding, Severity } from '../../../src/findings/finding.js';
import {
  chooseTargetVersion,
  createVersionContext,
  parseFixedVersions,
  planUpgrades,
  type UpgradeAdvice,
} from '../../../src/findings/upgrades.js';
import { parseGrypeReport } from '../../../src/scanners/grype/parse.js';
import { parseTrivyReport } from '../../../src/scanners/trivy/parse.js';
import {
  loadGrypeFindings,
  loadTrivyFindings,
  readFixtureJson,
} from '../baseline/fixture-findings.js';

type Expected = {
  name: string;
  from: string;
  to?: string;
  fixes: Partial<Record<Severity, number>>;
};

function summarise(advice: UpgradeAdvice[]): Expected[] {
  return advice.map((a) => ({
    name: a.packageName,
    from: a.installedVersion,
    ...(a.targetVersion === undefined ? {} : { to: a.targetVersion }),
    fixes: Object.fromEntries(Object.entries(a.fixes).filter(([, n]) => n > 0)),
  }));
}

describe('planUpgrades on real reports', () => {
  it.each([
    {
      fixture: 'trivy/image-fluentd-os-and-gems.json',
      upgrades: [
        // Debian revision order: +deb10u1 is after the installed revision.
        { name: 'libidn2-0', from: '2.0.5-1', to: '2.0.5-1+deb10u1', fixes: { CRITICAL: 1 } },
        // "6.0.3.1, 5.2.4.3": the fix on the installed 6.0 line, not the older 5.2 one.
        { name: 'activesupport', from: '6.0.2.1', to: '6.0.3.1', fixes: { HIGH: 1 } },
      ],
      unfixable: [],
      fixableCount: 2,
    },
    {
      fixture: 'trivy/repo-pom-critical-high.json',
      // Two vulnerabilities, two fixes: the larger one (Maven order) fixes both.
      upgrades: [
        {
          name: 'com.fasterxml.jackson.core:jackson-databind',
          from: '2.9.1',
          to: '2.9.10.7',
          fixes: { CRITICAL: 1, HIGH: 1 },
        },
      ],
      unfixable: [],
      fixableCount: 2,
    },
    {
      fixture: 'trivy/image-alpine-310.json',
      upgrades: [
        { name: 'libcrypto1.1', from: '1.1.1c-r0', to: '1.1.1d-r2', fixes: { MEDIUM: 2 } },
        { name: 'libssl1.1', from: '1.1.1c-r0', to: '1.1.1d-r2', fixes: { MEDIUM: 2 } },
      ],
      unfixable: [],
      fixableCount: 4,
    },
    {
      fixture: 'trivy/repo-remote-cargo-pipenv.json',
      // ">= 2.1.0" and ">= 3.1.0, >= 2.1.3, < 3.0.0": 2.1.3 fixes both.
      upgrades: [{ name: 'ammonia', from: '1.9.0', to: '2.1.3', fixes: { HIGH: 1, MEDIUM: 1 } }],
      unfixable: [],
      fixableCount: 2,
    },
    {
      fixture: 'trivy/repo-gomod-unknown-severity.json',
      upgrades: [
        {
          name: 'github.com/open-policy-agent/opa',
          from: 'v0.35.0',
          to: '0.37.0',
          fixes: { MEDIUM: 1 },
        },
        // Three go.mod files of one repository: one upgrade, three findings.
        {
          name: 'github.com/docker/distribution',
          from: 'v2.7.1+incompatible',
          to: 'v2.8.0',
          fixes: { UNKNOWN: 3 },
        },
        { name: 'golang.org/x/text', from: 'v0.3.6', to: '0.3.7', fixes: { UNKNOWN: 1 } },
      ],
      unfixable: [],
      fixableCount: 5,
    },
    {
      fixture: 'trivy/image-ubi-7-os-and-python-wontfix.json',
      upgrades: [{ name: 'setuptools', from: '0.9.8', to: '65.5.1', fixes: { HIGH: 1 } }],
      unfixable: [{ name: 'bash', from: '4.2.46-33.el7', fixes: { LOW: 1 } }],
      fixableCount: 1,
    },
    {
      fixture: 'grype/real-0.61.1-chainguard-ruby.json',
      upgrades: [
        { name: 'ruby-3.0', from: '3.0.4-r1', to: '3.0.6-r0', fixes: { HIGH: 1 } },
        { name: 'uri', from: '0.10.1', to: '0.10.2', fixes: { HIGH: 1 } },
      ],
      // Unmerged, the CVE twin of the GHSA lists no fix of its own.
      unfixable: [{ name: 'uri', from: '0.10.1', fixes: { HIGH: 1 } }],
      fixableCount: 2,
    },
    {
      fixture: 'trivy/fs-npm-with-vex-suppressed.json',
      // "3.1.0, 2.6.9" for debug 3.0.1: the fix newer than the installed version.
      upgrades: [{ name: 'debug', from: '3.0.1', to: '3.1.0', fixes: { HIGH: 1 } }],
      unfixable: [],
      fixableCount: 1,
    },
    {
      fixture: 'grype/presenter-image.json',
      // fix.versions "1.2.1, 2.1.3, 3.4.0" for package-1 1.1.1: its own 1.x line.
      upgrades: [{ name: 'package-1', from: '1.1.1', to: '1.2.1', fixes: { LOW: 1 } }],
      unfixable: [{ name: 'package-2', from: '2.2.2', fixes: { CRITICAL: 1 } }],
      fixableCount: 1,
    },
    {
      fixture: 'grype/real-0.65.1-java-ghsa.json',
      upgrades: [{ name: 'httpclient', from: '4.1.1', to: '4.3.5', fixes: { MEDIUM: 1 } }],
      unfixable: [{ name: 'httpclient', from: '4.1.1', fixes: { MEDIUM: 1 } }],
      fixableCount: 1,
    },
  ])('$fixture', ({ fixture, upgrades, unfixable, fixableCount }) => {
    const findings = fixture.startsWith('grype/')
      ? loadGrypeFindings(fixture)
      : loadTrivyFindings(fixture);
    const plan = planUpgrades(findings);
    expect(summarise(plan.upgrades)).toEqual(upgrades);
    expect(summarise(plan.unfixable)).toEqual(unfixable);
    expect(plan.fixableCount).toBe(fixableCount);
  });

  it('lists every unfixed package of a large report, most CRITICAL first', () => {
    const fixture = 'trivy/v0.20.0-image-debian-stretch-large.json';
    const plan = planUpgrades(loadTrivyFindings(fixture));
    // Expected values computed from the raw report, independently of the planner.
    const report = readFixtureJson(fixture) as {
      Results: Array<{ Vulnerabilities?: Array<Record<string, string>> }>;
    };
    const vulns = report.Results.flatMap((r) => r.Vulnerabilities ?? []);
    const key = (v: Record<string, string>): string => `${v.PkgName} ${v.InstalledVersion}`;
    const unfixed = vulns.filter((v) => !v.FixedVersion);
    const criticalByPackage = new Map<string, number>();
    for (const v of unfixed)
      if (v.Severity === 'CRITICAL')
        criticalByPackage.set(key(v), (criticalByPackage.get(key(v)) ?? 0) + 1);
    expect(plan.unfixable).toHaveLength(new Set(unfixed.map(key)).size);
    expect(plan.unfixable[0]?.fixes.CRITICAL).toBe(Math.max(...criticalByPackage.values()));
    expect(plan.fixableCount).toBe(vulns.length - unfixed.length);
    expect(plan.upgrades.map((a) => `${a.packageName} → ${a.targetVersion}`)).toEqual([
      'e2fslibs → 1.43.4-2+deb9u1',
      'e2fsprogs → 1.43.4-2+deb9u1',
      'libcomerr2 → 1.43.4-2+deb9u1',
      'libss2 → 1.43.4-2+deb9u1',
    ]);
  });

  it('leaves out waived vulnerabilities and findings that are not vulnerabilities', () => {
    const findings = [
      ...loadTrivyFindings('trivy/repo-pom-critical-high.json'),
      ...loadTrivyFindings('trivy/repo-secrets.json'),
    ];
    const waived: Finding[] = findings.map((f) =>
      f.ruleId === 'CVE-2021-20190'
        ? { ...f, waiver: { origin: 'waivers.yml#0', reason: 'not reachable' } }
        : f,
    );
    const plan = planUpgrades(waived);
    // Without the waived HIGH (fixed in 2.9.10.7), 2.9.10.4 is enough.
    expect(summarise(plan.upgrades)).toEqual([
      {
        name: 'com.fasterxml.jackson.core:jackson-databind',
        from: '2.9.1',
        to: '2.9.10.4',
        fixes: { CRITICAL: 1 },
      },
    ]);
    expect(plan.fixableCount).toBe(1);
  });
});

describe('planUpgrades groups by package, however each scanner spells it', () => {
  const MERGE = path.resolve(__dirname, '../../fixtures/merge');
  const read = (file: string): unknown =>
    JSON.parse(readFileSync(path.join(MERGE, file), 'utf8')) as unknown;
  // Trivy 0.44: `pom`, `group:artifact`, no PURL; Grype: `java-archive`, `artifact`, a PURL.
  const trivy = parseTrivyReport(read('trivy-0.44-shape-pom.json'), {
    source: { tool: 'Trivy', scanner: 'trivy' },
    pathPrefix: '',
  }).findings;
  const grype = parseGrypeReport(read('grype-from-trivy-pom.json'), {
    source: { tool: 'Grype', scanner: 'grype' },
    pathPrefix: '',
  }).findings;

  it('plans one upgrade when each scanner reports another vulnerability of one package', () => {
    // Trivy's CVE-2020-9548 (fixed in 2.9.10.4) and Grype's CVE-2021-20190 (2.9.10.7), the
    // target spelled differently: one package, one upgrade that fixes both.
    const findings = [
      ...trivy.filter((f) => f.ruleId === 'CVE-2020-9548'),
      ...grype
        .filter((f) => f.ruleId === 'CVE-2021-20190')
        .map((f) => ({ ...f, target: `./${f.target ?? ''}/` })),
    ];
    expect(findings).toHaveLength(2);
    const plan = planUpgrades(findings);
    expect(summarise(plan.upgrades)).toEqual([
      {
        name: 'com.fasterxml.jackson.core:jackson-databind',
        from: '2.9.1',
        to: '2.9.10.7',
        fixes: { CRITICAL: 1, HIGH: 1 },
      },
    ]);
    expect(plan.fixableCount).toBe(2);
  });
});

describe('planUpgrades when no listed version fixes every vulnerability', () => {
  // semver reads `1.0.0-1` < `1.0.0-rc.1`; four-part versions fall back to the generic order,
  // where `1.0.0-rc.1` < `1.0.0.0` < `1.0.0-1`: a cycle, so each candidate leaves one open.
  const CYCLE = ['1.0.0-1', '1.0.0-rc.1', '1.0.0.0'];

  it('finds no target with an inconsistent comparator', () => {
    const ctx = createVersionContext('npm', '0.9.0');
    expect(ctx.compare('1.0.0-1', '1.0.0-rc.1')).toBe(-1);
    expect(ctx.compare('1.0.0-rc.1', '1.0.0.0')).toBe(-1);
    expect(ctx.compare('1.0.0.0', '1.0.0-1')).toBe(-1);
    expect(
      chooseTargetVersion(
        ctx,
        CYCLE.map((fix) => [fix]),
      ),
    ).toBeUndefined();
  });

  it('lists the package under "no fix" and counts nothing as fixable', () => {
    const [base] = loadTrivyFindings('trivy/fs-npm-with-vex-suppressed.json').filter(
      (f) => f.package?.name === 'debug',
    );
    if (base?.package === undefined) throw new Error('fixture has debug');
    const findings = CYCLE.map((fix, i): Finding => ({
      ...base,
      id: `cycle-${i}`,
      ruleId: `CVE-2099-000${i}`,
      package: { ...base.package!, installedVersion: '0.9.0', fixedVersions: [fix] },
    }));
    const plan = planUpgrades(findings);
    expect(plan.upgrades).toEqual([]);
    expect(summarise(plan.unfixable)).toEqual([
      { name: 'debug', from: '0.9.0', fixes: { [base.severity]: 3 } },
    ]);
    expect(plan.fixableCount).toBe(0);
  });
});

describe('chooseTargetVersion', () => {
  it.each([
    // Fixes per release line: stay on the installed line when it has one.
    ['maven', '2.12.3', [['2.12.7.1', '2.13.4.2'], ['2.12.6']], '2.12.7.1'],
    ['maven', '2.13.1', [['2.12.7.1', '2.13.4.2'], ['2.13.2']], '2.13.4.2'],
    // 2.13.1 fixes the second but is on the 2.13 line before 2.13.4.2: not fixed for the first.
    ['maven', '2.12.3', [['2.12.7.1', '2.13.4.2'], ['2.13.1']], '2.13.4.2'],
    ['gemspec', '5.2.3', [['6.0.3.1', '5.2.4.3']], '5.2.4.3'],
    ['npm', '1.1.0', [['1.2.5', '2.0.3'], ['1.3.0']], '1.3.0'],
    ['debian', '1.0-1', [['1.0-1+deb9u1'], ['1.0-1+deb9u2~bpo1']], '1.0-1+deb9u2~bpo1'],
    // Fixes older than the installed version are not targets.
    ['npm', '2.0.0', [['1.9.9', '2.0.4']], '2.0.4'],
    // The issue's own example: the fix on the installed 1.x line…
    ['npm', '1.2.3', [['1.2.5', '2.0.1']], '1.2.5'],
    // …unless another vulnerability is only fixed on the 2.x line.
    ['npm', '1.2.3', [['1.2.5', '2.0.1'], ['2.0.1']], '2.0.1'],
    // 1.5.0 is vulnerable although newer than 1.4.2: the 1.x line has no fix
    // newer than 1.5.0, so 1.6.0 (B's fix) leaves A open; 2.1.0 fixes both.
    ['npm', '1.5.0', [['1.4.2', '2.1.0'], ['1.6.0']], '2.1.0'],
    // On the 3.x line A is fixed from 3.1.2: B's 3.0.5 is not enough.
    ['npm', '2.3.0', [['2.4.0', '3.1.2'], ['3.0.5']], '3.1.2'],
    ['npm', '2.3.0', [['2.4.0', '3.1.2'], ['2.5.0']], '2.5.0'],
    // Lines of three: 2.1.3 is on 2.x (fixed from 2.1.3), 3.4.0 is the newest.
    ['rpm', '1.1.1', [['1.2.1', '2.1.3', '3.4.0'], ['2.1.3']], '2.1.3'],
    ['rpm', '2.0.0', [['1.2.1', '2.1.3', '3.4.0'], ['3.0.0']], '3.4.0'],
    // Minor lines (the fixes share their major): 2.13.1 is not on 2.12.
    ['maven', '2.12.3', [['2.12.7.1', '2.13.4.2'], ['2.12.8']], '2.12.8'],
    // Go and npm `v` prefixes name no release line of their own.
    ['gomod', 'v1.2.0', [['v1.2.9', 'v2.0.1'], ['v1.3.0']], 'v1.3.0'],
    // Debian epochs: `1:` is not the release line.
    ['debian', '1:2.30-1', [['1:2.30-2', '1:2.31-1'], ['1:2.30-3']], '1:2.30-3'],
    // An unknown installed version: every listed fix is a candidate.
    ['npm', '', [['1.2.5', '2.0.1']], '1.2.5'],
    // The real fixtures' comma-separated lists (Trivy FixedVersion, Grype fix.versions).
    ['npm', '3.0.1', [['3.1.0', '2.6.9']], '3.1.0'],
    ['gemspec', '6.0.2.1', [['6.0.3.1', '5.2.4.3']], '6.0.3.1'],
    ['cargo', '1.9.0', [['3.1.0', '2.1.3'], ['2.1.0']], '2.1.3'],
    ['rpm', '1.1.1', [['1.2.1', '2.1.3', '3.4.0']], '1.2.1'],
  ] as const)('%s %s with %j → %s', (ecosystem, installed, fixLists, expected) => {
    expect(
      chooseTargetVersion(
        createVersionContext(ecosystem, installed),
        fixLists.map((l) => [...l]),
      ),
    ).toBe(expected);
  });
});

describe('chooseTargetVersion without a newer fix', () => {
  it.each([
    // Every listed fix is older than the installed version: a downgrade is no upgrade.
    ['npm', '3.0.0', [['1.2.5', '2.0.1']]],
    ['npm', '2.0.1', [['1.2.5', '2.0.1']]],
    // One vulnerability without a newer fix is enough: nothing listed fixes the group.
    ['npm', '3.0.0', [['3.1.0'], ['1.2.5', '2.0.1']]],
  ] as const)('%s %s with %j → undefined', (ecosystem, installed, fixLists) => {
    expect(
      chooseTargetVersion(
        createVersionContext(ecosystem, installed),
        fixLists.map((l) => [...l]),
      ),
    ).toBeUndefined();
  });

  it('lists a vulnerability whose every fix is older than the installed version under "no fix"', () => {
    const [base] = loadTrivyFindings('trivy/fs-npm-with-vex-suppressed.json').filter(
      (f) => f.package?.name === 'debug',
    );
    if (base?.package === undefined) throw new Error('fixture has debug');
    const older: Finding = {
      ...base,
      id: 'older',
      ruleId: 'CVE-2099-0001',
      severity: 'CRITICAL',
      package: { ...base.package, fixedVersions: ['1.2.5, 2.0.1'] },
    };
    const plan = planUpgrades([base, older]);
    // debug 3.0.1: "3.1.0, 2.6.9" → 3.1.0 for the real one; the invented one has no fix.
    expect(summarise(plan.upgrades)).toEqual([
      { name: 'debug', from: '3.0.1', to: '3.1.0', fixes: { [base.severity]: 1 } },
    ]);
    expect(summarise(plan.unfixable)).toEqual([
      { name: 'debug', from: '3.0.1', fixes: { CRITICAL: 1 } },
    ]);
    expect(plan.fixableCount).toBe(1);
  });
});

describe('parseFixedVersions', () => {
  it.each([
    [['6.0.3.1, 5.2.4.3'], ['6.0.3.1', '5.2.4.3']],
    [['>= 3.1.0, >= 2.1.3, < 3.0.0'], ['3.1.0', '2.1.3']],
    [['3.0.6-r0'], ['3.0.6-r0']],
    [
      ['1.0 || 2.0', '1.0'],
      ['1.0', '2.0'],
    ],
    [[''], []],
    [['> 1.2, != 1.3'], []],
  ])('%j → %j', (listed, expected) => {
    expect(parseFixedVersions(listed)).toEqual(expected);
  });
});
