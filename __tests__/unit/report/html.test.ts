import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/findings/finding.js';
import {
  HTML_REPORT_CSP,
  renderHtmlReport,
  renderSeverityChart,
  serializeJsonForScript,
} from '../../../src/report/html.js';
import { buildReportView } from '../../browser/build-view.js';
import { loadGrypeFindings, loadTrivyFindings } from '../baseline/fixture-findings.js';

const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '</script><script>alert(1)</script>',
  '"><svg onload=alert(1)>',
  "'; alert(1); '",
  '<!--',
  '\u2028</SCRIPT >',
];

function hostileFinding(text: string, index: number): Finding {
  const [base] = loadTrivyFindings('trivy/repo-npm-lockfile.json');
  if (!base) throw new Error('fixture has a finding');
  return {
    ...base,
    id: `hostile-${index}`,
    ruleId: text,
    title: text,
    description: text,
    tools: [text],
    target: text,
    package: { ...base.package!, name: text, installedVersion: text, fixedVersions: [text] },
    primaryUrl: `javascript:${text}`,
    waiver: index === 0 ? { origin: text, reason: text } : undefined,
  };
}

/** The page without its one data block: what the HTML parser reads as markup. */
function markupOf(html: string): string {
  return html.replace(/<script type="application\/json" id="sg-data">[\s\S]*?<\/script>/, '');
}

