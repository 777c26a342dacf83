/**
 * `gate-scope: new` through the bundled action (dist/index.js), run the way
 * the runner runs it, on imported real scanner reports (no scanner runs):
 *
 * - `baseline: <our own SARIF>` and `baseline: <another tool's SARIF>`;
 * - `baseline: auto` on `pull_request` without a cache record (there is no
 *   cache service outside GitHub): the base branch's code scanning alerts,
 *   read from the API stand-in; without a token, or when the alerts cannot be
 *   read, every finding counts and the summary says why;
 * - `push`: `new` behaves like `all` and says so;
 * - the worked example: a base branch with existing CRITICAL findings and a
 *   pull request that adds one dependency with one CRITICAL vulnerability.
 *
 * Expected numbers are computed here from the fixtures' raw JSON.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startGitHubApiServer,
  type ExtraHandler,
  type GitHubApiServer,
} from '../helpers/github-api-server.js';
import { ROOT, runAction, runnerEnvForEvent, type ActionRun } from '../helpers/run-action.js';
import { validateSarifSchema } from '../helpers/sarif-validators.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const SHARED = path.join(ROOT, '__tests__/fixtures/shared/trivy');
const EVENTS = path.join(ROOT, '__tests__/fixtures/events/runner');
/** Alerts as the API returns them for the action's own uploads of the alpine report (and others). */
const ALERTS = path.join(
  ROOT,
  '__tests__/fixtures/baseline/code-scanning-alerts-alpine-image.json',
);
const TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
/** 160 findings of an image, 12 CRITICAL. */
const STRETCH = 'v0.20.0-image-debian-stretch-large.json';
/** jackson-databind 2.9.1 in a pom.xml: one CRITICAL, one HIGH. */
const POM = 'repo-pom-critical-high.json';
/** alpine 3.10: CVE-2019-1549 and CVE-2019-1551 in libcrypto1.1 and libssl1.1 (4 MEDIUM). */
const ALPINE = 'image-alpine-310.json';
/** Trivy's own SARIF of the same alpine scan (no fingerprints: matched by rule, location, message). */
const ALPINE_SARIF = 'image-alpine-310.sarif';
/** fluentd: one CRITICAL (libidn2-0), one HIGH (activesupport). */
const FLUENTD = 'image-fluentd-os-and-gems.json';

const tempDir = useTempDirs();
let server: GitHubApiServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function workspaceWith(fixtures: string[]): string {
  const ws = tempDir('sg-baseline-ws-');
  for (const fixture of fixtures) copyFileSync(path.join(SHARED, fixture), path.join(ws, fixture));
  return ws;
}

function loadEvent(name: string): unknown {
  return JSON.parse(readFileSync(path.join(EVENTS, `${name}.json`), 'utf8')) as unknown;
}

interface TrivyVuln {
  VulnerabilityID: string;
  PkgName: string;
  InstalledVersion: string;
  FixedVersion?: string;
  Severity: string;
}
interface TrivyReport {
  Results?: Array<{ Target: string; Class?: string; Type?: string; Vulnerabilities?: TrivyVuln[] }>;
}

function readReport(fixture: string): TrivyReport {
  return JSON.parse(readFileSync(path.join(SHARED, fixture), 'utf8')) as TrivyReport;
}

/** Vulnerabilities of a report, unique by id, package and installed version (how findings merge). */
function vulnsOf(report: TrivyReport): TrivyVuln[] {
  const unique = new Map<string, TrivyVuln>();
  for (const result of report.Results ?? [])
    for (const v of result.Vulnerabilities ?? [])
      unique.set(`${v.VulnerabilityID}|${v.PkgName}|${v.InstalledVersion}`, v);
  return [...unique.values()];
}

const countSeverity = (vulns: TrivyVuln[], severity: string): number =>
  vulns.filter((v) => v.Severity === severity).length;

interface SarifResult {
  ruleId?: string;
  baselineState?: string;
  message?: { text?: string };
  partialFingerprints?: Record<string, string>;
}
interface SarifLog {
  runs: Array<{ results?: SarifResult[] }>;
}

function readSarif(ws: string): SarifLog {
  return JSON.parse(readFileSync(path.join(ws, 'security-gate.sarif'), 'utf8')) as SarifLog;
}

const resultsOf = (log: SarifLog): SarifResult[] => log.runs.flatMap((r) => r.results ?? []);

