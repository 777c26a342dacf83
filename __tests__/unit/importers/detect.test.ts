import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ReportFormatError } from '../../../src/config/errors.js';
import { detectReportFormat } from '../../../src/importers/detect.js';
import { readSharedJson, SHARED_FIXTURES } from './fixture-findings.js';

const files = (readdirSync(SHARED_FIXTURES, { recursive: true }) as string[])
  .filter((f) => /\.(json|sarif)$/.test(f))
  .sort();
const sboms = files.filter((f) => /\.(cdx|spdx)\.json$/.test(f));
const reports = files.filter((f) => !sboms.includes(f));

function expectedFormat(file: string): string {
  if (file.endsWith('.sarif')) return 'sarif';
  if (file.startsWith('trivy/')) return 'trivy-json';
  if (file.startsWith('grype/')) return 'grype-json';
  return 'gitleaks-json';
}

describe('detectReportFormat', () => {
  it('sees every fixture (48 files, 3 SBOMs)', () => {
    expect(files).toHaveLength(48);
    expect(sboms).toHaveLength(3);
  });

  it.each(reports)('%s is detected from its content', (file) => {
    expect(detectReportFormat(readSharedJson(file), file)).toBe(expectedFormat(file));
  });

  it.each(sboms)('%s is refused by name as an SBOM', (file) => {
    const kind = file.includes('.cdx.') ? 'CycloneDX' : 'SPDX';
    expect(() => detectReportFormat(readSharedJson(file), file)).toThrow(ReportFormatError);
    expect(() => detectReportFormat(readSharedJson(file), file)).toThrow(
      `${file}: is ${kind === 'SPDX' ? 'an' : 'a'} ${kind} SBOM, not a scan report; pass it as scan-ref with scan-type sbom`,
    );
  });

  it.each([
    [{ version: '2.0.0', runs: [] }, 'x.sarif: is SARIF 2.0.0; only SARIF 2.1.0 is supported'],
    [[{ foo: 1 }], 'x.sarif: is a JSON array that is not a gitleaks report'],
    [{ hello: 'world' }, 'x.sarif: is not a report this action reads'],
    ['text', 'x.sarif: is not a JSON object or array'],
  ])('refuses %j', (json, message) => {
    expect(() => detectReportFormat(json, 'x.sarif')).toThrow(message);
  });

  it('takes an empty array as a gitleaks report with no leak', () => {
    expect(detectReportFormat([], 'gitleaks.json')).toBe('gitleaks-json');
  });
});
