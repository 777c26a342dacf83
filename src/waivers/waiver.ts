/**
 * The one waiver model: entries of the waivers file, `.trivyignore` lines and
 * `.grype.yaml` ignore rules all become `Waiver`s, so their effect is applied
 * and reported the same way whichever scanner found the finding.
 */
import type { WaiverEntry } from '../report/view.js';

/** An accepted risk. Every criterion that is set must match; unset ones match anything. */
export interface Waiver {
  /** Vulnerability id, secret rule, misconfiguration id or pinning rule (compared with ruleId and aliases). */
  id?: string;
  /** Package name (exact). */
  package?: string;
  /** Glob on the finding's file path or target. */
  path?: string;
  reason: string;
  /** YYYY-MM-DD: from this date on the waiver no longer applies. Unset: never expires (scanner ignore files only). */
  expires?: string;
  approvedBy?: string;
  mitigation?: string;
  /** Where it was written: `.github/security-waivers.yml#3`, `.trivyignore:7`, `.grype.yaml#0`. */
  origin: string;
  /** Grype ignore rules only: package version (exact). */
  packageVersion?: string;
  /** Grype ignore rules only: package type (`npm`, `deb`, …). */
  packageType?: string;
  /** Grype ignore rules only: glob on the package's location (lockfile or in-image path). */
  packageLocation?: string;
  /** Grype ignore rules only: `fixed`, `not-fixed`, `wont-fix`, `unknown`. */
  fixState?: string;
  /**
   * Unset or true: `id` also matches the finding's aliases. False for Grype
   * rules without `include-aliases: true`: Grype then compares the
   * vulnerability's own id only.
   */
  matchAliases?: boolean;
  /**
   * Grype ignore rules only: scanner details the finding must carry in
   * `properties`, equal to the value or, for a list, containing it
   * (`namespace`, `matchTypes`). A finding without the property does not match.
   */
  findingProperties?: Record<string, string>;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD (`2026-02-30` is not one). */
export function isIsoDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

/** Whole days from `from` to `to` (both YYYY-MM-DD, UTC). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The report's view of a waiver. */
export function toWaiverEntry(waiver: Waiver, matched: number): WaiverEntry {
  return {
    id: waiver.id ?? describeCriteria(waiver),
    ...(waiver.package ? { package: waiver.package } : {}),
    ...(waiver.path ? { path: waiver.path } : {}),
    reason: waiver.reason,
    ...(waiver.expires ? { expires: waiver.expires } : {}),
    ...(waiver.approvedBy ? { approvedBy: waiver.approvedBy } : {}),
    ...(waiver.mitigation ? { mitigation: waiver.mitigation } : {}),
    origin: waiver.origin,
    matched,
  };
}

/** A waiver without an id (a Grype rule on a package, say) is named by what it matches. */
function describeCriteria(waiver: Waiver): string {
  const parts = [
    waiver.package && `package ${waiver.package}`,
    waiver.packageVersion && `version ${waiver.packageVersion}`,
    waiver.packageType && `type ${waiver.packageType}`,
    waiver.path && `path ${waiver.path}`,
    waiver.packageLocation && `location ${waiver.packageLocation}`,
    waiver.fixState && `fix-state ${waiver.fixState}`,
    ...Object.entries(waiver.findingProperties ?? {}).map(([key, value]) => `${key} ${value}`),
  ].filter((part): part is string => typeof part === 'string' && part !== '');
  return parts.length > 0 ? parts.join(', ') : '(any)';
}
