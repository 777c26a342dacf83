import { describe, expect, it } from 'vitest';
import {
  linkTarget,
  escapeHtml,
  escapeMarkdown,
  isSafeHttpsUrl,
  markdownCode,
  markdownLink,
  sanitizeLogText,
} from '../../../src/util/safe-text.js';

describe('sanitizeLogText', () => {
  it.each([
    '::set-output name=verdict::pass',
    '::add-mask::x',
    'prefix ::error file=a::boom',
    '##[set-output name=x;]y',
    'line1\r\n::warning::injected',
  ])('leaves no workflow command in %j', (text) => {
    const safe = sanitizeLogText(text);
    for (const line of safe.split('\n')) {
      expect(line).not.toMatch(/::/);
      expect(line).not.toMatch(/##\[/);
    }
  });
});

describe('escapeMarkdown', () => {
  it.each([
    ['<img src=x onerror=alert(1)>', /<img/],
    ['[click](https://evil.example)', /\]\(/],
    ['@octocat please look', /@octocat/],
    ['fixes #123', /#123/],
    ['https://evil.example/path', /https:\/\//],
    ['**bold** _it_ `code`', /\*\*bold\*\*/],
    ['| a | b |', /(^|[^\\])\|/],
    ['line1\nline2', /\n/],
    ['www.evil.example', /www\.evil/],
  ])('neutralises %j', (text, forbidden) => {
    expect(escapeMarkdown(text)).not.toMatch(forbidden);
  });

  // What GitHub's autolinker would see: the rendered text with our backslash escapes gone.
  const rendered = (markdown: string): string => markdown.replace(/\\(.)/g, '$1');
  /** What a reader sees: escapes gone and entities decoded. */
  const readsAs = (markdown: string): string =>
    rendered(markdown)
      .replace(/&#58;/g, ':')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
  /** GitHub's commit-SHA and `GH-n` reference patterns, on the rendered text. */
  const linkable = (text: string): boolean =>
    /(?<![0-9A-Za-z_])[0-9a-f]{7,40}(?![0-9A-Za-z_])/i.test(text) || /\bGH-\d/i.test(text);

  it.each([
    ['a bare short SHA', 'fixed in 1a2b3c4'],
    ['a full SHA', 'see ffac537e6cbbf934b08745a378932722df287a53 for the fix'],
    ['a SHA in parentheses', '(deadbeefcafe)'],
    ['a SHA after a mention', '@octocat/repo@1a2b3c4d'],
    ['a SHA range', '1a2b3c4...5d6e7f8'],
    ['a digits-only run', 'build 20240101 broke'],
    ['an upper-case SHA', 'commit DEADBEEF1'],
    ['a GH reference', 'duplicate of GH-12'],
    ['a lower-case gh reference', 'see gh-1234.'],
  ])('%s is not autolinked: %j', (_what, text) => {
    expect(linkable(text)).toBe(true);
    const escaped = escapeMarkdown(text);
    expect(linkable(rendered(escaped))).toBe(false);
    // Only invisible characters were added: it reads the same.
    expect(readsAs(escaped).replace(/[\u200b\u2060]/g, '')).toBe(text);
  });

  it('defuses the commit in a Go pseudo-version but keeps its timestamp whole', () => {
    expect(escapeMarkdown('v0.0.0-20210101123456-abcdef123456')).toBe(
      'v0.0.0-20210101123456-abcdef\u2060123456',
    );
  });

  it.each([
    'CVE-2021-44228',
    'CVE-2019-1010022',
    'GHSA-jfh8-c2jp-5v3q',
    '1.2.3',
    '2.4.52-1ubuntu4.3',
    '1:2.30-2+deb10u1',
    'openssl 1.1.1k',
    'sha256 digest 3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a',
    'high-1',
  ])('keeps %j readable and whole', (text) => {
    const escaped = escapeMarkdown(text);
    expect(escaped).not.toMatch(/[\u200b\u2060]/);
    expect(readsAs(escaped)).toBe(text);
  });

  it('clips long text', () => {
    expect(escapeMarkdown('a'.repeat(5000), 100).length).toBeLessThanOrEqual(100);
  });
});

describe('markdownCode / markdownLink / escapeHtml', () => {
  it('keeps backticks and pipes from breaking a code span in a table', () => {
    const code = markdownCode('a`b|c');
    expect(code.slice(1, -1)).not.toContain('`');
    expect(code).toContain('\\|');
  });

  it('only links https URLs', () => {
    expect(markdownLink('x', 'javascript:alert(1)')).toBe('x');
    expect(markdownLink('x', 'https://nvd.nist.gov/vuln/detail/CVE-2021-44228')).toBe(
      '[x](https://nvd.nist.gov/vuln/detail/CVE-2021-44228)',
    );
    expect(isSafeHttpsUrl('https://user:pw@example.com')).toBe(false);
  });

  it('links a URL with credentials as plain text only', () => {
    expect(markdownLink('x', 'https://u:p@github.com/x')).toBe('x');
    expect(isSafeHttpsUrl('https://u:p@github.com/x')).toBe(false);
    expect(isSafeHttpsUrl('https://github.com/a b')).toBe(false);
    expect(isSafeHttpsUrl('https://github.com/advisories/GHSA-xxxx')).toBe(true);
  });

  it("links the action's own URLs on a GitHub Enterprise Server with a port", () => {
    const run = 'https://ghe.example.com:8443/octo/app/actions/runs/42';
    const alerts = 'https://ghe.example.com:8443/octo/app/security/code-scanning?query=pr%3A7';
    expect(linkTarget(run)).toBe(run);
    expect(linkTarget(alerts)).toBe(alerts);
    expect(markdownLink('workflow run', run)).toBe(`[workflow run](${run})`);
    expect(isSafeHttpsUrl(run)).toBe(true);
  });

  it('refuses a port under a host policy: an allowed host on another port is another service', () => {
    const hosts = new Set(['github.com']);
    expect(linkTarget('https://github.com:8443/advisories/x', { hosts })).toBeUndefined();
    expect(markdownLink('x', 'https://github.com:8443/advisories/x', { hosts })).toBe('x');
    // The default port written out is no port.
    expect(linkTarget('https://github.com:443/advisories/x', { hosts })).toBe(
      'https://github.com/advisories/x',
    );
  });

  it('keeps to the allow-list it is given', () => {
    const hosts = new Set(['nvd.nist.gov']);
    expect(markdownLink('x', 'https://evil.example/x', { hosts })).toBe('x');
    expect(markdownLink('x', 'https://nvd.nist.gov/x', { hosts })).toBe(
      '[x](https://nvd.nist.gov/x)',
    );
  });

  it('entity-encodes HTML', () => {
    expect(escapeHtml(`<script>"'&`)).toBe('&lt;script&gt;&quot;&#39;&amp;');
  });
});

/** URLs a scanner or a payload could carry, built to end a link target, a cell or an attribute early. */
const HOSTILE_URLS: Array<[string, string, string | undefined]> = [
  [
    'a closing paren and an image',
    'https://nvd.nist.gov/x)![img](https://evil.example/p.png)',
    'https://nvd.nist.gov/x%29%21%5Bimg%5D%28https://evil.example/p.png%29',
  ],
  ['a table pipe', 'https://github.com/a|b', 'https://github.com/a%7Cb'],
  ['brackets', 'https://github.com/[x](y)', 'https://github.com/%5Bx%5D%28y%29'],
  ['quotes', `https://github.com/a"on'x`, 'https://github.com/a%22on%27x'],
  ['HTML', 'https://github.com/<script>', 'https://github.com/%3Cscript%3E'],
  ['a backtick', 'https://github.com/`x`', 'https://github.com/%60x%60'],
  ['a space', 'https://github.com/a b', 'https://github.com/a%20b'],
  ['a line break', 'https://github.com/a\n)b', 'https://github.com/a%29b'],
  ['a bad escape', 'https://github.com/%zz%41', 'https://github.com/%25zz%41'],
  ['an angle-bracket autolink', '<https://github.com/x>', undefined],
  ['javascript:', 'javascript:alert(1)', undefined],
  ['data:', 'data:text/html,<script>alert(1)</script>', undefined],
  ['plain http', 'http://github.com/x', undefined],
  ['credentials', 'https://u:p@github.com/x', undefined],
  ['no scheme', '//github.com/x', undefined],
];

describe('one link encoder: linkTarget and markdownLink', () => {
  it.each(HOSTILE_URLS)('%s', (_label, url, expected) => {
    expect(linkTarget(url)).toBe(expected);
    const link = markdownLink('advisory', url);
    if (expected === undefined) {
      expect(link).toBe('advisory');
      return;
    }
    expect(link).toBe(`[advisory](${expected})`);
    // Nothing in the target can end it, open markup, or split a table cell.
    expect(expected).toMatch(/^https:\/\/[A-Za-z0-9\-._~:/?#&=+,;@%]*$/);
  });
});
