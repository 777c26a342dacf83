/**
 * Fingerprint stability with the real Trivy (0.44.1 in the cdxgen plugin
 * package; offline it scans for secrets and misconfigurations), through the
 * bundled action run the way the runner runs it.
 *
 * A small repository (`fixtures/baseline-e2e/repo`, copied to a temp folder:
 * Trivy skips secrets under paths named like tests/ or examples/) is scanned
 * by the action on its base branch; a pull request's copy inserts and removes
 * unrelated lines above the findings (line 1 of the Dockerfile included),
 * changes one flagged line, and adds a new secret of a rule that already
 * fires in the same file. The ids (SARIF
 * `partialFingerprints["securityGate/v1"]`) of the unchanged findings must not
 * move; the changed and the new finding get new ids; and with
 * `gate-scope: new` + `baseline: <first SARIF>` only those two count.
 *
 * Two Trivy runs take most of a minute on two busy cores, so they run side by
 * side: the action scans the base copy while Trivy itself writes its JSON for
 * the pull request's copy, which the action's second run imports (the same
 * findings, parsed by the same Trivy adapter).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ROOT,
  TRIVY_BIN,
  runAction,
  runTrivyDirectly,
  runnerEnvForEvent,
} from '../helpers/run-action.js';
import { validateSarifSchema } from '../helpers/sarif-validators.js';

const REPO = path.join(ROOT, '__tests__/fixtures/baseline-e2e/repo');
const EVENTS = path.join(ROOT, '__tests__/fixtures/events/runner');
const FINGERPRINT = 'securityGate/v1';
/** A second fake GitHub token (same rule, same file as the existing one). */
const NEW_TOKEN = 'ghp_Zx9Cv8Bn7Mm6Ll5Kk4Jj3Hh2Gg1Ff0Dd9Ss8';

const available = existsSync(TRIVY_BIN);
if (!available && process.env.CI === 'true') {
  describe('fingerprint stability', () => {
    it('needs the Trivy binary', () => {
      expect.fail(`Trivy binary not found at ${TRIVY_BIN}; run npm ci.`);
    });
  });
}

interface SarifResult {
  ruleId: string;
  baselineState?: string;
  partialFingerprints: Record<string, string>;
  locations: Array<{
    physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
  }>;
}
interface SarifLog {
  runs: Array<{ results: SarifResult[] }>;
}

interface Row {
  ruleId: string;
  uri: string;
  line: number;
  id: string;
  state?: string;
}

function rowsOf(file: string): Row[] {
  const log = JSON.parse(readFileSync(file, 'utf8')) as SarifLog;
  expect(validateSarifSchema(log)).toEqual([]);
  return log.runs
    .flatMap((run) => run.results)
    .map((r) => ({
      ruleId: r.ruleId,
      uri: r.locations[0]?.physicalLocation.artifactLocation.uri ?? '',
      line: r.locations[0]?.physicalLocation.region.startLine ?? 0,
      id: r.partialFingerprints[FINGERPRINT] ?? '',
      state: r.baselineState,
    }));
}

/** Edits a file of the workspace as a list of lines. */
function edit(ws: string, file: string, change: (lines: string[]) => string[]): void {
  const full = path.join(ws, file);
  writeFileSync(full, change(readFileSync(full, 'utf8').split('\n')).join('\n'));
}

