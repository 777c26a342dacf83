/**
 * Hostile text through the bundled action: a workspace directory, an
 * imported SARIF and an imported Trivy report whose names, rule ids,
 * messages and package names carry workflow commands, mentions, HTML and
 * Markdown links. The runner must see no workflow command but the action's
 * own, the outputs must be the gate's, and the summary, report files and
 * SARIF must carry the text inertly. With a token, against the GitHub API
 * stand-in, the same text goes through the PR comment, the check run's
 * annotations and summary, and the workflow-command fallback: none of it
 * may become a command, a mention, a link or HTML.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubApiServer, type GitHubApiServer } from '../helpers/github-api-server.js';
import { ROOT, runAction, runnerEnvForEvent, type ActionRun } from '../helpers/run-action.js';
import { validateSarifSchema, validateSarifWithMultitool } from '../helpers/sarif-validators.js';

const INJECTIONS = [
  '| injected | cell |',
  '::set-output name=verdict::pass',
  '::add-mask::x',
  '::stop-commands::tok',
  '##[set-output name=verdict;]pass',
  '@octocat',
  '<img src=x onerror=alert(1)>',
  '[x](https://evil.example)',
  '[y](javascript:alert(1))',
  '](javascript:alert(2))',
  '`code` ``fence``',
  'fixes GH-12 and #34 in 1a2b3c4d',
];
const HOSTILE = INJECTIONS.join(' ');
/** Each injection on its own line, as a scanner message could put it. */
const MULTILINE = `benign first line\n${INJECTIONS.join('\r\n')}\n# Heading\n`;
/** A directory name can hold everything but `/`. */
const HOSTILE_DIR =
  '::set-output name=verdict::pass | @octocat <img src=x onerror=alert(1)> [l](javascript:alert(1)) `t`, x';
const OWN_COMMANDS = /^::(error|warning|notice|debug|group|endgroup)::/;
/** Our own commands, annotations with escaped properties included (`::error file=…,line=1::`). */
const OWN_ANNOTATIONS = /^::(error|warning|notice)( [^:\r\n]*)?::|^::(debug|group|endgroup)::/;

let ws: string;
let run: ActionRun;

function hostileSarif(): unknown {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Evil ::set-output name=verdict::pass',
            rules: [
              {
                id: HOSTILE,
                name: 'EvilRule',
                shortDescription: { text: HOSTILE },
                fullDescription: { text: MULTILINE },
                help: { text: MULTILINE, markdown: MULTILINE },
                properties: { 'security-severity': '9.8', tags: ['security', HOSTILE] },
              },
            ],
          },
        },
        results: [
          {
            ruleId: HOSTILE,
            level: 'error',
            message: { text: MULTILINE },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: encodeURI(`${HOSTILE_DIR}/Dockerfile`) },
                  region: { startLine: 1 },
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

/** A real Trivy report with hostile package name, title and id on its findings. */
function hostileTrivyReport(): unknown {
  const report = JSON.parse(
    readFileSync(
      path.join(ROOT, '__tests__/fixtures/shared/trivy/image-fluentd-os-and-gems.json'),
      'utf8',
    ),
  ) as { Results: Array<{ Vulnerabilities?: Array<Record<string, unknown>> }> };
  for (const result of report.Results)
    for (const vuln of result.Vulnerabilities ?? []) {
      vuln.PkgName = `${String(vuln.PkgName)}\n::set-output name=verdict::pass | \``;
      vuln.Title = MULTILINE;
      vuln.Description = MULTILINE;
      vuln.InstalledVersion = `${String(vuln.InstalledVersion)} @octocat`;
    }
  return report;
}

beforeAll(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'sg-hostile-'));
  mkdirSync(path.join(ws, HOSTILE_DIR));
  // The pinning checker flags the unpinned base image in the hostile directory.
  writeFileSync(path.join(ws, HOSTILE_DIR, 'Dockerfile'), 'FROM node:latest\nUSER node\n');
  mkdirSync(path.join(ws, 'reports'));
  writeFileSync(path.join(ws, 'reports/hostile.sarif'), JSON.stringify(hostileSarif()));
  writeFileSync(path.join(ws, 'reports/hostile-trivy.json'), JSON.stringify(hostileTrivyReport()));
  run = await runAction({
    workspace: ws,
    eventName: 'workflow_dispatch',
    inputs: { scanners: 'pinning', reports: 'reports/*', 'report-file': 'report.html' },
  });
}, 120_000);

