import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../../src/gate/evaluate.js';
import { advisoryUrl } from '../../../src/report/links.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import { compareForReport, type ReportView } from '../../../src/report/view.js';
import type { Finding } from '../../../src/findings/finding.js';
import { makeFinding } from '../../helpers/findings.js';
import { planUpgrades } from '../../../src/findings/upgrades.js';
import { loadTrivyFindings } from '../baseline/fixture-findings.js';

/** A view of `findings` as the pipeline gathers it: in report order. */
function viewOf(unsorted: Finding[]): ReportView {
  const findings = [...unsorted].sort(compareForReport);
  const gate = evaluateGate({
    findings,
    thresholds: { CRITICAL: 1, HIGH: 5, MEDIUM: 0, LOW: 0 },
    countOnlyNew: false,
    scannerErrors: [],
    failOnScannerError: true,
  });
  return {
    gate,
    findings,
    scanners: [
      {
        scanner: 'trivy',
        tool: 'Trivy',
        version: 'dev',
        target: '.',
        findingCount: findings.length,
      },
    ],
    imports: [],
    filtered: { bySeverity: 0, unfixed: 0 },
    sarifTruncation: [],
    sarifCategory: 'security-gate',
    links: { runUrl: 'https://github.com/o/r/actions/runs/1' },
    generatedAt: '2026-11-22T00:00:00.000Z',
  };
}

const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '@octocat and @octo-org/security',
  '[phish](https://evil.example/login)',
  '![x](https://evil.example/pixel.png)',
  '::error::injected',
  '</details><script>alert(1)</script>',
  '| broken | table |',
  'closes #1',
];

