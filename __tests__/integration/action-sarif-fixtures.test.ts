/**
 * Every real Trivy, Grype and gitleaks report and SARIF file in
 * `__tests__/fixtures/shared/` imported through the pipeline the action runs
 * (spec section 10): the written SARIF passes the SARIF 2.1.0 schema and the
 * Multitool's `Sarif;Gh` rules with zero errors (one Multitool run for all),
 * and no finding is lost on the way (rule ids and result counts computed
 * here from the raw fixture). CycloneDX and SPDX files are refused by name.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/schema.js';
import {
  prepareReports,
  runPipeline,
  type PipelineDeps,
  type PipelineResult,
} from '../../src/pipeline.js';
import type { Waiver } from '../../src/waivers/waiver.js';
import { createScannerTable } from '../../src/scanners/table.js';
import { createCommandRunner } from '../../src/util/command.js';
import { createMemoryLogger } from '../../src/util/logger.js';
import { ROOT } from '../helpers/run-action.js';
import {
  validateSarifFilesWithMultitool,
  validateSarifSchema,
} from '../helpers/sarif-validators.js';

const SHARED = path.join(ROOT, '__tests__/fixtures/shared');
const FIXTURES = ['trivy', 'grype', 'gitleaks'].flatMap((dir) =>
  readdirSync(path.join(SHARED, dir))
    .filter((name) => name.endsWith('.json') || name.endsWith('.sarif'))
    .map((name) => `${dir}/${name}`),
);
const REFUSED = FIXTURES.filter((f) => /\.(cdx|spdx)\.json$/.test(f));
const IMPORTED = FIXTURES.filter((f) => !REFUSED.includes(f));

const root = mkdtempSync(path.join(os.tmpdir(), 'sg-fixtures-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** What a fixture must turn into: its distinct findings and their rule ids. */
interface Expected {
  count: number;
  /** Each finding's acceptable rule ids (aliases: any one of them). */
  ids: string[][];
}

type Json = Record<string, unknown>;
const arr = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

function expectTrivy(report: Json): Expected {
  const keys = new Map<string, string>();
  for (const result of arr(report.Results)) {
    const target = str(result.Target);
    // ExperimentalModifiedFindings are the VEX-suppressed ones: not findings.
    for (const v of arr(result.Vulnerabilities))
      keys.set(
        `v|${str(v.VulnerabilityID)}|${str(v.PkgName)}|${str(v.InstalledVersion)}`,
        str(v.VulnerabilityID),
      );
    for (const m of arr(result.Misconfigurations))
      if (m.Status === undefined || m.Status === 'FAIL')
        keys.set(
          `m|${str(m.ID)}|${target}|${JSON.stringify((m.CauseMetadata as Json | undefined)?.StartLine)}`,
          str(m.ID),
        );
    for (const s of arr(result.Secrets))
      keys.set(`s|${str(s.RuleID)}|${target}|${String(s.StartLine)}`, str(s.RuleID));
    for (const l of arr(result.Licenses))
      keys.set(`l|${str(l.Name)}|${str(l.PkgName)}|${str(l.FilePath)}`, `license/${str(l.Name)}`);
  }
  return { count: keys.size, ids: [...keys.values()].map((id) => [id]) };
}

/** Grype: one finding per package and version and alias group (a GHSA and its CVE are one). */
function expectGrype(report: Json): Expected {
  const groups: Array<{ pkg: string; ids: Set<string> }> = [];
  for (const match of arr(report.matches)) {
    const vuln = match.vulnerability as Json;
    const artifact = match.artifact as Json;
    const pkg = `${str(artifact.name)}@${str(artifact.version)}`;
    const ids = new Set([str(vuln.id), ...arr(match.relatedVulnerabilities).map((r) => str(r.id))]);
    const joined = groups.filter((g) => g.pkg === pkg && [...ids].some((id) => g.ids.has(id)));
    const merged = { pkg, ids: new Set([...ids, ...joined.flatMap((g) => [...g.ids])]) };
    for (const g of joined) groups.splice(groups.indexOf(g), 1);
    groups.push(merged);
  }
  return { count: groups.length, ids: groups.map((g) => [...g.ids]) };
}