/** Rows of the summary's findings table marked `existing` in the State column. */
function existingRows(summary: string): number {
  return summary.split('\n').filter((line) => /^\| .* \| existing \|$/.test(line)).length;
}

/** The summary as plain text: Markdown escapes (`\\(`, `&#58;`, `#\u200b`) undone. */
function plain(summary: string): string {
  return summary
    .replace(/\\(.)/g, '$1')
    .replace(/&#58;/g, ':')
    .replace(/\u200b/g, '');
}

/**
 * The step's failure (the one `::error::` setFailed writes) as the header and
 * one reason a line, the command's escapes undone.
 */
function errorLine(run: ActionRun): string {
  const line = run.stdout.split('\n').find((l) => l.startsWith('::error::')) ?? '';
  const text = line.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  const [, header = text, rest = ''] =
    /^(::error::Security Gate \w+:)\s*([\s\S]*)$/.exec(text) ?? [];
  return [header, ...rest.split(/\n|; /).filter((r) => r !== '')].join(' ');
}

const readAlerts = (): unknown[] => JSON.parse(readFileSync(ALERTS, 'utf8')) as unknown[];

/** CodeQL alerts of another category, alternately open and dismissed (the fixture's shape). */
function codeqlAlerts(count: number): unknown[] {
  const [template] = readAlerts().filter(
    (a) => (a as { tool?: { name?: string } }).tool?.name === 'CodeQL',
  );
  return Array.from({ length: count }, (_, i) => {
    const alert = structuredClone(template) as { number: number; state: string };
    return { ...alert, number: 1000 + i, state: i % 2 === 0 ? 'open' : 'dismissed' };
  });
}

/** The queries of the alerts reads the run made. */
function alertReads(api: GitHubApiServer): URLSearchParams[] {
  return api.state.requests
    .filter((r) => r.operation === 'GET /repos/{owner}/{repo}/code-scanning/alerts')
    .map((r) => new URL(r.path, 'http://x').searchParams);
}

const QUIET = { 'upload-sarif': 'false', comment: 'never', 'check-run': 'false' };

/** A run on the base branch (workflow_dispatch: a push would try to save a cache record). */
async function baseRun(ws: string, reports: string): Promise<ActionRun> {
  return runAction({
    workspace: ws,
    eventName: 'workflow_dispatch',
    inputs: { scanners: '', reports, ...QUIET },
  });
}

async function prRun(
  ws: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
): Promise<ActionRun> {
  const event = loadEvent('pull_request.synchronize');
  return runAction({
    workspace: ws,
    eventName: 'pull_request',
    event,
    inputs: { scanners: '', 'gate-scope': 'new', ...QUIET, ...inputs },
    env: { ...runnerEnvForEvent('pull_request', event), ...env },
  });
}

describe('gate-scope new with baseline: <SARIF file>', () => {
  it('the worked example: a pull request adding one dependency with a CRITICAL fails on that one only', async () => {
    // The pull request's image is the base image plus one Java dependency with
    // one CRITICAL vulnerability: the report is the base report with the pom.xml
    // result (its CRITICAL vulnerability only) added.
    const base = readReport(STRETCH);
    const pomResult = readReport(POM).Results?.[0];
    const added = pomResult?.Vulnerabilities?.find((v) => v.Severity === 'CRITICAL');
    expect(added).toBeDefined();
    const prReport = {
      ...base,
      Results: [...(base.Results ?? []), { ...pomResult, Vulnerabilities: [added] }],
    };
    const ws = workspaceWith([STRETCH]);
    writeFileSync(path.join(ws, 'pr-report.json'), JSON.stringify(prReport, null, 2));

    const first = await baseRun(ws, STRETCH);
    const baseVulns = vulnsOf(base);
    expect(first.outputs.critical).toBe(String(countSeverity(baseVulns, 'CRITICAL')));
    const baselineFile = path.join(tempDir('sg-baseline-'), 'main.sarif');
    copyFileSync(path.join(ws, 'security-gate.sarif'), baselineFile);

    const run = await prRun(ws, { reports: 'pr-report.json', baseline: baselineFile });
    const allCritical = countSeverity(baseVulns, 'CRITICAL') + 1;
    expect(run.exitCode).toBe(1);
    expect(run.outputs.verdict).toBe('fail');
    expect(run.outputs.new).toBe('1');
    expect(run.outputs.critical).toBe(String(allCritical));
    expect(run.outputs.total).toBe(String(baseVulns.length + 1));
    // One reason only: the base's 12 CRITICAL and 24 HIGH do not count.
    expect(errorLine(run)).toBe('::error::Security Gate fail: 1 new CRITICAL ≥ threshold 1');

    const results = resultsOf(readSarif(ws));
    expect(validateSarifSchema(readSarif(ws))).toEqual([]);
    const fresh = results.filter((r) => r.baselineState === 'new');
    expect(fresh.map((r) => r.ruleId)).toEqual([added?.VulnerabilityID]);
    expect(results.filter((r) => r.baselineState === 'unchanged')).toHaveLength(baseVulns.length);
    expect(run.summary).toContain(`${baseVulns.length + 1} findings · 1 new`);
    expect(plain(run.summary)).toContain(
      `${baseVulns.length} existing finding(s) from ${baselineFile} do not count`,
    );
    expect(existingRows(run.summary)).toBe(Math.min(200, results.length) - 1);
  });

  it("another tool's SARIF (Trivy's own) is matched by rule, location and message", async () => {
    const ws = workspaceWith([ALPINE, ALPINE_SARIF, FLUENTD]);
    const inputs = { reports: `${ALPINE}\n${FLUENTD}`, 'medium-threshold': '1' };
    const all = await prRun(ws, { ...inputs, 'gate-scope': 'all' });
    expect(all.outputs.verdict).toBe('fail');
    expect(errorLine(all)).toContain('4 MEDIUM ≥ threshold 1');

    const run = await prRun(ws, { ...inputs, baseline: ALPINE_SARIF });
    const alpine = vulnsOf(readReport(ALPINE));
    const fluentd = vulnsOf(readReport(FLUENTD));
    expect(run.outputs.total).toBe(String(alpine.length + fluentd.length));
    expect(run.outputs.new).toBe(String(fluentd.length));
    expect(run.outputs.medium).toBe(String(countSeverity(alpine, 'MEDIUM')));
    // The alpine findings are all in Trivy's SARIF: MEDIUM no longer fails; fluentd's CRITICAL does.
    expect(errorLine(run)).toBe('::error::Security Gate fail: 1 new CRITICAL ≥ threshold 1');
    const states = resultsOf(readSarif(ws)).map((r) => `${r.ruleId} ${r.baselineState}`);
    expect(states.sort()).toEqual(
      [
        ...alpine.map((v) => `${v.VulnerabilityID} unchanged`),
        ...fluentd.map((v) => `${v.VulnerabilityID} new`),
      ].sort(),
    );
    expect(existingRows(run.summary)).toBe(alpine.length);
  });

  it('a baseline file that is not SARIF fails the step naming the input', async () => {
    const ws = workspaceWith([ALPINE]);
    const run = await prRun(ws, { reports: ALPINE, baseline: ALPINE });
    expect(run.exitCode).toBe(1);
    expect(errorLine(run)).toMatch(/^::error::Input 'baseline' names "image-alpine-310.json"/);
  });
});

describe('gate-scope new with baseline: auto', () => {
  /** The alerts handler: records each request's query and answers with the fixture or a status. */
  function alertsHandler(
    queries: URLSearchParams[],
    answer: { status: number; body: unknown },
  ): Record<string, ExtraHandler> {
    return {
      'GET /repos/{owner}/{repo}/code-scanning/alerts': ({ query }) => {
        queries.push(query);
        return answer;
      },
    };
  }

  it("no cache record: the base branch's open and dismissed alerts of this category, every page", async () => {
    server = await startGitHubApiServer();
    // 240 alerts of CodeQL first (three pages of open ones, two of dismissed), then the fixture's.
    server.state.alerts['refs/heads/main'] = [...codeqlAlerts(240), ...readAlerts()];
    const ws = workspaceWith([ALPINE]);
    const run = await prRun(
      ws,
      { reports: ALPINE, 'github-token': TOKEN, 'medium-threshold': '1' },
      { GITHUB_API_URL: server.url, SECURITY_GATE_LOOPBACK_TEST_TIMING: 'true' },
    );
    expect(server.invalidRequests).toEqual([]);
    const reads = alertReads(server);
    expect(
      reads.every((q) => q.get('ref') === 'refs/heads/main' && q.get('per_page') === '100'),
    ).toBe(true);
    expect(reads.map((q) => `${q.get('state')} ${q.get('page') ?? '1'}`)).toEqual([
      'open 1',
      'open 2',
      'dismissed 1',
      'dismissed 2',
    ]);
    // Alert 21 (open) and 22 (dismissed) are this image's in this category; 23 is another
    // image's, 24 and 25 other categories', 26 CodeQL's.
    const results = resultsOf(readSarif(ws));
    expect(
      results
        .filter((r) => r.baselineState === 'unchanged')
        .map((r) => `${r.ruleId} ${r.message?.text?.split(' ')[1]}`),
    ).toEqual(['CVE-2019-1549 libcrypto1.1', 'CVE-2019-1551 libssl1.1']);
    expect(run.outputs.new).toBe('2');
    expect(errorLine(run)).toBe('::error::Security Gate fail: 2 new MEDIUM ≥ threshold 1');
    // Exactly the category of the imported report's run: 23 (another image under the same
    // sarif-category) is not counted either.
    expect(plain(run.summary)).toContain(
      '2 existing finding(s) from 2 open or dismissed code scanning alerts of main in category security-gate/trivy/testdata-fixtures-images-alpine-310.tar.gz do not count',
    );
    expect(existingRows(run.summary)).toBe(2);
  });

  it('alerts that cannot be read (403): every finding counts and the summary says why', async () => {
    const queries: URLSearchParams[] = [];
    server = await startGitHubApiServer({
      handlers: alertsHandler(queries, {
        status: 403,
        body: { message: 'Resource not accessible by integration', status: '403' },
      }),
    });
    const ws = workspaceWith([ALPINE]);
    const run = await prRun(
      ws,
      { reports: ALPINE, 'github-token': TOKEN, 'medium-threshold': '1' },
      { GITHUB_API_URL: server.url, SECURITY_GATE_LOOPBACK_TEST_TIMING: 'true' },
    );
    expect(queries).toHaveLength(1);
    expect(run.outputs.new).toBe('4');
    expect(errorLine(run)).toBe('::error::Security Gate fail: 4 MEDIUM ≥ threshold 1');
    expect(plain(run.summary)).toMatch(
      /no baseline record of main \(a push run saves one\) and the code scanning alerts of main could not be read \(.*\): every finding counts/,
    );
    expect(existingRows(run.summary)).toBe(0);
  });

  it('no token: every finding counts and the summary says why', async () => {
    const ws = workspaceWith([FLUENTD]);
    const run = await prRun(ws, { reports: FLUENTD });
    expect(run.outputs.new).toBe('2');
    expect(run.outputs.total).toBe('2');
    expect(errorLine(run)).toBe('::error::Security Gate fail: 1 CRITICAL ≥ threshold 1');
    expect(plain(run.summary)).toContain(
      'no baseline record of main (a push run saves one) and code scanning alerts cannot be read without a token: every finding counts.',
    );
    // The cache service does not exist outside GitHub: the run degrades, the verdict stands.
    expect(run.outputs.verdict).toBe('fail');
  });
});

describe('best-effort steps', () => {
  it('a job summary that cannot be written is one warning: the exit code and verdict stay the gate’s', async () => {
    const ws = workspaceWith([FLUENTD]);
    // GITHUB_STEP_SUMMARY names a directory: writing it throws EISDIR.
    const summaryDir = tempDir('sg-summary-dir-');
    const run = await prRun(ws, { reports: FLUENTD }, { GITHUB_STEP_SUMMARY: summaryDir });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.verdict).toBe('fail');
    expect(errorLine(run)).toBe('::error::Security Gate fail: 1 CRITICAL ≥ threshold 1');
    const warnings = run.stdout.split('\n').filter((l) => l.startsWith('::warning::'));
    expect(warnings).toEqual([
      expect.stringMatching(/^::warning::Job summary not written: .*EISDIR/),
    ]);
  });
});

