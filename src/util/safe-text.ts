/**
 * Making untrusted text (scanner output, file names, package names, rule
 * titles) harmless wherever it goes. Pure functions, no @actions/* import.
 *
 * - Logs: the runner reads any stdout line that starts with `::` (or the old
 *   `##[`) as a workflow command, so such sequences are broken up.
 * - Markdown (comments, summaries, reports): every character that could start
 *   markup is escaped, HTML is entity-encoded, and `@mentions`, `#123` and
 *   `GH-123` references, commit SHAs and bare URLs are defused so GitHub does
 *   not link them (a link is a cross-reference event on the target).
 * - HTML reports: entity-encoded.
 * - Link targets: `linkTarget`, the one encoder every Markdown link and
 *   HTML `href` goes through (see `report/links.ts`).
 */

const ZERO_WIDTH_SPACE = '\u200b';
/** Invisible and, unlike the zero-width space, never a line break: keeps ids on one line. */
const WORD_JOINER = '\u2060';

/**
 * GitHub links a bounded run of 7–40 hex digits as a commit SHA. Runs of
 * digits after a `-` are left alone: they are CVE numbers (`CVE-2019-1010022`),
 * Go pseudo-version timestamps and the like, which GitHub does not take for
 * a SHA there, and people copy them.
 */
const SHA_LIKE = /(?<![0-9A-Za-z_])(?!(?<=-)\d+(?![0-9A-Za-z_]))[0-9a-f]{7,40}(?![0-9A-Za-z_])/gi;
/** `GH-123` is GitHub's other issue reference form. */
const GH_REFERENCE = /\b(gh)-(?=\d)/gi;

/** Letters, digits and punctuation that can never start markup, a mention or a link. */
const PLAIN_TEXT = /^[A-Za-z0-9 .,;'/+=?%-]*$/;

/**
 * Makes a line safe to print to the runner's log: no workflow command can
 * start anywhere in it, and control characters (including the CR/LF that
 * would start a new line) are replaced.
 */
export function sanitizeLogText(text: string): string {
  return (
    text
      .replace(/\r\n?/g, '\n')
      // eslint-disable-next-line no-control-regex -- stripping control characters is the point
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '\uFFFD')
      .replace(/::/g, `:${ZERO_WIDTH_SPACE}:`)
      .replace(/##\[/g, `#${ZERO_WIDTH_SPACE}#[`)
  );
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Entity-encodes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch] ?? ch);
}

/**
 * Escapes untrusted text for GitHub-flavoured Markdown so that it renders as
 * the literal text: no emphasis, links, images, headings, HTML, tables
 * breaking, mentions, issue references or autolinked URLs. Newlines become
 * spaces (callers use it for single-line cells and list items).
 */