function expectSarif(log: Json): Expected {
  const ids: string[][] = [];
  for (const run of arr(log.runs)) {
    const driver = (run.tool as Json).driver as Json;
    const rules = arr(driver.rules);
    for (const result of arr(run.results)) {
      const index = typeof result.ruleIndex === 'number' ? result.ruleIndex : -1;
      ids.push([str(result.ruleId) || str(rules[index]?.id)]);
    }
  }
  return { count: ids.length, ids };
}

function expectedFor(fixture: string): Expected {
  const json = JSON.parse(readFileSync(path.join(SHARED, fixture), 'utf8')) as unknown;
  if (fixture.endsWith('.sarif')) return expectSarif(json as Json);
  if (Array.isArray(json)) {
    const ids = arr(json).map((f) => [str(f.RuleID)]);
    return { count: ids.length, ids };
  }
  if (fixture.startsWith('grype/')) return expectGrype(json as Json);
  return expectTrivy(json as Json);
}

/** What one pipeline run in its own workspace gets besides the report. */
interface ImportOptions {
  waivers?: Waiver[];
  imports?: PipelineDeps['imports'];
  /** Workspace folder name (default: from the fixture). */
  name?: string;
  /** Files copied into the workspace besides the report: repository path → source file. */
  files?: Record<string, string>;
}

/** Runs the pipeline on one report alone, in its own workspace. */
async function importAlone(
  fixture: string,
  options: ImportOptions = {},
): Promise<{ result: PipelineResult; sarif: string }> {
  const source = path.isAbsolute(fixture) ? fixture : path.join(SHARED, fixture);
  const ws = path.join(root, options.name ?? fixture.replace(/[/.]/g, '_'));
  mkdirSync(ws, { recursive: true });
  copyFileSync(source, path.join(ws, path.basename(fixture)));
  for (const [file, from] of Object.entries(options.files ?? {})) {
    mkdirSync(path.dirname(path.join(ws, file)), { recursive: true });
    copyFileSync(from, path.join(ws, file));
  }
  const config = parseConfig({ scanners: '', reports: path.basename(fixture) });
  const result = await runPipeline(config, await prepareReports(config, ws), {
    workspace: ws,
    runner: createCommandRunner(),
    logger: createMemoryLogger(),
    tempDir: ws,
    scanners: createScannerTable(),
    waivers: options.waivers ?? [],
    now: new Date('2025-06-01T00:00:00Z'),
    links: {},
    ...(options.imports === undefined ? {} : { imports: options.imports }),
  });
  return { result, sarif: result.sarif.path };
}

interface SarifOut {
  runs: Array<{ results?: Array<{ ruleId?: string }> }>;
}

const written: string[] = [];

describe('SARIF of every shared Trivy, Grype and gitleaks fixture', () => {
  it('the fixture list is the one the MANIFEST describes', () => {
    // Guard against an empty glob silently passing everything below.
    expect(IMPORTED.filter((f) => f.startsWith('trivy/')).length).toBeGreaterThanOrEqual(30);
    expect(IMPORTED.filter((f) => f.startsWith('grype/')).length).toBeGreaterThanOrEqual(8);
    expect(REFUSED.length).toBeGreaterThanOrEqual(3);
  });

  it.each(IMPORTED)('%s: imported without loss into schema-valid SARIF', async (fixture) => {
    const expected = expectedFor(fixture);
    const { result, sarif } = await importAlone(fixture);
    expect(result.gate.verdict).not.toBe('error');
    const log = JSON.parse(readFileSync(sarif, 'utf8')) as SarifOut;
    expect(validateSarifSchema(log)).toEqual([]);
    const results = log.runs.flatMap((r) => r.results ?? []);
    expect(results).toHaveLength(expected.count);
    expect(result.gate.total + result.gate.waived).toBe(expected.count);
    const ruleIds = results.map((r) => r.ruleId ?? '');
    for (const ids of expected.ids)
      expect(
        ids.some((id) => ruleIds.includes(id)),
        ids[0],
      ).toBe(true);
    written.push(sarif);
  });

  it.each(REFUSED)('%s: refused by name', async (fixture) => {
    const { result } = await importAlone(fixture);
    expect(result.gate.verdict).toBe('error');
    expect(result.gate.reasons.join('\n')).toContain(path.basename(fixture));
  });

  it('every written SARIF passes the Multitool (Sarif;Gh) with zero errors', async () => {
    expect(written).toHaveLength(IMPORTED.length);
    const reports = await validateSarifFilesWithMultitool(written);
    const failures = written
      .map((file) => ({
        file: path.basename(path.dirname(file)),
        errors: reports.get(file)?.errors,
      }))
      .filter((r) => (r.errors ?? []).length > 0);
    expect(failures).toEqual([]);
  }, 120_000);
});