describe('gate-scope new on push', () => {
  it('behaves like all and says so', async () => {
    const ws = workspaceWith([FLUENTD]);
    const event = loadEvent('push');
    const run = await runAction({
      workspace: ws,
      eventName: 'push',
      event,
      inputs: { scanners: '', reports: FLUENTD, 'gate-scope': 'new', ...QUIET },
      env: runnerEnvForEvent('push', event),
    });
    expect(run.outputs.verdict).toBe('fail');
    expect(run.outputs.new).toBe('2');
    expect(errorLine(run)).toBe('::error::Security Gate fail: 1 CRITICAL ≥ threshold 1');
    expect(plain(run.summary)).toContain(
      'gate-scope new applies to pull requests; on push every finding counts.',
    );
    expect(resultsOf(readSarif(ws)).every((r) => r.baselineState === undefined)).toBe(true);
    // baseline auto: the push run wrote its record at the fixed path the cache saves
    // (there is no cache service here, so the save itself is skipped with a line).
    const recordDir = path.join(run.runnerDir, 'security-gate-baseline');
    expect(readdirSync(recordDir)).toEqual(['security_2dgate.json']);
    const record = JSON.parse(
      readFileSync(path.join(recordDir, 'security_2dgate.json'), 'utf8'),
    ) as {
      ref: string;
      category: string;
      fingerprints: string[];
    };
    expect(record).toMatchObject({ ref: 'refs/heads/main', category: 'security-gate' });
    expect(record.fingerprints).toHaveLength(2);
    expect(run.stdout).toContain(
      'could not save the record of main as security-gate-baseline-security_2dgate-main-',
    );
  });
});

