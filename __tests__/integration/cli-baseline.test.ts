/** `--gate-scope new` from the command line: the baseline is a SARIF file given by --baseline. */
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-action.js';
import { makeTempDir } from '../helpers/temp-dirs.js';

const run = promisify(execFile);
const CLI = path.join(ROOT, 'dist/cli.js');
const FIXTURES = path.join(ROOT, '__tests__/fixtures/shared/trivy');

async function cli(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('security-gate --gate-scope new', () => {
  const workspace = makeTempDir('sg-cli-baseline-');
  cpSync(
    path.join(FIXTURES, 'v0.20.0-image-debian-stretch-large.json'),
    path.join(workspace, 'base.json'),
  );
  cpSync(path.join(FIXTURES, 'repo-pom-critical-high.json'), path.join(workspace, 'added.json'));
  const common = ['--scanners', '', '--workspace', workspace, '--report-file', 'report.md'];

  it('fails only on what the change adds', async () => {
    const base = await cli(
      [...common, '--reports', 'base.json', '--sarif-file', 'base.sarif'],
      workspace,
    );
    expect(base.code).toBe(1);
    const change = await cli(
      [
        ...common,
        '--reports',
        'base.json',
        '--reports',
        'added.json',
        '--sarif-file',
        'pr.sarif',
        '--gate-scope',
        'new',
        '--baseline',
        'base.sarif',
      ],
      workspace,
    );
    // The base has 12 CRITICAL; the change adds repo-pom's 1 CRITICAL and 1 HIGH.
    expect(change.code).toBe(1);
    expect(change.stderr).toContain('1 new CRITICAL ≥ threshold 1');
    expect(change.stderr).not.toContain('13');
    const baseOnly = await cli(
      [
        ...common,
        '--reports',
        'base.json',
        '--sarif-file',
        'again.sarif',
        '--gate-scope',
        'new',
        '--baseline',
        'base.sarif',
      ],
      workspace,
    );
    expect(baseOnly.code).toBe(0);
  });

  it("matches image findings against another tool's SARIF by the Dockerfile their results point at", async () => {
    // alpine 3.10: 4 MEDIUM; with a Dockerfile in the workspace, image findings point at it.
    const ws = makeTempDir('sg-cli-baseline-image-');
    cpSync(path.join(FIXTURES, 'image-alpine-310.json'), path.join(ws, 'alpine.json'));
    writeFileSync(path.join(ws, 'Dockerfile'), 'FROM alpine:3.10\n');
    const image = [
      '--scanners',
      '',
      '--workspace',
      ws,
      '--reports',
      'alpine.json',
      '--scan-type',
      'image',
      '--scan-ref',
      'testdata/fixtures/images/alpine-310.tar.gz',
      '--medium-threshold',
      '1',
    ];
    const base = await cli(
      [...image, '--sarif-file', 'base.sarif', '--report-file', 'base.md'],
      ws,
    );
    expect(base.code).toBe(1);
    // Another tool's SARIF of the same image: results on the Dockerfile, no fingerprints of ours.
    const log = JSON.parse(readFileSync(path.join(ws, 'base.sarif'), 'utf8')) as {
      runs: Array<{
        tool: { driver: { name: string } };
        automationDetails?: unknown;
        results: Array<{
          partialFingerprints?: unknown;
          locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }>;
        }>;
      }>;
    };
    for (const run of log.runs) {
      run.tool.driver.name = 'other-scanner';
      delete run.automationDetails;
      for (const result of run.results) {
        delete result.partialFingerprints;
        expect(result.locations[0]?.physicalLocation.artifactLocation.uri).toBe('Dockerfile');
      }
    }
    writeFileSync(path.join(ws, 'other.sarif'), JSON.stringify(log));
    const change = await cli(
      [
        ...image,
        '--sarif-file',
        'pr.sarif',
        '--report-file',
        'pr.md',
        '--gate-scope',
        'new',
        '--baseline',
        'other.sarif',
      ],
      ws,
    );
    // By target alone nothing would match: the four findings would count as new and fail.
    expect(change.stderr).not.toContain('Security Gate fail');
    expect(change.code).toBe(0);
    expect(change.stdout).toMatch(/^Total 4, waived 0, new 0$/m);
    const existing = change.stdout.split('\n').filter((l) => l.endsWith(' [Trivy] (existing)'));
    expect(existing).toHaveLength(4);
  });

  it('refuses --gate-scope new without --baseline', async () => {
    const result = await cli(
      [...common, '--reports', 'base.json', '--gate-scope', 'new'],
      workspace,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--gate-scope new needs --baseline PATH');
  });
});
