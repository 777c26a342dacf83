/**
 * The HTML report in a real browser: no request leaves the page, no console
 * error, and filtering and sorting change the rows as the data says they
 * should. Needs the Debian chromium package; a missing browser skips the test
 * locally and fails it in CI.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { severityRank, type Finding } from '../../src/findings/finding.js';
import { renderHtmlReport } from '../../src/report/html.js';
import { loadGrypeFindings, loadTrivyFindings } from '../unit/baseline/fixture-findings.js';
import { buildReportView } from './build-view.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';

/** As under `gate-scope: new`: the base image's findings existed, the rest are new. */
const findings: Finding[] = [
  ...loadTrivyFindings('trivy/v0.20.0-image-debian-stretch-large.json').map((f) => ({
    ...f,
    baselineState: 'existing' as const,
  })),
  ...[
    ...loadTrivyFindings('trivy/repo-secrets.json'),
    ...loadTrivyFindings('trivy/action-0.72.0-config-terraform.json'),
    ...loadGrypeFindings('grype/real-0.61.1-chainguard-ruby.json'),
  ].map((f) => ({ ...f, baselineState: 'new' as const })),
];
const view = buildReportView(findings);

describe.skipIf(!available && !inCi)('HTML report in chromium', () => {
  let browser: Browser | undefined;
  let page: Page;
  let dir: string;
  const requests: string[] = [];
  const errors: string[] = [];
  let url: string;

  beforeAll(async () => {
    if (!available)
      throw new Error(
        `${CHROMIUM} is missing: install the Debian chromium package (CI=true makes this a failure).`,
      );
    dir = mkdtempSync(join(tmpdir(), 'sg-html-'));
    const file = join(dir, 'security-gate.html');
    writeFileSync(file, renderHtmlReport(view));
    url = pathToFileURL(file).href;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const visibleIds = (): Promise<string[]> =>
    page.$$eval('#sg-rows tr:not([hidden]) td:nth-child(2)', (cells) =>
      cells.map((c) => c.textContent ?? ''),
    );

  async function reset(): Promise<void> {
    await page.fill('#sg-text', '');
    await page.selectOption('#sg-scanner', '');
    await page.selectOption('#sg-kind', '');
    for (const box of await page.$$('input[data-severity]')) await box.check();
  }

  it('loads with no request but the page itself and no console error', async () => {
    expect(requests).toEqual([url]);
    expect(errors).toEqual([]);
    expect(await visibleIds()).toHaveLength(findings.length);
    expect(await page.textContent('#sg-count')).toBe(
      `${findings.length} of ${findings.length} findings shown`,
    );
  });

  it.each([
    [
      'severity HIGH only',
      async () => {
        for (const box of await page.$$('input[data-severity]:not([data-severity="HIGH"])'))
          await box.uncheck();
      },
      (f: Finding) => f.severity === 'HIGH',
    ],
    [
      'scanner Grype',
      () => page.selectOption('#sg-scanner', 'Grype'),
      (f: Finding) => f.tools.includes('Grype'),
    ],
    [
      'kind secret',
      () => page.selectOption('#sg-kind', 'secret'),
      (f: Finding) => f.kind === 'secret',
    ],
    [
      'kind misconfiguration + LOW unchecked',
      async () => {
        await page.selectOption('#sg-kind', 'misconfiguration');
        await page.uncheck('input[data-severity="LOW"]');
      },
      (f: Finding) => f.kind === 'misconfiguration' && f.severity !== 'LOW',
    ],
    [
      'text CVE-2018-6485',
      () => page.fill('#sg-text', 'cve-2018-6485'),
      (f: Finding) => f.ruleId === 'CVE-2018-6485',
    ],
    [
      'text libc6 (a package name)',
      () => page.fill('#sg-text', 'libc6'),
      (f: Finding) =>
        (f.package?.name ?? '').includes('libc6') || f.title.toLowerCase().includes('libc6'),
    ],
  ])('filters: %s', async (_label, act, expected) => {
    await reset();
    await act();
    const want = findings.filter(expected).length;
    expect(want).toBeGreaterThan(0);
    expect(want).toBeLessThan(findings.length);
    expect(await visibleIds()).toHaveLength(want);
    expect(await page.textContent('#sg-count')).toBe(
      `${want} of ${findings.length} findings shown`,
    );
  });

  it('sorts by a column both ways and back by severity', async () => {
    await reset();
    const byId = findings.map((f) => f.ruleId.toLowerCase()).sort();
    await page.click('th[data-sort="id"] button');
    expect((await visibleIds()).map((id) => id.toLowerCase())).toEqual(byId);
    expect(await page.getAttribute('th[data-sort="id"]', 'aria-sort')).toBe('ascending');
    await page.click('th[data-sort="id"] button');
    expect((await visibleIds()).map((id) => id.toLowerCase())).toEqual([...byId].reverse());
    await page.click('th[data-sort="rank"] button');
    const severities = await page.$$eval('#sg-rows tr td:first-child', (cells) =>
      cells.map((c) => c.textContent ?? ''),
    );
    const ranks = severities.map((s) => severityRank(s as Finding['severity']));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(ranks[0]).toBe(0);
    // Within a severity, new findings come before existing ones.
    const states = await page.$$eval('#sg-rows tr td:last-child', (cells) =>
      cells.map((c) => c.textContent ?? ''),
    );
    const key = states.map((state, i) => ranks[i]! * 2 + (state === 'existing' ? 1 : 0));
    expect(key).toEqual([...key].sort((a, b) => a - b));
    expect(new Set(states)).toEqual(new Set(['new', 'existing']));
  });

  it('writes a screenshot and still made no request', async () => {
    await reset();
    mkdirSync('test-output', { recursive: true });
    await page.screenshot({ path: 'test-output/html-report.png', fullPage: false });
    expect(existsSync('test-output/html-report.png')).toBe(true);
    expect(requests).toEqual([url]);
    expect(errors).toEqual([]);
  });
});