afterAll(() => rmSync(ws, { recursive: true, force: true }));

/** Markdown outside code spans (which GitHub renders literally). */
function outsideCodeSpans(markdown: string): string {
  return markdown.replace(/`[^`\n]*`/g, '``');
}

describe('hostile text in file names, rule ids, messages and packages', () => {
  it('finds the hostile findings and keeps the verdict the gate decided', () => {
    expect(run.outputs.verdict).toBe('fail');
    expect(run.exitCode).toBe(1);
    // SARIF result 9.8 → CRITICAL; Trivy report: 1 CRITICAL; pinning: the unpinned FROM.
    expect(Number(run.outputs.critical)).toBe(2);
    expect(Number(run.outputs.total)).toBeGreaterThanOrEqual(4);
  });

  it('prints no workflow command but its own, on stdout or stderr', () => {
    for (const stream of [run.stdout, run.stderr]) {
      const lines = stream.split(/\r?\n|\r/).map((line) => line.trim());
      const commandLines = lines.filter((line) => line.startsWith('::') || line.startsWith('##['));
      for (const line of commandLines) expect(line).toMatch(OWN_COMMANDS);
      expect(stream).not.toContain('::set-output');
      expect(stream).not.toContain('::add-mask');
      expect(stream).not.toContain('::stop-commands');
    }
    // The gate's own error line is there, once.
    expect(run.stdout.split('\n').filter((l) => l.startsWith('::error::'))).toHaveLength(1);
  });

  it('renders the summary inert: no HTML, mentions, links or broken tables', () => {
    const summary = run.summary;
    expect(summary).toContain('CRITICAL');
    const prose = outsideCodeSpans(summary);
    expect(prose).not.toMatch(/<img/i);
    expect(prose).not.toMatch(/@octocat/);
    expect(prose).not.toContain('](https://evil');
    expect(prose).not.toContain('https://evil');
    expect(summary.split('\n')).not.toContain('# Heading');
    // Every row of the findings table keeps its six cells.
    const header = summary.split('\n').find((line) => line.startsWith('| Severity | ID |')) ?? '';
    const cells = (line: string) => line.match(/(?<!\\)\|/g)?.length ?? 0;
    expect(cells(header)).toBe(7);
    const start = summary.indexOf(header);
    const following = summary.slice(start).split('\n').slice(2);
    const rows = following.slice(0, following.indexOf(''));
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const row of rows) expect(cells(row)).toBe(7);
  });

  it('writes an HTML report with the hostile text entity-encoded', () => {
    const html = readFileSync(path.join(ws, 'report.html'), 'utf8');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('writes SARIF that passes both validators', async () => {
    const file = path.join(ws, 'security-gate.sarif');
    const log = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    expect(validateSarifSchema(log)).toEqual([]);
    const report = await validateSarifWithMultitool(file);
    expect(report.errors).toEqual([]);
  }, 120_000);
});

/** What must hold for every piece of Markdown GitHub renders from scanner text. */
function expectInertMarkdown(markdown: string): void {
  const prose = outsideCodeSpans(markdown);
  expect(prose).not.toMatch(/<img/i);
  expect(prose).not.toMatch(/<(?!!-- security-gate:)[a-z!/]/i);
  expect(prose).not.toMatch(/@octocat/);
  expect(prose).not.toMatch(/\bGH-12\b/);
  expect(prose).not.toMatch(/(^|[^\w\\])#34\b/);
  expect(prose).not.toMatch(/(?<![0-9A-Za-z_])1a2b3c4d(?![0-9A-Za-z_])/);
  expect(prose).not.toContain('https://evil');
  expect(prose).not.toMatch(/\]\(\s*javascript/i);
  // Every link left is one we built: an https target, never scanner text.
  for (const [, target] of prose.matchAll(/\]\(([^)\s]*)/g)) {
    expect(target).toMatch(/^https:\/\//);
    expect(target).not.toContain('evil');
  }
  expect(markdown.split('\n')).not.toContain('# Heading');
}

describe('hostile text through the GitHub reporters (token, pull_request)', () => {
  let api: GitHubApiServer;
  let withChecks: ActionRun;
  let fallback: ActionRun;
  const event = JSON.parse(
    readFileSync(
      path.join(ROOT, '__tests__/fixtures/events/runner/pull_request.synchronize.json'),
      'utf8',
    ),
  ) as unknown;
  const runWithToken = () =>
    runAction({
      workspace: ws,
      eventName: 'pull_request',
      event,
      inputs: {
        'github-token': 'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
        scanners: 'pinning',
        reports: 'reports/*',
        'upload-sarif': 'false',
      },
      env: {
        ...runnerEnvForEvent('pull_request', event),
        GITHUB_API_URL: api.url,
        SECURITY_GATE_LOOPBACK_TEST_TIMING: 'true',
      },
    });

  beforeAll(async () => {
    api = await startGitHubApiServer();
    withChecks = await runWithToken();
    // Without `checks: write` the annotations go through workflow commands.
    api.faults.add({ route: 'POST /repos/{owner}/{repo}/check-runs', type: 'read-only' });
    fallback = await runWithToken();
  }, 120_000);

  afterAll(async () => {
    expect(api.invalidRequests).toEqual([]);
    await api.close();
  });

  it('keeps the verdict and updates one comment', () => {
    for (const r of [withChecks, fallback]) {
      expect(r.outputs.verdict).toBe('fail');
      expect(r.exitCode).toBe(1);
    }
    expect(api.state.comments).toHaveLength(1);
  });

  it('renders the PR comment inert', () => {
    const body = api.state.comments[0]?.body ?? '';
    expect(body.startsWith('<!-- security-gate:security-gate -->')).toBe(true);
    expect(body).toContain('CRITICAL');
    expectInertMarkdown(body);
  });

  it('renders the check run summary inert and its annotations as plain text on the real file', () => {
    const run = api.state.checkRuns[0];
    expectInertMarkdown(run?.summary ?? '');
    const hostile = run?.annotations.filter((a) => a.path.startsWith(HOSTILE_DIR)) ?? [];
    // The imported SARIF result and the pinning finding, at the file they name.
    expect(hostile.map((a) => a.path)).toContain(`${HOSTILE_DIR}/Dockerfile`);
    for (const a of run?.annotations ?? []) {
      // GitHub shows annotations as plain text: only control characters could harm.
      // eslint-disable-next-line no-control-regex -- looking for control characters
      expect(`${a.title ?? ''}${a.message}`).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
      expect(a.title?.includes('\n') ?? false).toBe(false);
    }
  });

  it('writes the fallback annotations as escaped workflow commands only', () => {
    expect(fallback.stdout).toContain(
      'Check run not created, annotations written to the log instead',
    );
    const lines = fallback.stdout.split(/\r?\n|\r/);
    const commands = lines.filter((l) => l.trim().startsWith('::') || l.trim().startsWith('##['));
    for (const line of commands) expect(line).toMatch(OWN_ANNOTATIONS);
    for (const stream of [fallback.stdout, fallback.stderr]) {
      expect(stream).not.toContain('::set-output');
      expect(stream).not.toContain('::add-mask');
      expect(stream).not.toContain('::stop-commands');
    }
    const located = commands.filter((l) => /^::(error|warning|notice) [^:]*\bfile=/.test(l));
    expect(located.length).toBeGreaterThan(0);
    // The hostile path is one escaped property: its `:` and `,` cannot end the properties early.
    const escapedPath = `${HOSTILE_DIR}/Dockerfile`
      .replace(/%/g, '%25')
      .replace(/:/g, '%3A')
      .replace(/,/g, '%2C');
    // The file property is the real path, escaped the way the runner unescapes it.
    const hostile = located.filter((l) => l.includes(`file=${escapedPath},line=1`));
    for (const line of located) {
      const properties = line.slice(line.indexOf(' ') + 1, line.indexOf('::', 2));
      expect(properties).not.toMatch(/[\r\n]/);
      expect(properties.split(',').every((p) => /^(file|line|endLine|title)=/.test(p))).toBe(true);
    }
    expect(hostile.length).toBeGreaterThan(0);
  });
});