/** 1-based number of the first line containing `text`. */
function lineOf(ws: string, file: string, text: string): number {
  return (
    readFileSync(path.join(ws, file), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1
  );
}

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('fingerprints under edits, with the real Trivy', () => {
  it('keeps unchanged ids, and gate-scope new counts only the changed and the new finding', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'sg-fp-'));
    temps.push(root);
    const ws = path.join(root, 'base', 'app');
    const pr = path.join(root, 'pr', 'app');
    cpSync(REPO, ws, { recursive: true });
    cpSync(REPO, pr, { recursive: true });
    const quiet = { 'upload-sarif': 'false', comment: 'never', 'check-run': 'false' };
    const dsLine = lineOf(ws, 'Dockerfile', 'ADD . /app');

    // The pull request: unrelated lines in and out above every finding …
    edit(pr, 'Dockerfile', (lines) => [
      '# syntax=docker/dockerfile:1',
      '# Build: docker build -t web .',
      ...lines.slice(1),
    ]);
    edit(pr, 'k8s/deployment.yaml', (lines) =>
      lines.flatMap((line) =>
        line === '  name: web'
          ? [line, '  namespace: web', '  annotations:', '    team: web']
          : [line],
      ),
    );
    edit(pr, 'src/settings.js', (lines) => [
      "'use strict';",
      '',
      ...lines.filter((l) => !l.startsWith('// None of them')),
      `const deployToken = '${NEW_TOKEN}';`,
      '',
    ]);
    // … one flagged line changed (still ADD, now of one folder) …
    edit(pr, 'Dockerfile', (lines) =>
      lines.map((l) => (l === 'ADD . /app' ? 'ADD ./src /app/src' : l)),
    );
    const newTokenLine = lineOf(pr, 'src/settings.js', 'deployToken');

    // The base branch scanned by the action; the pull request's copy by Trivy itself.
    const prReport = path.join(root, 'trivy-pr.json');
    const [first] = await Promise.all([
      runAction({
        workspace: ws,
        eventName: 'workflow_dispatch',
        inputs: { 'trivy-path': TRIVY_BIN, 'trivy-scanners': 'secret,misconfig', ...quiet },
        timeoutMs: 120_000,
      }),
      runTrivyDirectly({ target: '.', cwd: pr, output: prReport, timeoutMs: 120_000 }),
    ]);
    expect(first.stdout).not.toContain('::error::Security Gate error');
    const baselineFile = path.join(root, 'main.sarif');
    cpSync(path.join(ws, 'security-gate.sarif'), baselineFile);
    const before = rowsOf(baselineFile);
    // Guard: what the fixture is meant to hold.
    expect(before.filter((r) => r.ruleId === 'github-pat')).toHaveLength(1);
    expect(before.filter((r) => r.uri === 'Dockerfile').length).toBeGreaterThanOrEqual(3);
    expect(before.filter((r) => r.uri === 'k8s/deployment.yaml').length).toBeGreaterThanOrEqual(10);
    expect(new Set(before.map((r) => r.id)).size).toBe(before.length);
    const ds005 = before.find((r) => r.ruleId === 'DS005');
    expect(ds005?.line).toBe(dsLine);

    cpSync(prReport, path.join(pr, 'trivy-pr.json'));
    const event = JSON.parse(
      readFileSync(path.join(EVENTS, 'pull_request.synchronize.json'), 'utf8'),
    ) as unknown;
    const second = await runAction({
      workspace: pr,
      eventName: 'pull_request',
      event,
      inputs: {
        scanners: '',
        reports: 'trivy-pr.json',
        'gate-scope': 'new',
        baseline: baselineFile,
        ...quiet,
      },
      env: runnerEnvForEvent('pull_request', event),
    });
    const after = rowsOf(path.join(pr, 'security-gate.sarif'));

    // Same findings plus the new secret; every line moved or kept, none lost.
    expect(after).toHaveLength(before.length + 1);
    const changed = after.find((r) => r.ruleId === 'DS005');
    const added = after.find((r) => r.ruleId === 'github-pat' && r.line === newTokenLine);
    expect(changed?.line).toBe(lineOf(pr, 'Dockerfile', 'ADD ./src /app/src'));
    expect(added).toBeDefined();
    const untouched = after.filter((r) => r !== changed && r !== added);
    // Each unchanged finding (matched by rule and file, one of each in this repository) keeps its id.
    const key = (r: Row): string => `${r.ruleId} ${r.uri}`;
    expect(new Set(untouched.map(key)).size).toBe(untouched.length);
    expect(untouched.map((r) => `${key(r)} ${r.id}`).sort()).toEqual(
      before
        .filter((r) => r !== ds005)
        .map((r) => `${key(r)} ${r.id}`)
        .sort(),
    );
    // Lines did move: the ids do not depend on them.
    expect(
      untouched.filter((r) => r.line !== before.find((b) => key(b) === key(r))?.line).length,
    ).toBeGreaterThanOrEqual(5);
    const beforeIds = new Set(before.map((r) => r.id));
    expect(beforeIds.has(changed?.id ?? '')).toBe(false);
    expect(beforeIds.has(added?.id ?? '')).toBe(false);

    // gate-scope new: only the changed and the new finding count.
    expect(
      after
        .filter((r) => r.state === 'new')
        .map(key)
        .sort(),
    ).toEqual(['DS005 Dockerfile', 'github-pat src/settings.js']);
    expect(after.filter((r) => r.state === 'unchanged')).toHaveLength(untouched.length);
    expect(second.outputs.new).toBe('2');
    expect(second.outputs.total).toBe(String(after.length));
    expect(second.outputs.critical).toBe('3');
    expect(second.outputs.verdict).toBe('fail');
    expect(second.exitCode).toBe(1);
    // The base's two CRITICAL secrets and its HIGH misconfigurations do not count.
    expect(second.stdout).toContain(
      '::error::Security Gate fail:%0A1 new CRITICAL ≥ threshold 1\n',
    );
    const summary = second.summary.replace(/\\(.)/g, '$1').replace(/&#58;/g, ':');
    expect(summary).toContain(`${after.length} findings · 2 new`);
    expect(summary).toContain(
      `${untouched.length} existing finding(s) from ${baselineFile} do not count; only new ones do.`,
    );
    expect(summary.split('\n').filter((l) => l.endsWith('| existing |'))).toHaveLength(
      untouched.length,
    );
    // The new token itself appears nowhere.
    expect(second.stdout + second.summary).not.toContain(NEW_TOKEN);
    expect(readFileSync(path.join(pr, 'security-gate.sarif'), 'utf8')).not.toContain(NEW_TOKEN);
  });
});