describe('the pull request comment', () => {
  const WAIVERS_FILE = '.github/security-waivers.yml';
  /** On the base branch: the HIGH activesupport finding of the fluentd image is an accepted risk. */
  const BASE_WAIVERS = [
    'waivers:',
    '  - id: CVE-2020-8165',
    '    package: activesupport',
    '    reason: The app does not use MemCacheStore',
    '    expires: 2027-06-30',
    '',
  ].join('\n');
  /** The pull request keeps that one and adds one for the CRITICAL libidn2-0 finding. */
  const PR_WAIVERS = [
    BASE_WAIVERS.trimEnd(),
    '  - id: CVE-2019-18224',
    '    package: libidn2-0',
    '    reason: Only trusted host names reach idn2_to_ascii',
    '    expires: 2027-03-31',
    '    approved-by: security-team',
    '',
  ].join('\n');

  function commentOf(api: GitHubApiServer): string {
    expect(api.state.comments).toHaveLength(1);
    return api.state.comments[0]?.body ?? '';
  }

  /** Rows of the comment's findings table, as `<id> <state>`. */
  function findingStates(body: string): string[] {
    return body
      .split('\n')
      .filter((line) => /^\| [^|]*(CRITICAL|HIGH|MEDIUM|LOW|UNKNOWN) \| \[?CVE-/.test(line))
      .map((line) => {
        const cells = line.split(' | ');
        const id = /CVE-\d+-\d+/.exec(cells[1] ?? '')?.[0] ?? '?';
        const pkg = /`([^`]+)`/.exec(cells[2] ?? '')?.[1] ?? '?';
        return `${id} ${pkg} ${(cells[5] ?? '').replace(/ \|$/, '') || 'new'}`;
      });
  }

  it('under gate-scope new: existing findings are marked existing, only new ones count', async () => {
    server = await startGitHubApiServer();
    server.state.alerts['refs/heads/main'] = readAlerts();
    const ws = workspaceWith([ALPINE, FLUENTD]);
    const run = await prRun(
      ws,
      {
        reports: `${ALPINE}\n${FLUENTD}`,
        'github-token': TOKEN,
        'medium-threshold': '3',
        comment: 'always',
      },
      { GITHUB_API_URL: server.url, SECURITY_GATE_LOOPBACK_TEST_TIMING: 'true' },
    );
    expect(server.invalidRequests).toEqual([]);
    expect(run.outputs).toMatchObject({ total: '6', new: '4', medium: '4' });
    const body = plain(commentOf(server));
    expect(body.split('\n')[0]).toBe('<!-- security-gate:security-gate -->');
    expect(body).toContain('**6 findings · 4 new**');
    // 4 MEDIUM of which 2 new: under the threshold of 3; only the new CRITICAL fails.
    expect(body).toMatch(/^\| \S+ MEDIUM \| 4 \(2 new\) \| fails at 3 \| .*warns \|$/m);
    expect(body).toContain('- ❌ 1 new CRITICAL ≥ threshold 1');
    expect(body).toContain('2 new MEDIUM (fails at 3)');
    expect(body).not.toMatch(/MEDIUM ≥ threshold/);
    expect(body).toContain(
      "2 existing finding(s) from 2 open or dismissed code scanning alerts of main in this run's 2 categories do not count",
    );
    expect(body).toContain('### Findings, most severe first (new before existing)');
    const states = findingStates(body);
    expect(states.slice(0, 4).sort()).toEqual([
      'CVE-2019-1549 libssl1.1 new',
      'CVE-2019-1551 libcrypto1.1 new',
      'CVE-2019-18224 libidn2-0 new',
      'CVE-2020-8165 activesupport new',
    ]);
    // Existing ones stay visible, after the new ones.
    expect(states.slice(4).sort()).toEqual([
      'CVE-2019-1549 libcrypto1.1 existing',
      'CVE-2019-1551 libssl1.1 existing',
    ]);
  });

  async function waiverRun(api: GitHubApiServer, extraFiles: Record<string, string> = {}) {
    const ws = workspaceWith([FLUENTD]);
    mkdirSync(path.join(ws, '.github'), { recursive: true });
    writeFileSync(path.join(ws, WAIVERS_FILE), PR_WAIVERS);
    for (const [name, text] of Object.entries(extraFiles)) writeFileSync(path.join(ws, name), text);
    return prRun(
      ws,
      { reports: FLUENTD, 'github-token': TOKEN, comment: 'always', 'gate-scope': 'all' },
      { GITHUB_API_URL: server?.url ?? '', SECURITY_GATE_LOOPBACK_TEST_TIMING: 'true' },
    ).then((run) => ({ run, body: plain(commentOf(api)) }));
  }

  /** The lines of the comment's "need review" section. */
  function needsReview(body: string): string[] {
    const start = body.indexOf(
      '#### 🔍 Waivers added or changed by this pull request (need review)',
    );
    if (start < 0) return [];
    return body
      .slice(start)
      .split('\n')
      .slice(2)
      .filter(
        (line, i, all) => line.startsWith('- ') && all.slice(0, i).every((l) => l.startsWith('- ')),
      );
  }

  it('lists the waiver the pull request adds first, as needing review (contents API of the base)', async () => {
    server = await startGitHubApiServer();
    server.state.files.main = { [WAIVERS_FILE]: BASE_WAIVERS };
    const { run, body } = await waiverRun(server, {
      // A new .trivyignore (absent on the base branch) is reviewed like the waivers file.
      '.trivyignore': '# Not reachable: no IDN input\nCVE-2019-18224 exp:2027-01-31\n',
    });
    expect(server.invalidRequests).toEqual([]);
    const contentReads = server.state.requests.filter((r) => r.path.includes('/contents/'));
    expect(
      contentReads.map((r) => {
        const url = new URL(r.path, 'http://x');
        return `${decodeURIComponent(url.pathname.split('/contents/')[1] ?? '')}@${url.searchParams.get('ref')} ${r.status}`;
      }),
    ).toEqual([`${WAIVERS_FILE}@main 200`, '.trivyignore@main 404']);
    expect(run.outputs).toMatchObject({ verdict: 'pass', waived: '2' });
    expect(needsReview(body)).toEqual([
      expect.stringMatching(
        /^- `CVE-2019-18224` \(package `libidn2-0`\), expires 2027-03-31, 1 matched — Only trusted host names reach idn2_to_ascii _\(\.github\/security-waivers\.yml#1\)_$/,
      ),
      expect.stringMatching(
        /^- `CVE-2019-18224`, expires 2027-01-31, 1 matched — Not reachable: no IDN input _\(\.trivyignore:2\)_$/,
      ),
    ]);
    // First among the waivers, and before the findings.
    expect(body.indexOf('need review')).toBeLessThan(body.indexOf('Waivers applied'));
    expect(body.indexOf('need review')).toBeLessThan(body.indexOf('### Findings'));
    expect(run.stdout).not.toContain('contents: read');
  });

  it('without contents: read (403) every waiver needs review, and one warning says why', async () => {
    server = await startGitHubApiServer();
    server.state.files.main = { [WAIVERS_FILE]: BASE_WAIVERS };
    server.faults.add({
      route: 'GET /repos/{owner}/{repo}/contents/{path}',
      type: 'read-only',
      times: 10,
    });
    const { run, body } = await waiverRun(server);
    expect(server.invalidRequests).toEqual([]);
    expect(needsReview(body).map((line) => /_\((.*)\)_$/.exec(line)?.[1])).toEqual([
      `${WAIVERS_FILE}#0`,
      `${WAIVERS_FILE}#1`,
    ]);
    const warnings = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('::warning::Could not read'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      `Could not read ${WAIVERS_FILE} on the base branch main: every waiver in it is listed as needing review. HTTP 403 (Resource not accessible by integration`,
    );
    expect(warnings[0]?.split('contents: read')).toHaveLength(2);
  });
});
