import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, Severity } from '../../../src/findings/finding.js';
import { fingerprintFindings } from '../../../src/findings/fingerprint.js';
import { buildSarif, type SarifRunSpec } from '../../../src/report/sarif.js';
import {
  enforceSarifLimits,
  GITHUB_SARIF_LIMITS,
  TRUNCATION_PROPERTY,
} from '../../../src/report/sarif-limits.js';
import {
  validateSarifFilesWithMultitool,
  validateSarifSchema,
  type MultitoolReport,
} from '../../helpers/sarif-validators.js';
import { trivyVulnerabilityFindings } from '../importers/fixture-findings.js';

const [REAL] = trivyVulnerabilityFindings('trivy/image-alpine-310.json') as [Finding];
const TRIVY_RUN: SarifRunSpec = {
  tool: 'Trivy',
  toolVersion: '0.72.0',
  scanner: 'trivy',
  categoryId: 'security-gate/trivy/',
};
const location = { fileExists: () => false };

/** The real alpine finding repeated with different packages, `counts` per severity. */
function generate(counts: Partial<Record<Severity, number>>, rules = 1): Finding[] {
  let n = 0;
  const findings = Object.entries(counts).flatMap(([severity, count]) =>
    Array.from({ length: count ?? 0 }, (): Finding => {
      n += 1;
      const name = `${REAL.package?.name ?? 'pkg'}-${n}`;
      return {
        ...REAL,
        ruleId: `${REAL.ruleId}${rules > 1 ? `-${n % rules}` : ''}`,
        severity: severity as Severity,
        package: { ...REAL.package!, name, purl: `pkg:apk/alpine/${name}@1.0.${n}` },
      };
    }),
  );
  return fingerprintFindings(findings, () => undefined);
}

const severityCounts = (log: Log) => {
  const counts: Record<string, number> = {};
  for (const r of log.runs.flatMap((run) => run.results ?? [])) {
    const s = String(r.properties?.severity);
    counts[s] = (counts[s] ?? 0) + 1;
  }
  return counts;
};

describe('GitHub limits on a generated log of 26,500 results', () => {
  let built: { log: Log; truncation: string[] };
  let report: MultitoolReport | undefined;
  let dir = '';

  beforeAll(async () => {
    const findings = generate({
      LOW: 1_000,
      CRITICAL: 500,
      UNKNOWN: 1_200,
      HIGH: 20_000,
      MEDIUM: 3_800,
    });
    built = await buildSarif({ findings, runs: [TRIVY_RUN], location });
    dir = await mkdtemp(path.join(tmpdir(), 'sarif-limits-'));
    const file = path.join(dir, 'big.sarif');
    await writeFile(file, JSON.stringify(built.log));
    report = (await validateSarifFilesWithMultitool([file])).get(file);
    // The Multitool needs ~40 s for this 17 MB file on an idle core; CI shares two.
  }, 400_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps 25,000 results, dropping the lowest severities first', () => {
    expect(severityCounts(built.log)).toEqual({
      CRITICAL: 500,
      HIGH: 20_000,
      MEDIUM: 3_800,
      LOW: 700,
    });
  });

  it('states the truncation in the run and in the summary lines', () => {
    const run = built.log.runs[0];
    const notes = run?.properties?.[TRUNCATION_PROPERTY] as string[];
    expect(notes[0]).toContain('25,000 of 26,500 results written');
    expect(notes[0]).toContain('300 LOW, 1,200 UNKNOWN');
    expect(run?.invocations?.[0]?.toolExecutionNotifications?.[0]?.message.text).toBe(notes[0]);
    expect(built.truncation).toEqual([`Trivy (security-gate/trivy/): ${notes[0]}`]);
  });

  it('still validates (schema and Multitool)', () => {
    expect(validateSarifSchema(built.log)).toEqual([]);
    expect(report?.errors).toEqual([]);
  });
});