/**
 * The fork pattern (SPEC section 11): a `pull_request` run writes its SARIF,
 * a `workflow_run` run imports it over another checkout. Here the first run
 * imports the real Trivy 0.72.0 misconfiguration SARIF over a checkout that
 * has its main.tf, with a waiver; the second imports the first's SARIF in a
 * workspace without main.tf, once trusted (push, CLI) and once as
 * `workflow_run` does.
 */
describe('importing a SARIF the action wrote (workflow_run)', () => {
  const TERRAFORM = 'trivy/action-0.72.0-config-terraform.sarif';
  const MAIN_TF = path.join(ROOT, '__tests__/fixtures/sarif/repo/main.tf');
  const EDGE = path.join(ROOT, '__tests__/fixtures/sarif/edge-cases.sarif');
  const waiver: Waiver = {
    id: 'AWS-0086',
    reason: 'Public access is blocked upstream',
    expires: '2099-01-01',
    origin: '.github/security-waivers.yml#0',
  };
  interface Out {
    runs: Array<{
      automationDetails?: { id?: string };
      results?: Array<{ ruleId: string; partialFingerprints?: Record<string, string> }>;
    }>;
  }
  const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Out;
  const fingerprints = (log: Out) =>
    log.runs
      .flatMap((r) => r.results ?? [])
      .map((r) => `${r.ruleId} ${r.partialFingerprints?.['securityGate/v1']}`)
      .sort();

  it('keeps the ids, and counts suppressed results only when not trusted', async () => {
    const scanned = await importAlone(TERRAFORM, {
      name: 'pr-run',
      waivers: [waiver],
      files: { 'main.tf': MAIN_TF },
    });
    expect(scanned.result.gate.waived).toBeGreaterThan(0);
    const artifact = scanned.sarif;

    const trusted = await importAlone(artifact, { name: 'push-run' });
    const untrusted = await importAlone(artifact, {
      name: 'workflow-run',
      imports: { trustSuppressions: false, categoryPrefix: 'security-gate' },
    });
    // Task: ids computed against the scanned checkout survive an import over another one.
    expect(fingerprints(read(trusted.sarif))).toEqual(fingerprints(read(artifact)));
    expect(fingerprints(read(untrusted.sarif))).toEqual(fingerprints(read(artifact)));
    expect(trusted.result.gate.waived).toBe(scanned.result.gate.waived);
    expect(trusted.result.view.imports[0]?.notes).toBeUndefined();

    expect(untrusted.result.gate.waived).toBe(0);
    expect(untrusted.result.gate.total).toBe(
      scanned.result.gate.total + scanned.result.gate.waived,
    );
    const note = untrusted.result.view.imports[0]?.notes?.[0] ?? '';
    expect(note).toMatch(
      new RegExp(
        `^${scanned.result.gate.waived} result\\(s\\) suppressed .*another workflow's artifact`,
      ),
    );
    const report = readFileSync(untrusted.result.reportFile, 'utf8');
    expect(report).toMatch(
      /suppressed in this report were counted anyway.*another workflow's artifact/,
    );
    expect(validateSarifSchema(read(untrusted.sarif))).toEqual([]);
  });

  it("puts every imported run's category under sarif-category when not trusted", async () => {
    const trusted = await importAlone(EDGE, { name: 'edge-trusted' });
    const untrusted = await importAlone(EDGE, {
      name: 'edge-untrusted',
      imports: { trustSuppressions: false, categoryPrefix: 'security-gate' },
    });
    const ids = (file: string) => read(file).runs.map((r) => r.automationDetails?.id);
    expect(ids(trusted.sarif)).toEqual(['edge/run-1', 'quiet/']);
    expect(ids(untrusted.sarif)).toEqual(['security-gate/edge/run-1', 'security-gate/quiet/']);
  });
});
