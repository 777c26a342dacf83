/**
 * Issue 5 end to end through the bundled action: the SBOM written by the
 * real Trivy 0.44.1 for `fixtures/sbom-project` (once next to a Trivy secret
 * scan, once next to the pinning checker alone), and an SBOM run that fails.
 * Each start of this Trivy build costs seconds of CPU: the runs are few.
 */
import { chmodSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, TRIVY_BIN, runAction } from '../helpers/run-action.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const SBOM_PROJECT = path.join(ROOT, '__tests__/fixtures/sbom-project');
const HELP = path.join(ROOT, '__tests__/fixtures/trivy-e2e/help');
const SECRET_REPORT = path.join(ROOT, '__tests__/fixtures/shared/trivy/repo-secrets.json');
const EVENT = 'workflow_dispatch';

const tempDir = useTempDirs();

function commands(stdout: string, name: string): string[] {
  return stdout
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith(`::${name}::`) || line.startsWith(`::${name} `));
}

/** The packages the SBOM must list: the lockfile's non-dev packages and the requirements' names. */
function lockfilePackages(): string[] {
  const lock = JSON.parse(readFileSync(path.join(SBOM_PROJECT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const npm = Object.entries(lock.packages)
    .filter(([key, entry]) => key !== '' && entry.dev !== true)
    .map(([key]) => key.replace(/^.*node_modules\//, ''));
  const pip = readFileSync(path.join(SBOM_PROJECT, 'requirements.txt'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Za-z0-9_.-]+)==/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
  return [...npm, ...pip].sort();
}

/** Names of the packages an SPDX or CycloneDX document lists. */
function sbomPackageNames(doc: {
  packages?: Array<{ name: string }>;
  components?: Array<{ name: string }>;
}): string[] {
  return [...(doc.packages ?? []), ...(doc.components ?? [])].map((p) => p.name);
}

describe.runIf(existsSync(TRIVY_BIN) || process.env.CI === 'true')(
  'the SBOM through the action, with the real Trivy 0.44.1',
  () => {
    const formats: Array<{
      format: string;
      file: string;
      header: [string, string];
      scanners: Record<string, string>;
      versionRow: RegExp;
      verdict: string;
    }> = [
      {
        format: 'spdx-json',
        file: 'out/sbom.spdx.json',
        header: ['spdxVersion', 'SPDX-2.3'],
        // Next to a Trivy secret scan: its version row is in the summary (this build says `dev`).
        scanners: { 'trivy-scanners': 'secret' },
        versionRow: /\| Trivy \| dev \|/,
        verdict: 'pass',
      },
      {
        format: 'cyclonedx',
        file: 'sbom.cdx.json',
        header: ['bomFormat', 'CycloneDX'],
        // Trivy only for the SBOM, next to the pinning checker.
        scanners: { scanners: 'pinning' },
        versionRow: /\| Security Gate pinning \|/,
        // The three requirements have no --hash: HIGH pinning findings, under the threshold.
        verdict: 'warn',
      },
    ];
    it.each(formats)(
      'sbom-format $format writes $file listing the lockfile packages',
      async ({ format, file, header, scanners, versionRow, verdict }) => {
        const expected = lockfilePackages();
        expect(expected).toEqual(['certifi', 'left-pad', 'ms', 'requests', 'urllib3']);
        const ws = tempDir('sg-sbom-');
        cpSync(SBOM_PROJECT, ws, { recursive: true });
        const run = await runAction({
          workspace: ws,
          eventName: EVENT,
          inputs: {
            'trivy-path': TRIVY_BIN,
            'sbom-format': format,
            'sbom-file': file,
            ...scanners,
          },
          env: { HOME: tempDir('sg-home-') },
          timeoutMs: 120_000,
        });
        expect(commands(run.stdout, 'error')).toEqual([]);
        expect(run.outputs.verdict).toBe(verdict);
        expect(run.exitCode).toBe(0);
        expect(run.outputs['sbom-file']).toBe(file);
        const doc = JSON.parse(readFileSync(path.join(ws, file), 'utf8')) as Record<
          string,
          unknown
        >;
        expect(doc[header[0]]).toBe(header[1]);
        const names = sbomPackageNames(doc);
        for (const name of expected) expect(names).toContain(name);
        expect(names).not.toContain('is-number');
        // The Trivy that wrote it is named even when it is not one of the run's scanners.
        expect(run.summary).toContain(
          `SBOM (${format}): \`${file}\`, ${expected.length} packages, by Trivy dev.`,
        );
        expect(run.summary).toMatch(versionRow);
      },
      120_000,
    );

    /**
     * A Trivy that scans like 0.44.1 but fails when asked for an SPDX
     * document; it logs the action inputs it can see in its environment.
     */
    function failingSbomTrivy(): { file: string; inputsSeen: string } {
      const dir = tempDir('sg-bin-');
      const inputsSeen = path.join(dir, 'inputs-seen.jsonl');
      const help = readFileSync(path.join(HELP, 'trivy-0.44.1-fs-help.txt'), 'utf8');
      const file = path.join(dir, 'trivy');
      writeFileSync(
        file,
        `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(inputsSeen)}, JSON.stringify(Object.keys(process.env).filter((k) => k.startsWith('INPUT_'))) + '\\n');
if (args[0] === '--version') { console.log('Version: 0.44.1'); process.exit(0); }
if (args[1] === '--help') { process.stdout.write(${JSON.stringify(help)}); process.exit(0); }
const format = args[args.indexOf('--format') + 1];
if (format === 'spdx-json') { console.error('2024-05-01T10:00:00.000Z\\tFATAL\\tsbom error: unable to marshal SPDX document'); process.exit(1); }
fs.copyFileSync(${JSON.stringify(SECRET_REPORT)}, args[args.indexOf('--output') + 1]);
`,
      );
      chmodSync(file, 0o755);
      return { file, inputsSeen };
    }

    it.each([
      ['true', 'error', 1, 'error'],
      ['false', 'warn', 0, 'warning'],
    ])(
      'a failing SBOM with fail-on-scanner-error: %s is %s (exit %d)',
      async (failOnError, verdict, exitCode, command) => {
        const ws = tempDir('sg-sbom-fail-');
        cpSync(SBOM_PROJECT, ws, { recursive: true });
        const trivy = failingSbomTrivy();
        const run = await runAction({
          workspace: ws,
          eventName: EVENT,
          inputs: {
            'trivy-path': trivy.file,
            'trivy-scanners': 'secret',
            'sbom-format': 'spdx-json',
            'fail-on-scanner-error': failOnError,
            // The report's secrets alone must not decide the verdict.
            'critical-threshold': '0',
            'high-threshold': '0',
          },
          env: { HOME: tempDir('sg-home-') },
        });
        expect(run.outputs.verdict).toBe(verdict);
        expect(run.exitCode).toBe(exitCode);
        expect(run.outputs['sbom-file']).toBeUndefined();
        expect(Number(run.outputs.total)).toBeGreaterThan(0);
        const lines = commands(run.stdout, command).filter((line) => /SBOM/.test(line));
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain('unable to marshal SPDX document');
        expect(existsSync(path.join(ws, 'sbom.json'))).toBe(false);
        expect(existsSync(path.join(ws, 'security-gate.sarif'))).toBe(true);
        // Neither the scan nor the SBOM run sees the action's inputs (the token among them).
        const seen = readFileSync(trivy.inputsSeen, 'utf8').trim().split('\n');
        expect(seen).toHaveLength(4);
        expect(new Set(seen)).toEqual(new Set(['[]']));
      },
    );
  },
);