describe('renderHtmlReport', () => {
  const hostile = HOSTILE.map(hostileFinding);
  const html = renderHtmlReport(buildReportView(hostile));

  it.each(HOSTILE)('never lets %j become markup', (text) => {
    expect(markupOf(html)).not.toContain(text);
    // No injected element, no event-handler attribute inside any tag, no javascript: link.
    expect(markupOf(html)).not.toMatch(/<(img|svg onload|iframe|!--)/i);
    const tags = markupOf(html).match(/<[a-z][^>]*>/gi) ?? [];
    // Attribute values are quoted and escaped; what is left of a tag must hold no handler.
    expect(
      tags.map((tag) => tag.replace(/"[^"]*"/g, '""')).filter((tag) => /\son\w+=/i.test(tag)),
    ).toEqual([]);
    expect(markupOf(html)).not.toMatch(/href="javascript:/i);
  });

  it('keeps the data block closed: exactly two script elements, the JSON parses back', () => {
    expect(html.match(/<script/gi)).toHaveLength(2);
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    const json =
      /<script type="application\/json" id="sg-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const data = JSON.parse(json) as { findings: Array<{ title: string }> };
    expect(data.findings.map((f) => f.title).sort()).toEqual([...HOSTILE].sort());
  });

  it('allows no request and only its own script by hash', () => {
    const html = renderHtmlReport(
      buildReportView(loadTrivyFindings('trivy/v0.20.0-image-debian-stretch-large.json')),
    );
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(script).digest('base64');
    expect(HTML_REPORT_CSP).toContain(`script-src 'sha256-${hash}'`);
    expect(HTML_REPORT_CSP).toMatch(/^default-src 'none';/);
    expect(html).toContain(`content="${HTML_REPORT_CSP}"`);
    // No reference to anything outside the page.
    expect(markupOf(html)).not.toMatch(/\b(src|srcset)=|<link|@import|url\(/i);
  });

  it('writes a hostile advisory URL as one percent-encoded href', () => {
    const [base] = loadTrivyFindings('trivy/repo-npm-lockfile.json');
    if (!base) throw new Error('fixture has a finding');
    const page = renderHtmlReport(
      buildReportView([
        {
          ...base,
          id: 'hostile-url',
          ruleId: 'DS002',
          primaryUrl:
            'https://avd.aquasec.com/x)![pixel](https://evil.example/p.png)<img/src=x/onerror=alert(1)>"\'`|[y]',
        },
      ]),
    );
    const href = /<a href="([^"]*)" rel="noopener noreferrer">DS002<\/a>/.exec(page)?.[1];
    expect(href).toMatch(/^https:\/\/avd\.aquasec\.com\/x%29%21%5Bpixel%5D%28/);
    expect(href).not.toMatch(/[()[\]<>|"'`!\s]/);
    expect(markupOf(page)).not.toMatch(/<img|alert\(1\)/);
  });

  it('lists new findings before existing ones of their severity', () => {
    const findings = loadTrivyFindings('trivy/repo-pom-critical-high.json').map((f) => ({
      ...f,
      severity: 'HIGH' as const,
    }));
    // The one that sorts first by id is the existing one.
    const ordered = [...findings].sort((a, b) => a.ruleId.localeCompare(b.ruleId));
    const marked = ordered.map((f, i) => ({
      ...f,
      baselineState: i === 0 ? ('existing' as const) : ('new' as const),
    }));
    const page = renderHtmlReport(buildReportView(marked, { countOnlyNew: true }));
    const ids = [...page.matchAll(/<tr data-i="\d+" data-id="([^"]+)">/g)].map((m) => m[1]);
    expect(ids.at(-1)).toBe(ordered[0]?.id);
  });

  it('links only https URLs (the run link, not the javascript: one)', () => {
    expect(html).toContain(
      '<a href="https://github.com/o/r/actions/runs/1" rel="noopener noreferrer">workflow run</a>',
    );
    expect(html).not.toContain('code scanning alerts</a>');
  });

  it.each([
    ['trivy/v0.20.0-image-debian-stretch-large.json', 'Failed'],
    ['trivy/image-alpine-310.json', 'Passed'],
    ['grype/real-0.66.0-keycloak-rpm-wontfix.json', 'Passed'],
  ])('renders %s: verdict, one row per finding, chart, upgrades', (fixture, verdict) => {
    const findings = fixture.startsWith('grype/')
      ? loadGrypeFindings(fixture)
      : loadTrivyFindings(fixture);
    const view = buildReportView(findings);
    const page = renderHtmlReport(view);
    expect(page).toContain(
      `<span class="verdict v-${view.gate.verdict}" id="sg-verdict">${verdict}`,
    );
    expect(page.match(/<tr data-i="/g)).toHaveLength(findings.length);
    expect(page).toContain(`<title>CRITICAL: ${view.gate.counts.CRITICAL}</title>`);
    expect(page.includes('id="sg-upgrades"')).toBe((view.upgrades?.upgrades.length ?? 0) > 0);
    expect(page.includes('id="sg-unfixable"')).toBe((view.upgrades?.unfixable.length ?? 0) > 0);
    expect(page).toContain('data-waivers="used"');
    expect(page).toContain('data-waivers="unused"');
  });

  it('writes versions as they are (Go pseudo-versions copy into go.mod unchanged)', () => {
    const [base] = loadTrivyFindings('trivy/repo-gomod-unknown-severity.json');
    const installed = 'v0.0.0-20230101120000-abcdef123456';
    const fixed = 'v0.0.0-20230601120000-0123456789ab';
    const finding: Finding = {
      ...base!,
      package: { ...base!.package!, installedVersion: installed, fixedVersions: [fixed] },
    };
    const page = renderHtmlReport(buildReportView([finding]));
    expect(page).toContain(`<td><code>${installed}</code></td><td><code>${fixed}</code></td>`);
    expect(page).not.toContain('\u2060');
  });

  it('says when there are no findings', () => {
    expect(renderHtmlReport(buildReportView([]))).toContain('<p>No findings.</p>');
  });

  it('shows the new counts and the baseline note under gate-scope new', () => {
    const findings = loadTrivyFindings('trivy/repo-pom-critical-high.json').map((f, i) => ({
      ...f,
      baselineState: i === 0 ? ('existing' as const) : ('new' as const),
    }));
    const page = renderHtmlReport(buildReportView(findings, { countOnlyNew: true }));
    expect(page).toContain('<th class="num">New</th>');
    expect(page).toContain('Scope: new — from the baseline record of main');
    expect(page).toMatch(/<td>existing<\/td>/);
  });
});

describe('helpers', () => {
  it.each([
    ['</script>', '"\\u003c/script\\u003e"'],
    ['a&b', '"a\\u0026b"'],
    ['\u2028', '"\\u2028"'],
  ])('serializeJsonForScript(%j) → %s', (input, expected) => {
    expect(serializeJsonForScript(input)).toBe(expected);
    expect(JSON.parse(serializeJsonForScript(input))).toBe(input);
  });

  it('draws bars in proportion to the counts', () => {
    const svg = renderSeverityChart({ CRITICAL: 2, HIGH: 4, MEDIUM: 0, LOW: 1, UNKNOWN: 0 });
    expect(
      [...svg.matchAll(/<rect x="80" y="\d+" width="(\d+)"/g)].map((m) => Number(m[1])),
    ).toEqual([200, 400, 0, 100, 0]);
  });
});
