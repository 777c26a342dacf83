import { describe, expect, it } from 'vitest';
import {
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

  it('entity-encodes HTML', () => {
    expect(escapeHtml(`<script>"'&`)).toBe('&lt;script&gt;&quot;&#39;&amp;');
  });
});
