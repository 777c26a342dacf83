/**
 * Every link the reports render (Markdown comment, summary and report file,
 * the HTML report's `href`s) gets its target from `linkTarget`, so one rule
 * decides what a link may point at and how it is written. Pure.
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
 * Characters a link target keeps as they are: unreserved ones and the URL
 * delimiters that mean nothing to Markdown or HTML. `%` stays only as the
 * start of an existing escape (checked separately).
 */
const SAFE_CHAR = /[A-Za-z0-9\-._~:/?#&=+,;@%]/;

function encodeUnsafe(href: string): string {
  let out = '';
  for (let i = 0; i < href.length; i += 1) {
    const ch = href[i] as string;
    const escapeStart = ch === '%' && /^%[0-9A-Fa-f]{2}/.test(href.slice(i, i + 3));
    if (ch !== '%' && SAFE_CHAR.test(ch)) out += ch;
    else if (escapeStart) out += ch;
    // `new URL` serialises to ASCII, so one byte per character here.
    else out += `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Which URLs may become links. */
export interface LinkPolicy {
  /** Hosts allowed; omit only for URLs the action built itself (the run, the Security tab). */
  hosts?: ReadonlySet<string>;
}

/**
 * The target to write for `url`, or undefined when it must stay plain text:
 * not an absolute https URL, credentials in it, a port, or a host outside the
 * policy's allow-list. The result contains no `()[]<>|"'`, backtick,
 * whitespace or anything outside `[A-Za-z0-9-._~:/?#&=+,;@%]`.
 */
export function linkTarget(url: string | undefined, policy: LinkPolicy = {}): string | undefined {
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' || parsed.username !== '' || parsed.password !== '') {
    return undefined;
  }
  if (parsed.port !== '') return undefined;
  if (policy.hosts !== undefined && !policy.hosts.has(parsed.hostname)) return undefined;
  return encodeUnsafe(parsed.href);
}

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
