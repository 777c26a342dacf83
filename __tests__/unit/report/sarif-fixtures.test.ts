/**
 * Every SARIF fixture of the shared set: import → fingerprint → build, and
 * the written SARIF passes the SARIF 2.1.0 schema and the Multitool's
 * `Sarif;Gh` rules with zero errors, keeping tools, rule ids, categories,
 * result counts and the tools' own fingerprints, and dropping snippets.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintFindings } from '../../../src/findings/fingerprint.js';
import { importSarif } from '../../../src/importers/sarif.js';
import { buildRunSpecs, buildSarif } from '../../../src/report/sarif.js';
import {
  validateSarifFilesWithMultitool,
  validateSarifSchema,
  type MultitoolReport,
} from '../../helpers/sarif-validators.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');
const SHARED = path.join(FIXTURES, 'shared');

async function listSarifFixtures(): Promise<string[]> {
  const entries = await readdir(SHARED, { recursive: true });
  return entries.filter((e) => e.endsWith('.sarif')).sort();
}

const sharedFixtures = await listSarifFixtures();
// Our own edge cases (uriBaseIds, extension rules, messageStrings, snippets, empty runs) go through the same checks.
const fixtures = [...sharedFixtures, '../sarif/edge-cases.sarif', '../sarif/empty-run.sarif'];
let tempDir = '';
const written = new Map<string, { input: Log; output: Log; file: string }>();
let multitool = new Map<string, MultitoolReport>();

async function convert(name: string, input: Log): Promise<Log> {
  const outcome = importSarif(input, `reports/${name}`, {
    workspace: '/home/runner/work/repo/repo',
  });
  const findings = fingerprintFindings(outcome.findings, () => undefined);
  const runs = buildRunSpecs({
    scans: [],
    imports: [{ ...outcome, findings }],
    category: 'security-gate',
  });
  return (await buildSarif({ findings, runs, location: { fileExists: () => false } })).log;
}

beforeAll(async () => {
  tempDir = await mkdtemp(path.join(tmpdir(), 'sarif-fixtures-'));
  for (const name of fixtures) {
    const input = JSON.parse(await readFile(path.join(SHARED, name), 'utf8')) as Log;
    const output = await convert(name, input);
    const file = path.join(tempDir, name.replace(/^\.\.\//, 'own/').replace(/[\\/]/g, '__'));
    await writeFile(file, JSON.stringify(output, null, 2));
    written.set(name, { input, output, file });
  }
  multitool = await validateSarifFilesWithMultitool([...written.values()].map((w) => w.file));
});

afterAll(async () => {
  await rm(tempDir, { recursive: true, force: true });
});

const resultsOf = (log: Log) => log.runs.flatMap((run) => run.results ?? []);
/** Results that are problems: a `pass` or `notApplicable` result is not a finding. */
const problemsOf = (log: Log) =>
  resultsOf(log).filter((r) => r.kind !== 'pass' && r.kind !== 'notApplicable');
const stringEntries = (bag: Record<string, unknown> = {}) =>
  Object.fromEntries(Object.entries(bag).filter(([, v]) => typeof v === 'string'));

describe('SARIF fixtures round trip', () => {
  it('finds every SARIF fixture listed in the manifest', () => {
    expect(sharedFixtures.length).toBe(7);
  });

  it.each(fixtures)('%s passes the SARIF 2.1.0 schema', (name) => {
    expect(validateSarifSchema(written.get(name)?.output)).toEqual([]);
  });

  it.each(fixtures)('%s passes the Multitool Sarif;Gh rules with zero errors', (name) => {
    const report = multitool.get(written.get(name)?.file ?? '');
    expect(report).toBeDefined();
    expect(report?.errors).toEqual([]);
  });

  it.each(fixtures)('%s keeps every result, tool, category and rule id', (name) => {
    const { input, output } = written.get(name) ?? { input: undefined, output: undefined };
    if (input === undefined || output === undefined) throw new Error(`no output for ${name}`);
    expect(resultsOf(output)).toHaveLength(problemsOf(input).length);
    expect(output.runs.map((r) => r.tool.driver.name).sort()).toEqual(
      input.runs.map((r) => r.tool.driver.name).sort(),
    );
    expect(output.runs.map((r) => r.automationDetails?.id)).toEqual(
      input.runs.map((r) => r.automationDetails?.id),
    );
    const inputRuleIds = problemsOf(input)
      .map((r) => r.ruleId ?? '')
      .sort();
    expect(
      resultsOf(output)
        .map((r) => r.ruleId)
        .sort(),
    ).toEqual(inputRuleIds);
    for (const run of output.runs) {
      const ruleIds = (run.tool.driver.rules ?? []).map((r) => r.id);
      for (const result of run.results ?? [])
        expect(ruleIds[result.ruleIndex ?? -1]).toBe(result.ruleId);
    }
  });

  it.each(fixtures)("%s keeps the tools' fingerprints and adds ours", (name) => {
    const { input, output } = written.get(name) ?? { input: undefined, output: undefined };
    if (input === undefined || output === undefined) throw new Error(`no output for ${name}`);
    for (const original of resultsOf(input).filter((r) => r.partialFingerprints !== undefined)) {
      const match = resultsOf(output).find((r) => r.ruleId === original.ruleId);
      expect(match?.partialFingerprints).toMatchObject(stringEntries(original.partialFingerprints));
    }
    const ours = resultsOf(output).map((r) => r.partialFingerprints?.['securityGate/v1']);
    expect(new Set(ours).size).toBe(ours.length);
    expect(ours.every((id) => typeof id === 'string' && /^[0-9a-f]{32}$/.test(id))).toBe(true);
  });

  it.each(fixtures)('%s drops every snippet', (name) => {
    const text = JSON.stringify(written.get(name)?.output);
    expect(text).not.toContain('"snippet"');
    expect(text).not.toContain('a secret'); // the gitleaks fixture's secret lives in a snippet
    expect(text).not.toContain('SUPERSECRET'); // so does the edge-case fixture's
  });
});