describe('renderMarkdown', () => {
  it.each(HOSTILE)('renders hostile scanner text %j inertly', (text) => {
    const finding = makeFinding({
      severity: 'CRITICAL',
      ruleId: text,
      title: text,
      tools: [text],
      package: { name: text, installedVersion: text, fixedVersions: [text] },
    });
    const markdown = renderMarkdown(viewOf([finding]), { maxLength: 65_536, maxFindings: 30 });
    // Code spans render literally (no HTML, mentions or links): check the rest.
    const outsideCode = markdown.replace(/`[^`\n]*`/g, '');
    expect(outsideCode).not.toContain('<img');
    expect(outsideCode).not.toContain('<script');
    expect(outsideCode).not.toContain('</details');
    expect(outsideCode).not.toContain('](https://evil');
    expect(outsideCode).not.toMatch(/@octo/);
    expect(outsideCode).not.toMatch(/(^|[^\\])#1\b/);
    // The finding's row keeps exactly the table's 7 cell separators.
    const rows = markdown.split('\n').filter((line) => line.startsWith('| 🟥 CRITICAL'));
    const row = rows.at(-1) ?? '';
    expect(row.replace(/\\\|/g, '').split('|').length).toBe(8);
  });

  it('stays under the comment limit with 30,000 findings and says how many more there are', () => {
    const findings = Array.from({ length: 30_000 }, (_, i) =>
      makeFinding({
        severity: i % 2 ? 'HIGH' : 'CRITICAL',
        id: `id-${i}`,
        ruleId: `CVE-2024-${10000 + i}`,
        title: 'x'.repeat(300),
      }),
    );
    const marker = '<!-- security-gate:security-gate -->';
    const markdown = renderMarkdown(viewOf(findings), {
      maxLength: 65_536 - marker.length,
      maxFindings: 30,
      header: marker,
    });
    expect(markdown.length).toBeLessThanOrEqual(65_536 - marker.length);
    expect(markdown.startsWith(marker)).toBe(true);
    expect(markdown).toMatch(/…and 29970 more findings/);
    expect(markdown).toContain('❌ Failed');
  });

  it('falls back to a shorter form when the full one does not fit', () => {
    const findings = Array.from({ length: 500 }, (_, i) =>
      makeFinding({ severity: 'HIGH', id: `id-${i}`, title: 'y'.repeat(140) }),
    );
    const markdown = renderMarkdown(viewOf(findings), { maxLength: 8_000, maxFindings: 500 });
    expect(markdown.length).toBeLessThanOrEqual(8_000);
    expect(markdown).toContain('more findings');
  });

  it('links CVE and GHSA ids to their advisories only', () => {
    expect(advisoryUrl(makeFinding({ severity: 'HIGH', ruleId: 'CVE-2021-44228' }))).toBe(
      'https://nvd.nist.gov/vuln/detail/CVE-2021-44228',
    );
    expect(advisoryUrl(makeFinding({ severity: 'HIGH', ruleId: 'GHSA-jfh8-c2jp-5v3q' }))).toBe(
      'https://github.com/advisories/GHSA-jfh8-c2jp-5v3q',
    );
    expect(
      advisoryUrl(
        makeFinding({ severity: 'HIGH', ruleId: 'X-1', primaryUrl: 'https://evil.example/x' }),
      ),
    ).toBeUndefined();
    expect(
      advisoryUrl(
        makeFinding({
          severity: 'HIGH',
          ruleId: 'DS002',
          primaryUrl: 'https://avd.aquasec.com/misconfig/ds002',
        }),
      ),
    ).toBe('https://avd.aquasec.com/misconfig/ds002');
  });

  it('says when there is nothing to report', () => {
    const markdown = renderMarkdown(viewOf([]), { maxLength: 65_536, maxFindings: 30 });
    expect(markdown).toContain('✅ Passed');
    expect(markdown).toContain('No findings');
  });

  it('keeps waivers that need review even in the compact form', () => {
    const findings = Array.from({ length: 2_000 }, (_, i) =>
      makeFinding({ severity: 'HIGH', id: `id-${i}`, title: 'z'.repeat(200) }),
    );
    const entry = (id: string) => ({
      id,
      reason: 'accepted',
      expires: '2027-01-01',
      origin: `w.yml#${id}`,
      matched: 1,
    });
    const view: ReportView = {
      ...viewOf(findings),
      waivers: {
        needsReview: [entry('CVE-2024-0001')],
        expired: [entry('CVE-2020-0002')],
        expiring: [],
        used: Array.from({ length: 40 }, (_, i) => entry(`CVE-2023-${1000 + i}`)),
        unused: [],
      },
    };
    const markdown = renderMarkdown(view, { maxLength: 4_000, maxFindings: 2_000 });
    expect(markdown.length).toBeLessThanOrEqual(4_000);
    expect(markdown).toContain('need review');
    expect(markdown).toContain('CVE-2024-0001');
    expect(markdown).toContain('CVE-2020-0002');
    // The compact form counts the waivers that need no action.
    expect(markdown).toContain('- Waivers applied: 40');
  });
});

/** A primaryUrl on an allow-listed host that tries to end the link and start an image and HTML. */
const HOSTILE_URL =
  'https://avd.aquasec.com/x)![pixel](https://evil.example/p.png)<img/src=x/onerror=alert(1)>';

