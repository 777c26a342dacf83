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
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  startGitHubApiServer,
  type ExtraHandler,
  type GitHubApiServer,
} from '../helpers/github-api-server.js';
import { ROOT, runAction, runnerEnvForEvent, type ActionRun } from '../helpers/run-action.js';
import { validateSarifSchema } from '../helpers/sarif-validators.js';

const SHARED = path.join(ROOT, '__tests__/fixtures/shared/trivy');
const EVENTS = path.join(ROOT, '__tests__/fixtures/events/runner');
const ALERTS = path.join(ROOT, '__tests__/fixtures/baseline/code-scanning-alerts-alpine.json');
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

const temps: string[] = [];
let server: GitHubApiServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

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

/** The summary as plain text: Markdown escapes (`\\(`, `&#58;`) undone. */
function plain(summary: string): string {
  return summary.replace(/\\(.)/g, '$1').replace(/&#58;/g, ':');
}

/** The step's `::error::` line (the one setFailed writes). */
function errorLine(run: ActionRun): string {
  return run.stdout.split('\n').find((l) => l.startsWith('::error::')) ?? '';
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

  it("no cache record: the base branch's code scanning alerts mark existing findings", async () => {
    const queries: URLSearchParams[] = [];
    const alerts = JSON.parse(readFileSync(ALERTS, 'utf8')) as unknown[];
    server = await startGitHubApiServer({
      handlers: alertsHandler(queries, { status: 200, body: alerts }),
    });
    const ws = workspaceWith([ALPINE]);
    const run = await prRun(
      ws,
      { reports: ALPINE, 'github-token': TOKEN, 'medium-threshold': '1' },
      { GITHUB_API_URL: server.url, SECURITY_GATE_LOOPBACK_TEST_TIMING: 'true' },
    );
    expect(server.invalidRequests).toEqual([]);
    expect(queries).toHaveLength(1);
    expect(queries[0]?.get('ref')).toBe('refs/heads/main');
    expect(queries[0]?.get('state')).toBe('open');
    // The fixture's alerts: CVE-2019-1549 in libcrypto1.1 (a match), CVE-2019-1549 in
    // libssl1.1-dev (a different package), a CodeQL alert, and one without a rule.
    const results = resultsOf(readSarif(ws));
    expect(
      results.filter((r) => r.baselineState === 'unchanged').map((r) => r.message?.text),
    ).toEqual([expect.stringMatching(/^Package libcrypto1\.1 installed 1\.1\.1c-r0.*/)]);
    expect(
      results.filter((r) => r.ruleId === 'CVE-2019-1549' && r.baselineState === 'unchanged'),
    ).toHaveLength(1);
    expect(run.outputs.new).toBe('3');
    expect(errorLine(run)).toBe('::error::Security Gate fail: 3 new MEDIUM ≥ threshold 1');
    expect(plain(run.summary)).toContain(
      '1 existing finding(s) from 3 open code scanning alerts of main do not count',
    );
    expect(existingRows(run.summary)).toBe(1);
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
  });
});