describe('enforceSarifLimits', () => {
  it('drops the least severe results until the gzipped size fits', async () => {
    const { log } = await buildSarif({
      findings: generate({ HIGH: 200, LOW: 400 }),
      runs: [TRIVY_RUN],
      location,
    });
    const size = gzipSync(JSON.stringify(log)).length;
    const limited = await enforceSarifLimits(structuredClone(log), {
      ...GITHUB_SARIF_LIMITS,
      maxGzipBytes: Math.floor(size * 0.7),
    });
    expect(gzipSync(JSON.stringify(limited.log)).length).toBeLessThanOrEqual(
      Math.floor(size * 0.7),
    );
    const counts = severityCounts(limited.log);
    expect(counts.HIGH).toBe(200);
    expect(counts.LOW).toBeLessThan(400);
    expect(limited.truncation[0]).toMatch(/results written/);
    expect(validateSarifSchema(limited.log)).toEqual([]);
  });

  it('keeps the rules of the most severe results when there are too many rules', async () => {
    const findings = generate({ CRITICAL: 3, LOW: 3 }, 6);
    const { log } = await buildSarif({
      findings,
      runs: [TRIVY_RUN],
      location,
      limits: { ...GITHUB_SARIF_LIMITS, maxRulesPerRun: 4 },
    });
    const run = log.runs[0]!;
    expect(run.tool.driver.rules).toHaveLength(4);
    expect(severityCounts(log)).toEqual({ CRITICAL: 3, LOW: 1 });
    for (const r of run.results ?? [])
      expect(run.tool.driver.rules?.[r.ruleIndex ?? -1]?.id).toBe(r.ruleId);
  });

  it('keeps the 20 most severe runs', async () => {
    const findings = generate({ LOW: 2, CRITICAL: 20, MEDIUM: 2 }).map((f, i) => ({
      ...f,
      source: { tool: 'Trivy', automationId: `cat/${i}/` },
    }));
    const runs: SarifRunSpec[] = findings.map((f) => ({
      tool: 'Trivy',
      automationId: f.source.automationId,
    }));
    const { log, truncation } = await buildSarif({ findings, runs, location });
    expect(log.runs).toHaveLength(20);
    expect(severityCounts(log)).toEqual({ CRITICAL: 20 });
    expect(truncation[0]).toMatch(/^SARIF: 4 of 24 runs not written/);
  });

  it('caps locations, tags, rule names and descriptions', async () => {
    const { log } = await buildSarif({
      findings: generate({ HIGH: 1 }),
      runs: [TRIVY_RUN],
      location,
    });
    const run = log.runs[0]!;
    const result = run.results![0]!;
    result.locations = Array.from({ length: 1_005 }, () => result.locations![0]!);
    const rule = run.tool.driver.rules![0]!;
    rule.name = 'N'.repeat(300);
    rule.fullDescription = { text: 'D'.repeat(2_000) };
    rule.properties = { ...rule.properties, tags: Array.from({ length: 25 }, (_, i) => `t${i}`) };
    const limited = await enforceSarifLimits(log);
    const out = limited.log.runs[0]!;
    expect(out.results?.[0]?.locations).toHaveLength(1_000);
    expect(out.tool.driver.rules?.[0]?.name).toHaveLength(255);
    expect(out.tool.driver.rules?.[0]?.fullDescription?.text).toHaveLength(1_024);
    expect(out.tool.driver.rules?.[0]?.properties?.tags).toHaveLength(20);
    expect(limited.truncation).toHaveLength(2);
  });
});

describe('the size limit is checked on the text that is written', () => {
  const indented = (log: Log) => `${JSON.stringify(log, null, 2)}\n`;
  let built: Log;
  let limits = GITHUB_SARIF_LIMITS;
  // A fresh copy each time: the limits change the log in place.
  const build = () => structuredClone(built);
  beforeAll(async () => {
    built = (
      await buildSarif({
        findings: generate({ HIGH: 200, LOW: 400 }),
        runs: [TRIVY_RUN],
        location,
      })
    ).log;
    // Level 1, as the limits measure (an upper bound of the upload's default level).
    const compactSize = gzipSync(JSON.stringify(built), { level: 1 }).length;
    const indentedSize = gzipSync(indented(built), { level: 1 }).length;
    expect(indentedSize).toBeGreaterThan(compactSize);
    // Between the two: only the indented text is too large.
    limits = { ...GITHUB_SARIF_LIMITS, maxGzipBytes: Math.floor((compactSize + indentedSize) / 2) };
  });

  it('returns the serialised text it measured, and its bytes when it made them', async () => {
    const limited = await enforceSarifLimits(build(), limits, indented);
    expect(limited.text).toBe(indented(limited.log));
    expect(limited.bytes?.equals(Buffer.from(limited.text))).toBe(true);
    const small = await enforceSarifLimits(build());
    expect(small.text).toBe(JSON.stringify(small.log));
    expect(small.bytes).toBeUndefined(); // far under 10 MB: neither gzip nor encoding ran
  });

  it('cuts results when the indented text is too large, not when the compact one fits', async () => {
    const compact = await enforceSarifLimits(build(), limits);
    expect(compact.truncation).toEqual([]);
    const written = await enforceSarifLimits(build(), limits, indented);
    expect(written.truncation[0]).toMatch(/results written/);
    expect(gzipSync(written.text).length).toBeLessThanOrEqual(limits.maxGzipBytes);
    expect(severityCounts(written.log).HIGH).toBe(200);
  });

  it('limits and serialises the log before it returns: only the gzip is left to await', async () => {
    const log = build();
    const serialised: string[] = [];
    const pending = enforceSarifLimits(log, limits, (l) => {
      const text = indented(l);
      serialised.push(text);
      return text;
    });
    // The caller's other work (planning upgrades) overlaps only the gzip.
    expect(serialised).toHaveLength(1);
    const limited = await pending;
    expect(serialised.length).toBeGreaterThan(1);
    expect(limited.text).toBe(serialised.at(-1));
  });
});
