/**
 * The CLI bundle (`node dist/cli.js`, no shell) with a stand-in `trivy` on
 * PATH that answers the probes with Trivy 0.44.1's own help text and records
 * every call: `--sbom-format` writes the SBOM the way the action does, a
 * failed gate states each reason on its own stderr line, and a named
 * `--dockerfile` that does not exist is refused before anything runs.
 */
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-action.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const CLI = path.join(ROOT, 'dist/cli.js');
const HELP = path.join(ROOT, '__tests__/fixtures/trivy-e2e/help');
const SHARED = path.join(ROOT, '__tests__/fixtures/shared/trivy');
const SBOM_PROJECT = path.join(ROOT, '__tests__/fixtures/sbom-project');
const BOM = {
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  components: [
    { name: 'ms', purl: 'pkg:npm/ms@2.1.3' },
    { name: 'left-pad', purl: 'pkg:npm/left-pad@1.3.0' },
  ],
};

const tempDir = useTempDirs();

/** A directory with a stand-in `trivy` (Trivy 0.44.1's probes; `--format json` copies `report`). */
function standInTrivy(report: string): { bin: string; calls: string } {
  const bin = tempDir('sg-cli-bin-');
  const calls = path.join(bin, 'calls.jsonl');
  const help = Object.fromEntries(
    ['fs', 'image'].map((sub) => [
      sub,
      readFileSync(path.join(HELP, `trivy-0.44.1-${sub}-help.txt`), 'utf8'),
    ]),
  );
  writeFileSync(
    path.join(bin, 'trivy'),
    `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(calls)}, JSON.stringify({ args, cwd: process.cwd() }) + '\\n');
if (args[0] === '--version') { console.log('Version: 0.44.1'); process.exit(0); }
if (args[1] === '--help') { process.stdout.write(${JSON.stringify(help)}[args[0]] ?? ''); process.exit(0); }
const format = args[args.indexOf('--format') + 1];
const output = args[args.indexOf('--output') + 1];
if (format === 'json') fs.copyFileSync(${JSON.stringify(report)}, output);
else fs.writeFileSync(output, ${JSON.stringify(JSON.stringify(BOM))});
`,
  );
  chmodSync(path.join(bin, 'trivy'), 0o755);
  return { bin, calls };
}

function readCalls(file: string): Array<{ args: string[]; cwd: string }> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { args: string[]; cwd: string });
}

/** PATH with `bin` first and no other directory holding a `trivy`. */
function pathWith(bin: string): string {
  const rest = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir !== '' && !existsSync(path.join(dir, 'trivy')));
  return [bin, ...rest].join(path.delimiter);
}

