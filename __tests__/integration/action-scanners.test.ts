/**
 * The bundled action running scanners the way the runner runs it: the real
 * Trivy 0.44.1 binary on a copy of `examples/app`, stand-in Trivy binaries
 * that fail in each way a scanner can fail (fail-closed), and a stand-in
 * Grype printing a real Grype report merged with an overlapping Trivy report
 * of the same image under waivers.
 *
 * Expected values come from the fixtures themselves (and from Trivy's own
 * JSON for the same folder), not from the code under test.
 */
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ROOT,
  TRIVY_BIN,
  runAction,
  runTrivyDirectly,
  type ActionRun,
} from '../helpers/run-action.js';
import {
  validateSarifFilesWithMultitool,
  validateSarifSchema,
} from '../helpers/sarif-validators.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const SHARED = path.join(ROOT, '__tests__/fixtures/shared');
const MERGE = path.join(ROOT, '__tests__/fixtures/merge');
const EVENT = 'workflow_dispatch';
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;
type Severity = (typeof SEVERITIES)[number];
type Counts = Record<Severity, number>;

const tempDir = useTempDirs();
const sarifFiles: string[] = [];

function zero(): Counts {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
}

function countOutputs(run: ActionRun): Counts {
  const counts = zero();
  for (const s of SEVERITIES) counts[s] = Number(run.outputs[s.toLowerCase()]);
  return counts;
}

function commands(stdout: string, name: string): string[] {
  return stdout
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith(`::${name}::`) || line.startsWith(`::${name} `));
}

interface SarifLog {
  runs: Array<{
    tool: { driver: { name: string } };
    automationDetails?: { id?: string };
    results?: Array<{
      ruleId?: string;
      suppressions?: Array<{ kind: string; justification?: string }>;
      properties?: Record<string, unknown>;
      locations?: Array<{
        physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } };
      }>;
    }>;
  }>;
}

function readSarif(file: string): SarifLog {
  return JSON.parse(readFileSync(file, 'utf8')) as SarifLog;
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((rel) => path.join(dir, rel))
    .filter((file) => statSync(file).isFile());
}

