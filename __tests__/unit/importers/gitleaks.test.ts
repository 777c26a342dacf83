import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReportFormatError } from '../../../src/config/errors.js';
import { importGitleaksReport } from '../../../src/importers/gitleaks.js';

const SHARED = path.resolve(__dirname, '../../fixtures/shared/gitleaks');

interface RawLeak {
  RuleID: string;
  File: string;
  StartLine: number;
  EndLine: number;
  Secret: string;
  Match: string;
  Author: string;
  Email: string;
}

const read = (name: string): RawLeak[] =>
  JSON.parse(readFileSync(path.join(SHARED, name), 'utf8')) as RawLeak[];

describe('importGitleaksReport', () => {
  it.each(['report-simple.json', 'baseline-real-redacted.json', 'report-empty.json'])(
    'imports every leak of %s',
    (name) => {
      const raw = read(name);
      const outcome = importGitleaksReport(raw, name);
      expect(outcome.format).toBe('gitleaks-json');
      expect(outcome.file).toBe(name);
      expect(outcome.findings).toHaveLength(raw.length);
      outcome.findings.forEach((finding, index) => {
        const leak = raw[index] as RawLeak;
        expect(finding).toMatchObject({
          id: '',
          kind: 'secret',
          ruleId: leak.RuleID,
          severity: 'HIGH',
          tools: ['gitleaks'],
          source: { tool: 'gitleaks', reportFile: name },
        });
        expect(finding.location?.path).toBe(leak.File);
        expect(finding.location?.startLine).toBe(leak.StartLine);
        expect(finding.location?.endLine).toBe(leak.EndLine);
        expect(finding.maskedExcerpt).toBeUndefined();
      });
    },
  );

  it.each(['report-simple.json', 'baseline-real-redacted.json'])(
    'copies no secret, match or author of %s anywhere',
    (name) => {
      const raw = read(name);
      const text = JSON.stringify(importGitleaksReport(raw, name));
      for (const leak of raw) {
        for (const value of [leak.Secret, leak.Match, leak.Author, leak.Email]) {
          expect(text).not.toContain(value);
        }
      }
    },
  );

  it.each([
    [
      'a SARIF file',
      JSON.parse(readFileSync(path.join(SHARED, 'report-simple.sarif'), 'utf8')) as unknown,
    ],
    ['an object', { RuleID: 'x' }],
    ['a leak without a file', [{ RuleID: 'x', StartLine: 1 }]],
  ])('refuses %s', (_label, json) => {
    expect(() => importGitleaksReport(json, 'leaks.json')).toThrow(ReportFormatError);
  });
});
