/**
 * The bundled action (dist/index.js) run the way the runner runs it, on
 * imported reports only (`scanners: ''`): verdicts, outputs, job summary,
 * exit codes and the written SARIF (both validators); bad inputs failing
 * before anything is scanned; and the CLI's exit codes.
 *
 * Expected counts are computed here from the raw fixture JSON, not taken
 * from the code under test.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runAction, type ActionRun } from '../helpers/run-action.js';
import {
  validateSarifFilesWithMultitool,
  validateSarifSchema,
} from '../helpers/sarif-validators.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const SHARED = path.join(ROOT, '__tests__/fixtures/shared');
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;
type Severity = (typeof SEVERITIES)[number];
type Counts = Record<Severity, number>;

const tempDir = useTempDirs();
/** SARIF files written by the runs below, validated by one Multitool call at the end. */
const sarifFiles: string[] = [];

/** A workspace holding copies of shared fixtures under `reports/`. */
function workspaceWith(fixtures: string[]): string {
  const ws = tempDir('sg-ws-');
  mkdirSync(path.join(ws, 'reports'));
  for (const fixture of fixtures)
    copyFileSync(path.join(SHARED, fixture), path.join(ws, 'reports', path.basename(fixture)));
  return ws;
}

interface TrivyVuln {
  VulnerabilityID: string;
  PkgName: string;
  InstalledVersion: string;
  Severity: string;
}

/** Severity counts of a Trivy JSON report: vulnerabilities unique by id, package and version. */
function countTrivyVulns(fixture: string): Counts {
  const report = JSON.parse(readFileSync(path.join(SHARED, fixture), 'utf8')) as {
    Results?: Array<{ Vulnerabilities?: TrivyVuln[] }>;
  };
  const unique = new Map<string, string>();
  for (const result of report.Results ?? [])
    for (const v of result.Vulnerabilities ?? [])
      unique.set(`${v.VulnerabilityID}|${v.PkgName}|${v.InstalledVersion}`, v.Severity);
  const counts: Counts = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  for (const severity of unique.values()) counts[severity as Severity] += 1;
  return counts;
}

function total(counts: Counts): number {
  return SEVERITIES.reduce((sum, s) => sum + counts[s], 0);
}

/** Lines the runner would read as workflow commands (`::name…::`), by command name. */
function commands(stdout: string, name: string): string[] {
  return stdout
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith(`::${name}::`) || line.startsWith(`::${name} `));
}

function expectCountOutputs(run: ActionRun, counts: Counts): void {
  expect({
    critical: run.outputs.critical,
    high: run.outputs.high,
    medium: run.outputs.medium,
    low: run.outputs.low,
    unknown: run.outputs.unknown,
    total: run.outputs.total,
  }).toEqual({
    critical: String(counts.CRITICAL),
    high: String(counts.HIGH),
    medium: String(counts.MEDIUM),
    low: String(counts.LOW),
    unknown: String(counts.UNKNOWN),
    total: String(total(counts)),
  });
}

interface SarifLog {
  runs: Array<{
    tool: { driver: { name: string } };
    automationDetails?: { id?: string };
    results?: unknown[];
  }>;
}

function readSarif(file: string): SarifLog {
  return JSON.parse(readFileSync(file, 'utf8')) as SarifLog;
}

// A workflow_dispatch run: a push would also save the baseline record through
// the cache service, which does not exist outside a real runner.
const EVENT = 'workflow_dispatch';

const PROXY_VARS = ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy'] as const;

/**
 * Runs the Multitool with every proxy pointed at a dead local port. Its rule
 * SARIF2006 (UrisShouldBeReachable) requests every URI in the log: that is
 * network beyond 127.0.0.1, and offline each lookup waits for a DNS timeout.
 */
