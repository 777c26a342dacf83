/**
 * Which kind of report a file given in `reports` is, from its content
 * (SPEC section 3, `reports`). Pure: the caller reads and parses the JSON.
 *
 * - Trivy JSON: an object with `SchemaVersion` and `ArtifactName` or `Results`.
 * - Grype JSON: an object with a `matches` array and `source` or `descriptor`.
 * - gitleaks JSON: an array of objects with `RuleID` (and `StartLine`/`File`).
 *   An empty array is taken as a gitleaks report with no leak: gitleaks
 *   writes `[]` when it finds nothing, and neither Trivy, Grype nor SARIF is
 *   ever a bare array, so this reading loses nothing.
 * - SARIF: an object with `version` "2.1.0" and a `runs` array.
 *
 * SBOMs (CycloneDX, SPDX) and anything else are refused with a message that
 * names the file and says what it is.
 */
import { ReportFormatError } from '../config/errors.js';
import type { ReportFormat } from '../scanners/types.js';

const ACCEPTED = 'accepted: Trivy JSON, Grype JSON, gitleaks JSON or SARIF 2.1.0';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isGitleaksEntry(value: unknown): boolean {
  return (
    isObject(value) && typeof value.RuleID === 'string' && ('StartLine' in value || 'File' in value)
  );
}

function refuseObject(json: Record<string, unknown>, file: string): never {
  if (json.bomFormat === 'CycloneDX') {
    throw new ReportFormatError(
      file,
      'is a CycloneDX SBOM, not a scan report; pass it as scan-ref with scan-type sbom',
    );
  }
  if (typeof json.spdxVersion === 'string') {
    throw new ReportFormatError(
      file,
      'is an SPDX SBOM, not a scan report; pass it as scan-ref with scan-type sbom',
    );
  }
  if ('runs' in json && typeof json.version === 'string') {
    // Only the version is echoed, and only when it looks like one: the file is untrusted.
    const version = /^[0-9][0-9a-z.-]{0,20}$/i.test(json.version) ? ` ${json.version}` : '';
    throw new ReportFormatError(file, `is SARIF${version}; only SARIF 2.1.0 is supported`);
  }
  throw new ReportFormatError(file, `is not a report this action reads (${ACCEPTED})`);
}

/** Detects the format of a parsed report; throws `ReportFormatError` naming the file otherwise. */
export function detectReportFormat(json: unknown, file: string): ReportFormat {
  if (Array.isArray(json)) {
    if (json.every(isGitleaksEntry)) return 'gitleaks-json';
    throw new ReportFormatError(
      file,
      `is a JSON array that is not a gitleaks report (${ACCEPTED})`,
    );
  }
  if (!isObject(json))
    throw new ReportFormatError(file, `is not a JSON object or array (${ACCEPTED})`);
  if (json.version === '2.1.0' && Array.isArray(json.runs)) return 'sarif';
  if ('SchemaVersion' in json && ('ArtifactName' in json || 'Results' in json)) return 'trivy-json';
  if (Array.isArray(json.matches) && ('source' in json || 'descriptor' in json))
    return 'grype-json';
  return refuseObject(json, file);
}
