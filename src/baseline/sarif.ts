/**
 * A SARIF file as a baseline (`baseline: <path>`): its results' fingerprints
 * (ours are under `partialFingerprints`, see the SARIF writer) plus rule,
 * path and message for results of other tools (ours are matched by
 * fingerprint only). Pure.
 */
import { z } from 'zod';
import type { BaselineSource } from './compare.js';
import type { BaselineResult } from './record.js';
import { FINGERPRINT_KEY } from '../findings/fingerprint.js';

const resultSchema = z.looseObject({
  ruleId: z.string().optional(),
  ruleIndex: z.number().int().optional(),
  rule: z.looseObject({ id: z.string().optional(), index: z.number().int().optional() }).optional(),
  message: z.looseObject({ text: z.string().optional() }).optional(),
  locations: z
    .array(
      z.looseObject({
        physicalLocation: z
          .looseObject({
            artifactLocation: z.looseObject({ uri: z.string().optional() }).optional(),
            region: z.looseObject({ startLine: z.number().optional() }).optional(),
          })
          .optional(),
      }),
    )
    .optional(),
  partialFingerprints: z.record(z.string(), z.unknown()).optional(),
  fingerprints: z.record(z.string(), z.unknown()).optional(),
});

const sarifSchema = z.looseObject({
  runs: z.array(
    z.looseObject({
      tool: z
        .looseObject({
          driver: z
            .looseObject({
              rules: z.array(z.looseObject({ id: z.string().optional() })).optional(),
            })
            .optional(),
        })
        .optional(),
      results: z.array(resultSchema).optional(),
    }),
  ),
});

type SarifResult = z.infer<typeof resultSchema>;

function ruleIdOf(result: SarifResult, rules: ReadonlyArray<{ id?: string }>): string | undefined {
  const index = result.ruleIndex ?? result.rule?.index;
  return result.ruleId ?? result.rule?.id ?? (index === undefined ? undefined : rules[index]?.id);
}

function fingerprintValues(result: SarifResult): string[] {
  return [
    ...Object.values(result.partialFingerprints ?? {}),
    ...Object.values(result.fingerprints ?? {}),
  ].filter((value): value is string => typeof value === 'string' && value !== '');
}

/**
 * Reads a SARIF log as a baseline source; throws an Error saying why when
 * the document is not SARIF.
 */
export function sourceFromSarif(log: unknown, label: string): BaselineSource {
  const parsed = sarifSchema.safeParse(log);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `not a SARIF log (${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unreadable'})`,
    );
  }
  const fingerprints = new Set<string>();
  const results: BaselineResult[] = [];
  for (const run of parsed.data.runs) {
    const rules = run.tool?.driver?.rules ?? [];
    for (const result of run.results ?? []) {
      for (const value of fingerprintValues(result)) fingerprints.add(value);
      // Our own results are matched by their fingerprint only: by rule, path and
      // message a second secret of one rule in one file would pass for the first.
      if (typeof result.partialFingerprints?.[FINGERPRINT_KEY] === 'string') continue;
      const ruleId = ruleIdOf(result, rules);
      if (ruleId === undefined) continue;
      results.push({
        ruleId,
        path: result.locations?.[0]?.physicalLocation?.artifactLocation?.uri,
        message: result.message?.text,
        line: result.locations?.[0]?.physicalLocation?.region?.startLine,
      });
    }
  }
  return { kind: 'sarif', label, fingerprints: [...fingerprints].sort(), results };
}