describe('renderMarkdown: links and scanner text', () => {
  it('writes a hostile advisory URL as one inert link target', () => {
    const finding = makeFinding({
      severity: 'CRITICAL',
      kind: 'misconfiguration',
      ruleId: 'DS002',
      primaryUrl: HOSTILE_URL,
    });
    const markdown = renderMarkdown(viewOf([finding]), { maxLength: 65_536, maxFindings: 30 });
    const row = markdown.split('\n').find((line) => line.includes('[DS002]')) ?? '';
    const target = /\[DS002\]\(([^)]*)\)/.exec(row)?.[1] ?? '';
    // The whole URL is inside the one target, which holds nothing Markdown or HTML reads.
    expect(target).toMatch(/^https:\/\/avd\.aquasec\.com\/x%29%21%5Bpixel%5D%28/);
    expect(target).not.toMatch(/[()[\]<>|"'`!\s]/);
    expect(row).not.toMatch(/!\[|<img|\]\(https:\/\/evil/);
    expect(row.replace(/\\\|/g, '').split('|').length).toBe(8);
  });

  it('escapes scanner text in the upgrade and no-fix lines it renders', () => {
    const hostile = '<img src=x onerror=alert(1)>`|@team [x](https://evil.example) ::error::x';
    const fixes = { CRITICAL: 2, HIGH: 3, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
    const view: ReportView = {
      ...viewOf([]),
      upgrades: {
        upgrades: [
          {
            packageName: hostile,
            installedVersion: hostile,
            targetVersion: hostile,
            fixes,
            vulnerabilityIds: ['CVE-1'],
          },
        ],
        unfixable: [
          { packageName: hostile, installedVersion: hostile, fixes, vulnerabilityIds: ['CVE-2'] },
        ],
        fixableCount: 5,
      },
    };
    const markdown = renderMarkdown(view, { maxLength: 65_536, maxFindings: 30 });
    const upgrade = markdown.split('\n').find((l) => l.startsWith('- upgrade ')) ?? '';
    const noFix = markdown.split('\n').find((l) => l.startsWith('`<img')) ?? '';
    for (const line of [upgrade, noFix]) {
      expect(line).not.toBe('');
      const outsideCode = line.replace(/`[^`]*`/g, '');
      expect(outsideCode).not.toMatch(/<img|\]\(https|@team|https:\/\//);
    }
    expect(upgrade).toContain("`<img src=x onerror=alert(1)>'\\|@team");
    expect(upgrade).toMatch(/: fixes 2 CRITICAL, 3 HIGH$/);
  });
});

describe('renderMarkdown: versions copy as written', () => {
  // A Go pseudo-version: its 12-hex commit would get invisible word joiners (U+2060) as
  // escaped text, and a copy into go.mod would break.
  const PSEUDO = 'v0.0.0-20230101120000-abcdef123456';
  const FIXED = 'v0.0.0-20230601120000-0123456789ab';

  it('writes installed and fixed versions in code spans, without invisible characters', () => {
    const finding = makeFinding({
      severity: 'HIGH',
      ruleId: 'CVE-2023-0001',
      package: { name: 'golang.org/x/net', installedVersion: PSEUDO, fixedVersions: [FIXED] },
    });
    const markdown = renderMarkdown(viewOf([finding]), { maxLength: 65_536, maxFindings: 30 });
    const row = markdown.split('\n').find((l) => l.includes('CVE-2023-0001')) ?? '';
    expect(row).toContain(`\`golang.org/x/net\` \`${PSEUDO}\` → \`${FIXED}\``);
    expect(markdown).not.toContain('\u2060');
  });

  it('writes upgrade and no-fix versions in code spans too', () => {
    const fixes = { CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
    const advice = { packageName: 'golang.org/x/net', fixes, vulnerabilityIds: ['CVE-1'] };
    const view: ReportView = {
      ...viewOf([]),
      upgrades: {
        upgrades: [{ ...advice, installedVersion: PSEUDO, targetVersion: FIXED }],
        unfixable: [{ ...advice, installedVersion: `${PSEUDO}+incompatible` }],
        fixableCount: 1,
      },
    };
    const markdown = renderMarkdown(view, { maxLength: 65_536, maxFindings: 30 });
    expect(markdown).toContain(
      `- upgrade \`golang.org/x/net\` \`${PSEUDO}\` → \`${FIXED}\`: fixes 1 HIGH`,
    );
    expect(markdown).toContain(`\`golang.org/x/net\` \`${PSEUDO}+incompatible\` (1 HIGH)`);
    expect(markdown).not.toContain('\u2060');
  });

  it('says "no fix" in plain text when no version is listed', () => {
    const finding = makeFinding({
      severity: 'HIGH',
      package: { name: 'bash', installedVersion: '4.2.46-33.el7', fixedVersions: [] },
    });
    const markdown = renderMarkdown(viewOf([finding]), { maxLength: 65_536, maxFindings: 30 });
    expect(markdown).toContain('`bash` `4.2.46-33.el7` → no fix |');
  });
});

describe('renderMarkdown: what the view says', () => {
  it('states what the severities and ignore-unfixed filters removed', () => {
    const view: ReportView = { ...viewOf([]), filtered: { bySeverity: 12, unfixed: 3 } };
    const markdown = renderMarkdown(view, { maxLength: 1_048_576, maxFindings: 200 });
    expect(markdown).toContain('Filtered out: 12 by `severities`, 3 unfixed by `ignore-unfixed`.');
    // Nothing filtered: no line.
    expect(renderMarkdown(viewOf([]), { maxLength: 1_048_576, maxFindings: 200 })).not.toContain(
      'Filtered out',
    );
  });

  it('states the SARIF truncation, also in the compact form', () => {
    const line = 'dropped 120 LOW results to stay within 25,000 results per run';
    const findings = Array.from({ length: 2_000 }, (_, i) =>
      makeFinding({ severity: 'LOW', id: `low-${i}`, title: 'w'.repeat(200) }),
    );
    const view: ReportView = { ...viewOf(findings), sarifTruncation: [line] };
    for (const maxLength of [1_048_576, 6_000]) {
      const markdown = renderMarkdown(view, { maxLength, maxFindings: 2_000 });
      expect(markdown.length).toBeLessThanOrEqual(maxLength);
      expect(markdown).toContain(`- SARIF: ${line}`);
    }
  });

  it('lists a new finding before existing ones of its severity (gate-scope new)', () => {
    // Existing ids sort before the new one, so a plain severity-then-id order would cut it.
    const existing = Array.from({ length: 40 }, (_, i) =>
      makeFinding({
        severity: 'CRITICAL',
        id: `old-${i}`,
        ruleId: `CVE-2020-${1000 + i}`,
        baselineState: 'existing',
      }),
    );
    const added = makeFinding({
      severity: 'CRITICAL',
      id: 'new-1',
      ruleId: 'CVE-2024-9999',
      baselineState: 'new',
    });
    const view: ReportView = {
      ...viewOf([...existing, added]),
      baseline: { scope: 'new', note: 'compared with the base branch', existing: 40 },
    };
    const markdown = renderMarkdown(view, { maxLength: 65_536, maxFindings: 30 });
    const rows = markdown.split('\n').filter((l) => /^\| 🟥 CRITICAL \| \[CVE-/.test(l));
    expect(rows).toHaveLength(30);
    expect(rows[0]).toContain('CVE-2024-9999');
    expect(rows[1]).toContain('existing');
    expect(markdown).toContain('new before existing');
  });

  it('gives packages without a fix their own section, not the upgrades cap (debian-stretch)', () => {
    const findings = loadTrivyFindings('trivy/v0.20.0-image-debian-stretch-large.json');
    const plan = planUpgrades(findings);
    const view: ReportView = { ...viewOf(findings), upgrades: plan };
    const markdown = renderMarkdown(view, { maxLength: 65_536, maxFindings: 30 });
    // Every upgrade is listed although many more packages have no fix.
    const count = plan.unfixable.length;
    expect(count).toBeGreaterThan(20);
    const upgrades = markdown.split('\n').filter((l) => l.startsWith('- upgrade '));
    expect(upgrades).toHaveLength(plan.upgrades.length);
    expect(markdown).not.toContain('no fixed version yet');
    const open = plan.unfixable.reduce((sum, a) => sum + a.fixes.CRITICAL, 0);
    expect(markdown).toMatch(
      new RegExp(`#### No fix available yet: ${count} packages \\(${open} CRITICAL, `),
    );
    expect(markdown).toContain(`, …and ${count - 10} more in the report file.`);
  });
});
