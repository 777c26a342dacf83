/**
 * A pull request must not be able to switch Trivy's findings off with files
 * of its own: `trivy.yaml` (here: only LOW findings), `trivy-secret.yaml`
 * (here: the GitHub token rule disabled) and `.trivyignore` (here: the
 * root-user misconfiguration). The bundled action runs the real Trivy 0.44.1
 * on a copy of `examples/app` with all three planted. Expected counts come
 * from Trivy's own JSON for the same folder, run where it reads none of them.
 * The `.trivyignore` entry is the action's own waiver: the finding is still
 * reported, as waived.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, TRIVY_BIN, runAction, runTrivyDirectly } from '../helpers/run-action.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;
type Severity = (typeof SEVERITIES)[number];
type Counts = Record<Severity, number>;

interface TrivyJson {
  Results?: Array<{
    Secrets?: Array<{ RuleID: string; Severity: string }>;
    Misconfigurations?: Array<{ ID: string; Severity: string; Status: string }>;
  }>;
}

interface SarifLog {
  runs: Array<{
    results?: Array<{ ruleId?: string; suppressions?: Array<{ kind: string }> }>;
  }>;
}

const tempDir = useTempDirs();

/** `severity/rule` of every secret and failed misconfiguration in Trivy's own JSON. */
function findingsOf(report: TrivyJson): Array<{ rule: string; severity: Severity }> {
  return (report.Results ?? []).flatMap((result) => [
    ...(result.Secrets ?? []).map((s) => ({ rule: s.RuleID, severity: s.Severity as Severity })),
    ...(result.Misconfigurations ?? [])
      .filter((m) => m.Status === 'FAIL')
      .map((m) => ({ rule: m.ID, severity: m.Severity as Severity })),
  ]);
}

const PLANTED: Record<string, string> = {
  'trivy.yaml': 'severity:\n  - LOW\n',
  'trivy-secret.yaml': 'disable-rules:\n  - github-pat\n',
  '.trivyignore': '# The demo container runs as root on purpose\nDS002\n',
};

describe.runIf(existsSync(TRIVY_BIN) || process.env.CI === 'true')(
  "the workspace's own Trivy config files, with the real Trivy 0.44.1",
  () => {
    it('cannot hide findings: every one is reported, the .trivyignore entry as a waiver', async () => {
      expect(existsSync(TRIVY_BIN), `Trivy binary missing at ${TRIVY_BIN}`).toBe(true);
      // The workspace is the app itself: Trivy skips secrets under paths named like example/test.
      const ws = tempDir('sg-isolation-');
      cpSync(path.join(ROOT, 'examples/app'), ws, { recursive: true });
      for (const [name, text] of Object.entries(PLANTED)) writeFileSync(path.join(ws, name), text);
      const directReport = path.join(tempDir('sg-isolation-out-'), 'trivy.json');
      const [run] = await Promise.all([
        runAction({
          workspace: ws,
          eventName: 'pull_request',
          inputs: { 'trivy-path': TRIVY_BIN, 'trivy-scanners': 'secret,misconfig' },
          env: { HOME: tempDir('sg-home-') },
          timeoutMs: 240_000,
        }),
        // Trivy itself, run from a directory without any of the planted files.
        runTrivyDirectly({
          target: ws,
          cwd: tempDir('sg-isolation-cwd-'),
          output: directReport,
          cacheDir: tempDir('sg-isolation-cache-'),
          timeoutMs: 240_000,
        }),
      ]);
      const honest = findingsOf(JSON.parse(readFileSync(directReport, 'utf8')) as TrivyJson);
      // Guard: what the planted files would hide is really there.
      expect(honest).toEqual(
        expect.arrayContaining([
          { rule: 'github-pat', severity: 'CRITICAL' },
          { rule: 'DS002', severity: 'HIGH' },
          { rule: 'DS001', severity: 'MEDIUM' },
        ]),
      );
      const expected: Counts = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
      // Counts are taken after waivers: the waived DS002 is listed, not counted.
      for (const f of honest) if (f.rule !== 'DS002') expected[f.severity] += 1;

      const counts = Object.fromEntries(
        SEVERITIES.map((s) => [s, Number(run.outputs[s.toLowerCase()])]),
      );
      expect(counts).toEqual(expected);
      expect(run.outputs.waived).toBe('1');
      expect(run.outputs.verdict).toBe('fail');
      expect(run.exitCode).toBe(1);

      const sarif = JSON.parse(
        readFileSync(path.join(ws, 'security-gate.sarif'), 'utf8'),
      ) as SarifLog;
      const results = sarif.runs.flatMap((r) => r.results ?? []);
      expect(results.map((r) => r.ruleId).sort()).toEqual(honest.map((f) => f.rule).sort());
      const suppressed = results.filter((r) => (r.suppressions ?? []).length > 0);
      expect(suppressed.map((r) => [r.ruleId, r.suppressions?.[0]?.kind])).toEqual([
        ['DS002', 'external'],
      ]);
    }, 300_000);
  },
);
