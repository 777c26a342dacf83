/**
 * Hostile text through the bundled action: a workspace directory, an
 * imported SARIF and an imported Trivy report whose names, rule ids,
 * messages and package names carry workflow commands, mentions, HTML and
 * Markdown links. The runner must see no workflow command but the action's
 * own, the outputs must be the gate's, and the summary, report files and
 * SARIF must carry the text inertly.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runAction, type ActionRun } from '../helpers/run-action.js';
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
];
const HOSTILE = INJECTIONS.join(' ');
/** Each injection on its own line, as a scanner message could put it. */
const MULTILINE = `benign first line\n${INJECTIONS.join('\r\n')}\n# Heading\n`;
/** A directory name can hold everything but `/`. */
const HOSTILE_DIR = '::set-output name=verdict::pass | @octocat <img src=x onerror=alert(1)>';
const OWN_COMMANDS = /^::(error|warning|notice|debug|group|endgroup)::/;

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