describe('real Trivy 0.44.1 on a copy of examples/app', () => {
  /** Severity counts of Trivy's own JSON: secrets and failed misconfigurations. */
  function countTrivyJson(file: string): Counts {
    const report = JSON.parse(readFileSync(file, 'utf8')) as {
      Results?: Array<{
        Secrets?: Array<{ Severity: string }>;
        Misconfigurations?: Array<{ Severity: string; Status: string }>;
      }>;
    };
    const counts = zero();
    for (const result of report.Results ?? []) {
      for (const secret of result.Secrets ?? []) counts[secret.Severity as Severity] += 1;
      for (const m of result.Misconfigurations ?? [])
        if (m.Status === 'FAIL') counts[m.Severity as Severity] += 1;
    }
    return counts;
  }

  it('counts what Trivy itself reports, and the leaked token appears nowhere', async () => {
    // The workspace is the app itself: Trivy skips secrets under paths named like example/test.
    const ws = tempDir('sg-app-');
    cpSync(path.join(ROOT, 'examples/app'), ws, { recursive: true });
    const direct = tempDir('sg-app-direct-');
    cpSync(path.join(ROOT, 'examples/app'), direct, { recursive: true });
    const token = /ghp_[A-Za-z0-9]{36}/.exec(
      readFileSync(path.join(ws, 'src/config.js'), 'utf8'),
    )?.[0];
    expect(token).toBeDefined();
    const directReport = path.join(tempDir('sg-trivy-out-'), 'trivy.json');
    const [run] = await Promise.all([
      runAction({
        workspace: ws,
        eventName: EVENT,
        inputs: { 'trivy-path': TRIVY_BIN, 'trivy-scanners': 'secret,misconfig' },
        timeoutMs: 240_000,
      }),
      runTrivyDirectly({ target: '.', cwd: direct, output: directReport, timeoutMs: 240_000 }),
    ]);
    const expected = countTrivyJson(directReport);
    // Guard: the example is meant to hold a CRITICAL secret and misconfigurations.
    expect(expected.CRITICAL).toBeGreaterThanOrEqual(1);
    expect(expected.HIGH + expected.MEDIUM + expected.LOW).toBeGreaterThanOrEqual(3);
    expect(countOutputs(run)).toEqual(expected);
    expect(run.outputs.total).toBe(String(SEVERITIES.reduce((n, s) => n + expected[s], 0)));
    expect(run.outputs.verdict).toBe('fail');
    expect(run.exitCode).toBe(1);

    const sarifPath = path.join(ws, 'security-gate.sarif');
    const sarif = readSarif(sarifPath);
    expect(validateSarifSchema(sarif)).toEqual([]);
    expect(sarif.runs.map((r) => r.automationDetails?.id)).toEqual(['security-gate/trivy/']);
    const secret = sarif.runs[0]?.results?.find((r) => r.ruleId === 'github-pat');
    expect(secret?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe('src/config.js');
    const secretLine =
      readFileSync(path.join(ws, 'src/config.js'), 'utf8')
        .split('\n')
        .findIndex((line) => line.includes(token ?? '')) + 1;
    expect(secret?.locations?.[0]?.physicalLocation?.region?.startLine).toBe(secretLine);
    sarifFiles.push(sarifPath);

    // The secret value: not in the logs, the outputs, or any file the step wrote.
    const t = token ?? '';
    expect(run.stdout).not.toContain(t);
    expect(run.stderr).not.toContain(t);
    expect(run.summary).not.toContain(t);
    expect(JSON.stringify(run.outputs)).not.toContain(t);
    const written = [
      ...filesUnder(ws).filter((f) => f !== path.join(ws, 'src/config.js')),
      ...filesUnder(run.runnerDir),
    ];
    expect(written).toContain(sarifPath);
    expect(written).toContain(path.join(ws, 'security-gate.md'));
    for (const file of written) expect(readFileSync(file, 'utf8'), file).not.toContain(t);
  }, 300_000);
});

/** Writes an executable node script standing in for a scanner binary. */
function standIn(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/usr/bin/env node\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/**
 * A fake Trivy that answers the version and help probes like Trivy 0.50
 * and does `scan` (a JS snippet with `args` and `output`) when asked to scan.
 */
function fakeTrivy(dir: string, scan: string): string {
  return standIn(
    dir,
    'trivy',
    `const args = process.argv.slice(2);
if (args[0] === '--version') { console.log('Version: 0.50.0'); process.exit(0); }
if (args.includes('--help')) {
  console.log('Usage:\\n  trivy fs [flags] PATH\\n\\nFlags:\\n      --format string   format\\n      --output string   output file\\n      --exit-code int   exit code\\n      --timeout duration   timeout\\n      --scanners strings   comma-separated list of what security issues to detect (vuln,misconfig,secret,license)\\n      --quiet   quiet');
  process.exit(0);
}
const output = args[args.indexOf('--output') + 1];
${scan}`,
  );
}

describe('fail-closed: a broken Trivy is an error, imported findings still count', () => {
  const imported = 'trivy/image-fluentd-os-and-gems.json';
  // Computed from the fixture: unique vulnerabilities by id, package and version.
  const importedCounts = (() => {
    const report = JSON.parse(readFileSync(path.join(SHARED, imported), 'utf8')) as {
      Results?: Array<{
        Vulnerabilities?: Array<{
          VulnerabilityID: string;
          PkgName: string;
          InstalledVersion: string;
          Severity: string;
        }>;
      }>;
    };
    const unique = new Map<string, string>();
    for (const r of report.Results ?? [])
      for (const v of r.Vulnerabilities ?? [])
        unique.set(`${v.VulnerabilityID}|${v.PkgName}|${v.InstalledVersion}`, v.Severity);
    const counts = zero();
    for (const s of unique.values()) counts[s as Severity] += 1;
    return { counts, ids: [...new Set([...unique.keys()].map((k) => k.split('|')[0]))] };
  })();

  const cases: Array<{ name: string; trivy: (dir: string) => string; cause: RegExp }> = [
    {
      name: 'a trivy-path that does not exist',
      trivy: (dir) => path.join(dir, 'no-such-trivy'),
      cause: /'trivy-path'.*no-such-trivy/,
    },
    {
      name: 'a non-zero exit',
      trivy: (dir) =>
        fakeTrivy(dir, "console.error('FATAL scan error: disk quota exceeded'); process.exit(3);"),
      cause: /exited with code 3.*disk quota exceeded/,
    },
    {
      name: 'invalid JSON',
      trivy: (dir) =>
        fakeTrivy(dir, "require('node:fs').writeFileSync(output, '{\"Results\": [');"),
      cause: /not valid JSON/,
    },
    {
      name: 'a scan that hangs past the timeout',
      trivy: (dir) => fakeTrivy(dir, 'setInterval(() => undefined, 1000);'),
      cause: /timed out after 2s/,
    },
  ];

  it.each(cases)('$name', async ({ trivy, cause }) => {
    const ws = tempDir('sg-ws-');
    copyFileSync(path.join(SHARED, imported), path.join(ws, 'imported.json'));
    const run = await runAction({
      workspace: ws,
      eventName: EVENT,
      inputs: {
        'trivy-path': trivy(tempDir('sg-bin-')),
        'trivy-scanners': 'secret',
        timeout: '2s',
        reports: 'imported.json',
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.verdict).toBe('error');
    expect(countOutputs(run)).toEqual(importedCounts.counts);
    const errors = commands(run.stdout, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/trivy/);
    expect(errors[0]).toMatch(cause);
    const sarifPath = path.join(ws, 'security-gate.sarif');
    const sarif = readSarif(sarifPath);
    // The failed scanner has no run (an empty one would close its alerts); the import has its own.
    expect(sarif.runs.map((r) => r.automationDetails?.id)).not.toContain('security-gate/trivy/');
    expect(sarif.runs).toHaveLength(1);
    expect(new Set(sarif.runs[0]?.results?.map((r) => r.ruleId))).toEqual(
      new Set(importedCounts.ids),
    );
    sarifFiles.push(sarifPath);
  });

  it('only warns (exit 0) with fail-on-scanner-error: false', async () => {
    const ws = tempDir('sg-ws-');
    copyFileSync(path.join(SHARED, imported), path.join(ws, 'imported.json'));
    const bin = fakeTrivy(tempDir('sg-bin-'), 'process.exit(3);');
    const run = await runAction({
      workspace: ws,
      eventName: EVENT,
      inputs: {
        'trivy-path': bin,
        'trivy-scanners': 'secret',
        reports: 'imported.json',
        'fail-on-scanner-error': 'false',
        // The imported CRITICAL alone would fail the gate.
        'critical-threshold': '0',
      },
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.verdict).toBe('warn');
    expect(countOutputs(run)).toEqual(importedCounts.counts);
    expect(commands(run.stdout, 'error')).toEqual([]);
    const warnings = commands(run.stdout, 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/trivy.*exited with code 3/);
  });

  it('a named dockerfile that does not exist fails the step before any scanner runs', async () => {
    const ws = tempDir('sg-ws-');
    writeFileSync(path.join(ws, 'Dockerfile'), 'FROM alpine:3.19\n');
    const marker = path.join(tempDir('sg-marker-'), 'trivy-ran');
    const bin = standIn(
      tempDir('sg-bin-'),
      'trivy',
      `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');`,
    );
    const run = await runAction({
      workspace: ws,
      eventName: EVENT,
      inputs: {
        'trivy-path': bin,
        'scan-type': 'image',
        'scan-ref': 'alpine:3.19',
        dockerfile: 'docker/app.Dockerfile',
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.verdict).toBe('error');
    const errors = commands(run.stdout, 'error');
    expect(errors).toEqual([
      `::error::Input 'dockerfile' names "docker/app.Dockerfile", which is not a file in the workspace: give the workspace-relative path of the Dockerfile that builds the image (e.g. "docker/app.Dockerfile"), or leave the input out to use "Dockerfile" when the workspace has one.`,
    ]);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(path.join(ws, 'security-gate.sarif'))).toBe(false);
  });

  it('a CycloneDX file in reports is an error naming it; the other reports still count', async () => {
    const ws = tempDir('sg-ws-');
    copyFileSync(path.join(SHARED, imported), path.join(ws, 'a-trivy.json'));
    copyFileSync(
      path.join(SHARED, 'trivy/image-fluentd-short.cdx.json'),
      path.join(ws, 'b-sbom.cdx.json'),
    );
    const run = await runAction({
      workspace: ws,
      eventName: EVENT,
      inputs: { scanners: '', reports: '*.json', 'critical-threshold': '0', 'high-threshold': '0' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.verdict).toBe('error');
    expect(countOutputs(run)).toEqual(importedCounts.counts);
    const errors = commands(run.stdout, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('b-sbom.cdx.json');
    expect(errors[0]).toMatch(/CycloneDX/i);
    expect(existsSync(path.join(ws, 'security-gate.sarif'))).toBe(true);
  });
});

describe('Grype + an overlapping Trivy report of the same image, under waivers', () => {
  const image = 'cgr.dev/chainguard/ruby:latest-3.0';
  const grypeFixture = path.join(SHARED, 'grype/real-0.61.1-chainguard-ruby.json');
  const trivyFixture = path.join(MERGE, 'trivy-from-grype-chainguard-ruby.json');

  /** A fake grype: `version -o json`, and a scan that writes the real report to `--file`. */
  function fakeGrype(dir: string): string {
    return standIn(
      dir,
      'grype',
      `const args = process.argv.slice(2);
const fs = require('node:fs');
if (args[0] === 'version') { console.log(JSON.stringify({ version: '0.61.1' })); process.exit(0); }
fs.writeFileSync(args[args.indexOf('--file') + 1], fs.readFileSync(${JSON.stringify(grypeFixture)}));`,
    );
  }

  function isoDay(offsetDays: number): string {
    return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
  }

  it('merges the overlap, reports waived findings as suppressions and lists the expired waiver', async () => {
    // Independently from the fixtures: the packages both files report, and their severities.
    const grype = JSON.parse(readFileSync(grypeFixture, 'utf8')) as {
      matches: Array<{ vulnerability: { severity: string }; artifact: { name: string } }>;
    };
    const trivy = JSON.parse(readFileSync(trivyFixture, 'utf8')) as {
      ArtifactName: string;
      Results: Array<{ Vulnerabilities: Array<{ PkgName: string; Severity: string }> }>;
    };
    expect(trivy.ArtifactName).toBe(image);
    const packages = [...new Set(grype.matches.map((m) => m.artifact.name))].sort();
    const trivyPackages = trivy.Results.flatMap((r) => r.Vulnerabilities.map((v) => v.PkgName));
    expect([...new Set(trivyPackages)].sort()).toEqual(packages);
    expect(new Set(grype.matches.map((m) => m.vulnerability.severity))).toEqual(new Set(['High']));
    expect(packages).toEqual(['ruby-3.0', 'uri']);

    const ws = tempDir('sg-ws-');
    copyFileSync(trivyFixture, path.join(ws, 'trivy-ruby.json'));
    mkdirSync(path.join(ws, '.github'));
    writeFileSync(
      path.join(ws, '.github/security-waivers.yml'),
      [
        'waivers:',
        '  - id: CVE-2023-28755',
        '    package: uri',
        '    reason: The URI parser is only fed our own constant URLs',
        `    expires: ${isoDay(90)}`,
        '    approved-by: security-team',
        '  - id: CVE-2023-28755',
        '    package: ruby-3.0',
        '    reason: Waiting for the base image rebuild',
        `    expires: ${isoDay(-3)}`,
        '',
      ].join('\n'),
    );
    const run = await runAction({
      workspace: ws,
      eventName: EVENT,
      inputs: {
        scanners: 'grype',
        'scan-type': 'image',
        'scan-ref': image,
        'grype-path': fakeGrype(tempDir('sg-bin-')),
        reports: 'trivy-ruby.json',
        'high-threshold': '1',
      },
    });
    // Two packages, each found by both tools: two findings; uri's is waived, ruby-3.0's waiver expired.
    expect(run.outputs.high).toBe('1');
    expect(run.outputs.total).toBe('1');
    expect(run.outputs.waived).toBe('1');
    expect(run.outputs.verdict).toBe('fail');
    expect(run.exitCode).toBe(1);
    expect(commands(run.stdout, 'error')[0]).toContain('1 HIGH ≥ threshold 1');

    const sarifPath = path.join(ws, 'security-gate.sarif');
    const sarif = readSarif(sarifPath);
    expect(validateSarifSchema(sarif)).toEqual([]);
    sarifFiles.push(sarifPath);
    const results = sarif.runs.flatMap((r) => r.results ?? []);
    // Each merged finding is one result, in one run.
    expect(results).toHaveLength(2);
    const suppressed = results.filter((r) => (r.suppressions ?? []).length > 0);
    expect(suppressed).toHaveLength(1);
    expect(suppressed[0]?.suppressions?.[0]?.kind).toBe('external');
    expect(suppressed[0]?.suppressions?.[0]?.justification).toContain('constant URLs');

    // The summary: both scanners on each finding, the expired waiver listed.
    const rows = run.summary.split('\n').filter((line) => line.includes('CVE-2023-28755'));
    const findingRows = rows.filter((line) => /ruby-3\.0|uri/.test(line) && line.startsWith('|'));
    expect(findingRows.length).toBeGreaterThanOrEqual(2);
    for (const row of findingRows.slice(0, 2)) {
      expect(row).toContain('Grype');
      expect(row).toContain('Trivy');
    }
    const expiredSection = run.summary.slice(run.summary.indexOf('Expired waivers'));
    expect(run.summary).toContain('Expired waivers');
    expect(expiredSection).toContain('ruby-3.0');
    expect(expiredSection).toContain(isoDay(-3));
  });
});

describe('the SARIF written by these runs', () => {
  it('passes the Multitool (Sarif;Gh) with zero errors', async () => {
    expect(sarifFiles.length).toBeGreaterThanOrEqual(4);
    const reports = await validateSarifFilesWithMultitool(sarifFiles);
    for (const file of sarifFiles) expect(reports.get(file)?.errors, file).toEqual([]);
  }, 120_000);
});