export function escapeMarkdown(text: string, maxLength = 2000): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const flat = text.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '');
  const clipped = flat.length > maxLength ? `${flat.slice(0, maxLength - 1)}…` : flat;
  // Fast path for the common case (package names, versions, ids): nothing to escape.
  if (PLAIN_TEXT.test(clipped) && !hasAutolink(clipped)) return clipped;
  return defuseReferences(
    clipped
      // HTML first, so the entities we add later are not double-encoded.
      .replace(/[&<>"]/g, (ch) => HTML_ENTITIES[ch] ?? ch)
      // Markdown punctuation that can open markup anywhere in a line.
      // (`-`, `+`, `=`, `!` only matter at the start of a line or before `[`, which callers never give us.)
      .replace(/[\\`*_{}[\]()|~$]/g, (ch) => `\\${ch}`)
      // GitHub links mentions, `#123` references and URLs in the rendered
      // text, after Markdown escapes are gone; a zero-width space inside the
      // token is what stops it.
      .replace(/([@#])/g, `$1${ZERO_WIDTH_SPACE}`)
      .replace(/:\/\//g, `:/${ZERO_WIDTH_SPACE}/`)
      .replace(/:/g, '&#58;')
      .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZERO_WIDTH_SPACE}.`),
  );
}

/** Text GitHub would turn into a link although it holds no markup. */
function hasAutolink(text: string): boolean {
  SHA_LIKE.lastIndex = 0;
  GH_REFERENCE.lastIndex = 0;
  return /\bwww\./i.test(text) || SHA_LIKE.test(text) || GH_REFERENCE.test(text);
}

/**
 * Breaks `GH-123` references and SHA-like hex runs with an invisible word
 * joiner, every 6 digits of a run so that no piece is 7 long: the text reads
 * and renders the same, but GitHub links nothing.
 */
function defuseReferences(text: string): string {
  return text
    .replace(GH_REFERENCE, `$1${WORD_JOINER}-`)
    .replace(SHA_LIKE, (run) => run.replace(/.{6}(?=.)/g, `$&${WORD_JOINER}`));
}

/**
 * Text for inside a Markdown code span: backticks cannot end the span early
 * and newlines cannot break the table.
 */
export function markdownCode(text: string, maxLength = 200): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const flat = text.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '');
  const clipped = flat.length > maxLength ? `${flat.slice(0, maxLength - 1)}…` : flat;
  // A code span cannot contain its own fence; `|` would still split a table row.
  const body = clipped.replace(/`/g, "'").replace(/\|/g, '\\|');
  return `\`${body === '' ? ' ' : body}\``;
}

/** Which URLs may become links. */
export interface LinkPolicy {
  /**
   * Hosts allowed, on the default port only (for URLs a scanner supplied).
   * Omit only for URLs the action built itself (the run, the Security tab),
   * whose server — GitHub Enterprise Server among them — may have a port.
   */
  hosts?: ReadonlySet<string>;
}

/**
 * Characters a link target keeps as they are: unreserved ones and the URL
 * delimiters that mean nothing to Markdown or HTML. `%` stays only as the
 * start of an existing escape (checked separately).
 */
const SAFE_LINK_CHAR = /[A-Za-z0-9\-._~:/?#&=+,;@%]/;

function encodeUnsafe(href: string): string {
  // Fast path (hot in large reports): no `%` and nothing unsafe means nothing to encode.
  if (/^[A-Za-z0-9\-._~:/?#&=+,;@]*$/.test(href)) return href;
  let out = '';
  for (let i = 0; i < href.length; i += 1) {
    const ch = href[i] as string;
    const escapeStart = ch === '%' && /^%[0-9A-Fa-f]{2}/.test(href.slice(i, i + 3));
    if (ch !== '%' && SAFE_LINK_CHAR.test(ch)) out += ch;
    else if (escapeStart) out += ch;
    // `new URL` serialises to ASCII, so one byte per character here.
    else out += `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * The one link encoder (`report/links.ts` says why it lives in util): the
 * target to write for `url`, or undefined when it must stay plain text — not
 * an absolute https URL, credentials in it, or, under a host policy, a host
 * outside its allow-list or any port. The target is `new URL`'s serialisation,
 * not the caller's text, and contains no `()[]<>|"'`, backtick, whitespace
 * or anything outside `[A-Za-z0-9-._~:/?#&=+,;@%]`: it cannot end a
 * Markdown link target, an HTML attribute value or a table cell.
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
  const { hosts } = policy;
  // An allowed advisory host on another port is another service: not the advisory site.
  if (hosts !== undefined && (parsed.port !== '' || !hosts.has(parsed.hostname))) return undefined;
  return encodeUnsafe(parsed.href);
}

/**
 * A Markdown link whose text is escaped and whose target is `linkTarget`'s;
 * a URL `linkTarget` refuses renders as plain escaped text.
 */
export function markdownLink(label: string, url: string | undefined, policy?: LinkPolicy): string {
  const safeLabel = escapeMarkdown(label);
  const target = linkTarget(url, policy);
  return target === undefined ? safeLabel : `[${safeLabel}](${target})`;
}

/**
 * True for a URL that may be printed as a reference: one `linkTarget` would
 * link, written without whitespace (callers print the text itself, so the
 * spaces `new URL` would encode are refused here).
 */
export function isSafeHttpsUrl(url: string): boolean {
  return !/\s/.test(url) && linkTarget(url) !== undefined;
}

/** Truncates to at most `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}
