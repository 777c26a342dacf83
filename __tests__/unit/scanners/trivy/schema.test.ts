import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReportFormatError } from '../../../../src/config/errors.js';
import { parseTrivyReport } from '../../../../src/scanners/trivy/parse.js';
import {
  isTrivyVulnerability,
  trivyVulnerabilitySchema,
} from '../../../../src/scanners/trivy/schema.js';

const SHARED = join(import.meta.dirname, '../../../fixtures/shared/trivy');

type Json = Record<string, unknown>;

/** Every vulnerability of every shared Trivy JSON report. */
function fixtureVulnerabilities(): unknown[] {
  return readdirSync(SHARED)
    .filter((name) => name.endsWith('.json'))
    .flatMap((name) => {
      const report = JSON.parse(readFileSync(join(SHARED, name), 'utf8')) as Json;
      const results = Array.isArray(report.Results) ? (report.Results as Json[]) : [];
      return results.flatMap((r) => (Array.isArray(r.Vulnerabilities) ? r.Vulnerabilities : []));
    });
}

const VULNERABILITIES = fixtureVulnerabilities();
const [FIRST] = VULNERABILITIES as [Json];

/** Values around the schema's edges: the fast check may refuse some zod accepts, never the reverse. */
const EDGES: Array<[string, unknown]> = [
  ['null', null],
  ['an array', [FIRST]],
  ['a string', 'CVE-2020-1'],
  ['no id', { ...FIRST, VulnerabilityID: undefined }],
  ['a numeric id', { ...FIRST, VulnerabilityID: 5 }],
  ['null texts', { VulnerabilityID: 'CVE-1', Title: null, PkgName: null, FixedVersion: null }],
  ['a numeric severity', { ...FIRST, Severity: 3 }],
  ['an object title', { ...FIRST, Title: { text: 'x' } }],
  ['a null PkgIdentifier', { ...FIRST, PkgIdentifier: null }],
  ['a string PkgIdentifier', { ...FIRST, PkgIdentifier: 'pkg:npm/a@1' }],
  ['a numeric PURL', { ...FIRST, PkgIdentifier: { PURL: 1 } }],
  ['null lists', { ...FIRST, CweIDs: null, References: null, CVSS: null }],
  ['a list with a number', { ...FIRST, References: ['https://a', 2] }],
  ['a string list', { ...FIRST, CweIDs: 'CWE-79' }],
  ['a CVSS array', { ...FIRST, CVSS: [{ V3Score: 5 }] }],
  ['a CVSS string entry', { ...FIRST, CVSS: { nvd: '5.0' } }],
  ['a CVSS string score', { ...FIRST, CVSS: { nvd: { V3Score: '5.0' } } }],
  ['an infinite score', { ...FIRST, CVSS: { nvd: { V3Score: Infinity } } }],
  ['null scores', { ...FIRST, CVSS: { nvd: { V2Score: null, V3Score: null } } }],
  ['unknown keys', { ...FIRST, Layer: { Digest: 'sha256:0' }, Extra: [1, 2] }],
];

describe('isTrivyVulnerability, the fast path of trivyVulnerabilitySchema', () => {
  it('accepts every vulnerability of the shared fixtures', () => {
    expect(VULNERABILITIES.length).toBeGreaterThan(100);
    for (const vulnerability of VULNERABILITIES) {
      expect(isTrivyVulnerability(vulnerability)).toBe(true);
      expect(trivyVulnerabilitySchema.safeParse(vulnerability).success).toBe(true);
    }
  });

  it.each(EDGES)('never accepts what the schema refuses: %s', (_, value) => {
    const accepted = isTrivyVulnerability(value);
    if (accepted) expect(trivyVulnerabilitySchema.safeParse(value).success).toBe(true);
  });

  /** Wrong types for any field: a number, a boolean, an object, mixed and plain lists, a string. */
  const WRONG = [3, true, { PURL: 1 }, {}, ['x', 1], [], 'x', { nvd: { V3Score: 'high' } }];

  it.each(Object.keys(trivyVulnerabilitySchema.shape))(
    'never accepts a %s the schema refuses, and refuses some',
    (key) => {
      let refused = 0;
      for (const wrong of WRONG) {
        const value = { ...FIRST, [key]: wrong };
        const schemaAccepts = trivyVulnerabilitySchema.safeParse(value).success;
        if (isTrivyVulnerability(value)) expect(schemaAccepts).toBe(true);
        else refused += 1;
      }
      expect(refused).toBeGreaterThan(0);
    },
  );

  it('still reports a bad vulnerability with zod’s message and path', () => {
    const report = {
      SchemaVersion: 2,
      ArtifactName: 'app',
      Results: [{ Target: 'a', Vulnerabilities: [FIRST, { ...FIRST, Severity: 3 }] }],
    };
    const parse = () =>
      parseTrivyReport(report, { source: { tool: 'Trivy', reportFile: 'r.json' }, pathPrefix: '' });
    expect(parse).toThrow(ReportFormatError);
    expect(parse).toThrow(/Results\.0\.Vulnerabilities\.1\.Severity: /);
  });
});