async function withoutNetwork<T>(work: () => Promise<T>): Promise<T> {
  const saved = PROXY_VARS.map((name) => [name, process.env[name]] as const);
  for (const name of PROXY_VARS) process.env[name] = 'http://127.0.0.1:9';
  try {
    return await work();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('import-only runs of real Trivy reports', () => {
  const large = 'trivy/v0.20.0-image-debian-stretch-large.json';
  const expected = countTrivyVulns(large);

  it('fails the gate on a large Debian image report, with computed counts and reasons', async () => {
    // The fixture is known to hold all four gating severities; guard the arithmetic below.
    expect(expected.CRITICAL).toBeGreaterThan(0);
    expect(expected.HIGH).toBeGreaterThanOrEqual(5);
    const ws = workspaceWith([large]);
    const run = await runAction({
      workspace: ws,
      eventName: EVENT,
      inputs: { scanners: '', reports: `reports/${path.basename(large)}` },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.verdict).toBe('fail');
    expectCountOutputs(run, expected);
    expect(run.outputs.waived).toBe('0');
    const reasons = [
      `${expected.CRITICAL} CRITICAL ≥ threshold 1`,
      `${expected.HIGH} HIGH ≥ threshold 5`,
    ];
    for (const reason of reasons) expect(run.summary).toContain(reason);
    const errors = commands(run.stdout, 'error');
    // One `::error::` command: a header line, then a line per reason (newlines escaped as %0A).
    expect(errors).toHaveLength(1);
    expect(errors[0]?.replace(/%0A/g, '\n')).toBe(
      ['::error::Security Gate fail:', ...reasons].join('\n'),
    );
    // The written SARIF and report are where the outputs say.
    const sarifPath = path.join(ws, run.outputs['sarif-file'] ?? '');
    expect(existsSync(path.join(ws, run.outputs['report-file'] ?? ''))).toBe(true);
    const sarif = readSarif(sarifPath);
    expect(validateSarifSchema(sarif)).toEqual([]);
    expect(sarif.runs.map((r) => r.tool.driver.name)).toEqual(['Trivy']);
    expect(sarif.runs[0]?.results).toHaveLength(total(expected));
    sarifFiles.push(sarifPath);
  });

  it('passes a clean report with exit code 0 and no error or warning', async () => {
    const clean = ['trivy/image-alpine-39-no-results.json', 'trivy/repo-cargo-no-vulns.json'];
    const ws = workspaceWith(clean);
    const run = await runAction({
      workspace: ws,
      eventName: EVENT,
      inputs: { scanners: '', reports: 'reports/*.json' },
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    expectCountOutputs(run, { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 });
    expect(commands(run.stdout, 'error')).toEqual([]);
    expect(commands(run.stdout, 'warning')).toEqual([]);
    const sarifPath = path.join(ws, 'security-gate.sarif');
    const sarif = readSarif(sarifPath);
    expect(validateSarifSchema(sarif)).toEqual([]);
    // Each clean report still has its (empty) run, so code scanning closes its fixed alerts.
    const targets = clean.map(
      (f) =>
        (JSON.parse(readFileSync(path.join(SHARED, f), 'utf8')) as { ArtifactName: string })
          .ArtifactName,
    );
    expect(new Set(targets).size).toBe(2);
    expect(sarif.runs).toHaveLength(2);
    for (const run of sarif.runs) {
      expect(run.tool.driver.name).toBe('Trivy');
      expect(run.results).toEqual([]);
      expect(run.automationDetails?.id).toMatch(/^security-gate\/trivy\/.+\/$/);
    }
    expect(new Set(sarif.runs.map((r) => r.automationDetails?.id)).size).toBe(2);
    sarifFiles.push(sarifPath);
  });

  it('warns (exit 0) when the thresholds are raised above the counts', async () => {
    const ws = workspaceWith([large]);
    const run = await runAction({
      workspace: ws,
      eventName: EVENT,
      inputs: {
        scanners: '',
        reports: `reports/${path.basename(large)}`,
        'critical-threshold': String(expected.CRITICAL + 1),
        'high-threshold': String(expected.HIGH + 1),
      },
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.verdict).toBe('warn');
    expectCountOutputs(run, expected);
    expect(commands(run.stdout, 'error')).toEqual([]);
    const warnings = commands(run.stdout, 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      `${expected.CRITICAL} CRITICAL (fails at ${expected.CRITICAL + 1})`,
    );
    expect(warnings[0]).toContain(`${expected.HIGH} HIGH (fails at ${expected.HIGH + 1})`);
  });

  it('counts only the listed severities when `severities` narrows them', async () => {
    const ws = workspaceWith([large]);
    const run = await runAction({
      workspace: ws,
      eventName: EVENT,
      inputs: { scanners: '', reports: `reports/${path.basename(large)}`, severities: 'MEDIUM' },
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    expectCountOutputs(run, { CRITICAL: 0, HIGH: 0, MEDIUM: expected.MEDIUM, LOW: 0, UNKNOWN: 0 });
  });
});

/** A stand-in Trivy that records being started: a bad input must stop the step before it. */
function sentinelScanner(dir: string): { bin: string; marker: string } {
  const marker = path.join(dir, 'scanner-was-started');
  const bin = path.join(dir, 'fake-trivy');
  writeFileSync(
    bin,
    `#!/usr/bin/env node\nrequire('node:fs').writeFileSync(${JSON.stringify(marker)}, process.argv.join(' '));\nprocess.exit(3);\n`,
  );
  chmodSync(bin, 0o755);
  return { bin, marker };
}

describe('bad inputs fail the step before anything is scanned', () => {
  const cases: Array<{ name: string; inputs: Record<string, string>; mentions: string[] }> = [
    {
      name: 'a non-numeric threshold',
      inputs: { 'critical-threshold': 'one' },
      mentions: ["'critical-threshold'", '"one"'],
    },
    {
      name: 'an unknown scanner',
      inputs: { scanners: 'trivy, snyk' },
      mentions: ["'scanners'", '"trivy, snyk"', 'snyk'],
    },
    {
      name: 'a duration without a unit',
      inputs: { timeout: '10 minutes' },
      mentions: ["'timeout'", '"10 minutes"'],
    },
    {
      name: 'an unknown severity',
      inputs: { severities: 'CRITICAL,SEVERE' },
      mentions: ["'severities'", '"CRITICAL,SEVERE"'],
    },
    {
      name: 'a boolean spelled yes',
      inputs: { 'upload-sarif': 'yes' },
      mentions: ["'upload-sarif'", '"yes"'],
    },
    {
      name: 'an unknown comment mode',
      inputs: { comment: 'sometimes' },
      mentions: ["'comment'", '"sometimes"'],
    },
    {
      name: 'a category with spaces',
      inputs: { 'sarif-category': 'my category' },
      mentions: ["'sarif-category'", '"my category"'],
    },
    {
      name: 'a short SHA-256',
      inputs: { 'trivy-sha256': 'abc123' },
      mentions: ["'trivy-sha256'", '"abc123"'],
    },
    {
      name: 'a non-http download URL',
      inputs: { 'download-base-url': 'ftp://mirror.example' },
      mentions: ["'download-base-url'", '"ftp://mirror.example"'],
    },
    {
      name: 'a reports glob that matches nothing',
      inputs: { reports: 'reports/**/*.sarif' },
      mentions: ["'reports'", '"reports/**/*.sarif"'],
    },
    {
      name: 'a report path that does not exist',
      inputs: { reports: 'reports/missing.json' },
      mentions: ["'reports'", '"reports/missing.json"'],
    },
    {
      name: 'no scanner and no report',
      inputs: { scanners: '', reports: '' },
      mentions: ["'scanners'", "'reports'"],
    },
    {
      name: 'a named waivers file that does not exist',
      inputs: { 'waivers-file': 'security/waivers.yml' },
      mentions: ['security/waivers.yml'],
    },
  ];

  it.each(cases)('$name', async ({ inputs, mentions }) => {
    const ws = workspaceWith(['trivy/repo-cargo-no-vulns.json']);
    const { bin, marker } = sentinelScanner(tempDir('sg-bin-'));
    const run = await runAction({
      workspace: ws,
      eventName: EVENT,
      inputs: { 'trivy-path': bin, ...inputs },
    });
    expect(run.exitCode).toBe(1);
    const errors = commands(run.stdout, 'error');
    expect(errors).toHaveLength(1);
    for (const mention of mentions) expect(errors[0]).toContain(mention);
    expect(run.outputs.verdict).toBe('error');
    expect(existsSync(marker)).toBe(false);
    expect(readdirSync(ws).filter((f) => f.endsWith('.sarif'))).toEqual([]);
  });

  it('a malformed waiver names the file and the entry', async () => {
    const ws = workspaceWith(['trivy/repo-cargo-no-vulns.json']);
    mkdirSync(path.join(ws, '.github'));
    writeFileSync(
      path.join(ws, '.github/security-waivers.yml'),
      'waivers:\n  - id: CVE-2023-0001\n    expires: 2030-01-01\n',
    );
    const run = await runAction({
      workspace: ws,
      eventName: EVENT,
      inputs: { scanners: '', reports: 'reports/repo-cargo-no-vulns.json' },
    });
    expect(run.exitCode).toBe(1);
    const errors = commands(run.stdout, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('.github/security-waivers.yml');
    expect(errors[0]).toContain('reason');
    expect(existsSync(path.join(ws, 'security-gate.sarif'))).toBe(false);
  });
});

/** Runs `node dist/cli.js` with arguments and no shell. */
function runCli(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/cli.js'), ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      shell: false,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the CLI (dist/cli.js)', () => {
  it('--help lists the flags and exits 0', async () => {
    const result = await runCli(['--help'], tempDir('sg-cli-'));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: security-gate');
    expect(result.stdout).toContain('--critical-threshold');
    expect(result.stdout).toContain('--reports');
  });

  it('an unknown flag exits 2 and names it', async () => {
    const result = await runCli(['--no-such-flag', 'x'], tempDir('sg-cli-'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--no-such-flag');
  });

  it('a bad value exits 2 and names the input', async () => {
    const result = await runCli(['--high-threshold', 'many'], tempDir('sg-cli-'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("'high-threshold'");
    expect(result.stderr).toContain('"many"');
  });

  it('exits 1 on a failing gate and 0 on a passing one', async () => {
    const ws = workspaceWith([
      'trivy/v0.20.0-image-debian-stretch-large.json',
      'trivy/repo-cargo-no-vulns.json',
    ]);
    const failing = await runCli(
      [
        '--scanners=',
        '--reports',
        'reports/v0.20.0-image-debian-stretch-large.json',
        '--workspace',
        ws,
        '--summary-file',
        path.join(ws, 'summary.md'),
      ],
      ws,
    );
    expect(failing.code).toBe(1);
    const expected = countTrivyVulns('trivy/v0.20.0-image-debian-stretch-large.json');
    expect(failing.stderr).toContain(`${expected.CRITICAL} CRITICAL ≥ threshold 1`);
    expect(readFileSync(path.join(ws, 'summary.md'), 'utf8')).toContain(
      `${expected.CRITICAL} CRITICAL ≥ threshold 1`,
    );
    const passing = await runCli(
      ['--scanners=', '--reports', 'reports/repo-cargo-no-vulns.json', '--workspace', ws],
      ws,
    );
    expect(passing.code).toBe(0);
  });

  it('exits 2 when an imported report is refused', async () => {
    const ws = workspaceWith(['trivy/image-fluentd-short.cdx.json']);
    const result = await runCli(
      ['--scanners=', '--reports', 'reports/image-fluentd-short.cdx.json', '--workspace', ws],
      ws,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('image-fluentd-short.cdx.json');
  });
});

describe('the SARIF written by these runs', () => {
  it('passes the Multitool (Sarif;Gh) with zero errors', async () => {
    expect(sarifFiles.length).toBeGreaterThanOrEqual(2);
    const reports = await withoutNetwork(() => validateSarifFilesWithMultitool(sarifFiles));
    for (const file of sarifFiles) expect(reports.get(file)?.errors, file).toEqual([]);
  }, 120_000);
});