function runCli(
  args: string[],
  options: { cwd: string; bin: string },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { PATH: pathWith(options.bin), HOME: tempDir('sg-cli-home-') },
      shell: false,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.runIf(existsSync(CLI))('security-gate (dist/cli.js) with a stand-in trivy on PATH', () => {
  it('--sbom-format writes the SBOM with the trivy found on PATH and reports its version', async () => {
    const ws = tempDir('sg-cli-ws-');
    cpSync(SBOM_PROJECT, ws, { recursive: true });
    const trivy = standInTrivy(path.join(SHARED, 'repo-secrets.json'));
    const result = await runCli(
      [
        '--scanners',
        'pinning',
        '--sbom-format',
        'cyclonedx',
        '--sbom-file',
        'out/sbom.cdx.json',
        '--skip-dirs',
        'node_modules',
        '--report-file',
        'report.md',
      ],
      { cwd: ws, bin: trivy.bin },
    );
    expect(result.stderr).not.toMatch(/^error: /m);
    expect(result.code).toBe(0);
    const sbom = JSON.parse(readFileSync(path.join(ws, 'out/sbom.cdx.json'), 'utf8')) as unknown;
    expect(sbom).toEqual(BOM);
    expect(result.stdout).toContain(`SBOM: ${path.join('out', 'sbom.cdx.json')}`);
    expect(readFileSync(path.join(ws, 'report.md'), 'utf8')).toContain(
      'SBOM (cyclonedx): `out/sbom.cdx.json`, 2 packages, by Trivy 0.44.1.',
    );
    const calls = readCalls(trivy.calls);
    expect(calls.map((c) => c.args.slice(0, 2))).toEqual([
      ['--version'],
      ['fs', '--help'],
      ['fs', '--format'],
    ]);
    const run = calls[2];
    expect(run?.cwd).toBe(ws);
    expect(run?.args.slice(-2)).toEqual(['--skip-dirs=node_modules', ws]);
    for (const flag of ['--config', '--secret-config', '--ignorefile'])
      expect(run?.args).toContain(flag);
  });

  it('a failed gate: one stderr line per reason under a header; exit 1', async () => {
    const ws = tempDir('sg-cli-ws-');
    mkdirSync(path.join(ws, 'src'));
    const trivy = standInTrivy(path.join(SHARED, 'repo-secrets.json'));
    const result = await runCli(
      ['--trivy-scanners', 'secret', '--high-threshold', '1', '--report-file', 'report.md'],
      { cwd: ws, bin: trivy.bin },
    );
    expect(result.code).toBe(1);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('error: '));
    // The fixture holds one CRITICAL and one HIGH secret.
    expect(lines).toEqual([
      'error: Security Gate fail:',
      'error: 1 CRITICAL ≥ threshold 1',
      'error: 1 HIGH ≥ threshold 1',
    ]);
    expect(readCalls(trivy.calls).map((c) => c.args[0])).toEqual(['--version', 'fs', 'fs']);
  });

  it('a warn verdict: the waiver warnings, then one warning, a header and a line per warning; exit 0', async () => {
    const ws = tempDir('sg-cli-ws-');
    cpSync(path.join(SHARED, 'repo-pom-critical-high.json'), path.join(ws, 'pom.json'));
    const day = (offset: number): string =>
      new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    // The fixture's CRITICAL is waived until next week; its HIGH's waiver has expired.
    mkdirSync(path.join(ws, '.github'));
    writeFileSync(
      path.join(ws, '.github/security-waivers.yml'),
      [
        'waivers:',
        '  - id: CVE-2020-9548',
        '    reason: Polymorphic typing is off',
        `    expires: ${day(7)}`,
        '  - id: CVE-2021-20190',
        '    reason: Polymorphic typing is off',
        `    expires: ${day(-1)}`,
        '',
      ].join('\n'),
    );
    const result = await runCli(
      ['--scanners', '', '--reports', 'pom.json', '--report-file', 'report.md'],
      { cwd: ws, bin: tempDir('sg-cli-bin-') },
    );
    expect(result.code).toBe(0);
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning: '));
    expect(warnings).toEqual([
      `warning: Waiver CVE-2021-20190 (.github/security-waivers.yml#1) expired on ${day(-1)}: it no longer applies, so the 1 finding it matched count again. Renew it with a new expiry date or fix the finding.`,
      `warning: Waiver CVE-2020-9548 (.github/security-waivers.yml#0) expires on ${day(7)}, within 14 days: renew it or fix the 1 finding it suppresses before then.`,
      'warning: Security Gate passed with warnings:',
      'warning: 1 HIGH (fails at 5)',
    ]);
    expect(result.stdout).toContain('SARIF: security-gate.sarif');
  });

  it('a --dockerfile that does not exist is refused before anything runs (exit 2)', async () => {
    const ws = tempDir('sg-cli-ws-');
    writeFileSync(path.join(ws, 'Dockerfile'), 'FROM alpine:3.19\n');
    const trivy = standInTrivy(path.join(SHARED, 'repo-secrets.json'));
    const result = await runCli(['--dockerfile', 'docker/app.Dockerfile'], {
      cwd: ws,
      bin: trivy.bin,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `error: Input 'dockerfile' names "docker/app.Dockerfile", which is not a file in the workspace`,
    );
    expect(readCalls(trivy.calls)).toEqual([]);
    expect(existsSync(path.join(ws, 'security-gate.sarif'))).toBe(false);
  });
});
