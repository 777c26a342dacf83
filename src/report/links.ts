/**
 * Advisory links of findings. Every link the action writes (Markdown comment,
 * summary and report file, the HTML report's `href`s, and through
 * `markdownLink` the SARIF help text and the check run) gets its target from
 * `linkTarget` (`util/safe-text.ts`, where util's `markdownLink` reaches it
 * without importing report), so one rule decides what a link may point at
 * and how it is written. Pure.
 *
 * Scanner output names advisory URLs; a URL that passes a simple "https and
 * no whitespace" check can still hold `)`, `[`, `!`, `<`, `|` or quotes that
 * end a Markdown link target early and start an image, HTML or a new table
 * cell. So the target is parsed with `new URL` (its serialisation, not the
 * scanner's text), and every character outside a small safe set is
 * percent-encoded: what is left cannot end a Markdown link target, an HTML
 * attribute value, or a table cell.
 */
import type { Finding } from '../findings/finding.js';
import { linkTarget } from '../util/safe-text.js';

/** Advisory hosts whose links we render; any other URL from a scanner stays plain text. */
export const ADVISORY_HOSTS: ReadonlySet<string> = new Set([
  'avd.aquasec.com',
  'nvd.nist.gov',
  'github.com',
  'osv.dev',
  'security-tracker.debian.org',
  'ubuntu.com',
  'access.redhat.com',
  'www.cve.org',
  'cve.mitre.org',
]);

/**
 * The advisory link of a finding: NVD for CVE ids, GitHub for GHSA ids, else
 * the scanner's primary URL when it is on an advisory host. Always a
 * `linkTarget`, safe to write as is.
 */
export function advisoryUrl(finding: Finding): string | undefined {
  if (/^CVE-\d{4}-\d{4,}$/.test(finding.ruleId)) {
    return linkTarget(`https://nvd.nist.gov/vuln/detail/${finding.ruleId}`);
  }
  if (/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/.test(finding.ruleId)) {
    return linkTarget(`https://github.com/advisories/${finding.ruleId}`);
  }
  return linkTarget(finding.primaryUrl, { hosts: ADVISORY_HOSTS });
}
