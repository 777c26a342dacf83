/**
 * Every warning the action can print has an entry in the README's
 * Troubleshooting section. The messages are read from the source, so a new
 * warning without an entry fails here:
 *
 * - literal messages at their call site (`logger.warning(`…`)`, `warn(`…`)`,
 *   `warn?.(…)`) and the `warning: '…'` lines the upload returns are found
 *   by a scan of src/; the first words of each (its text before the first
 *   interpolated value, or the first plain text after it) must appear in
 *   the section;
 * - messages built elsewhere and passed on in a variable are listed below,
 *   each with a fragment that must be in src/ (so the list cannot go stale)
 *   and in the section;
 * - every call site that passes a variable must either forward a parameter
 *   of its own function (a `warn` callback, a logger adapter) or sit in a
 *   file the list covers, so a new kind of indirect warning needs an entry.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [file] : [];
  });
}

const files = sourceFiles(path.join(ROOT, 'src')).map((file) => ({
  name: path.relative(ROOT, file).split(path.sep).join('/'),
  text: readFileSync(file, 'utf8'),
}));
const allSource = files.map((f) => f.text).join('\n');

/** The Troubleshooting section, with Markdown's backticks and repeated spaces removed. */
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const sectionStart = readme.indexOf('\n## Troubleshooting\n');
const sectionEnd = readme.indexOf('\n## ', sectionStart + 1);
const troubleshooting = normalise(readme.slice(sectionStart, sectionEnd));

function normalise(text: string): string {
  return text.replace(/`/g, '').replace(/\s+/g, ' ');
}

/**
 * Warnings whose text is built away from the call that prints it: the file
 * of that call, and a fragment of each message that can reach it.
 */
const INDIRECT: Record<string, string[]> = {
  // concludeStep raises the verdict's message (src/conclusion.ts).
  'src/main.ts': ['Security Gate passed with warnings:'],
  // logRunReport: one warning per waiver that needs action (src/report/console.ts).
  'src/conclusion.ts': ['expired on', 'within 14 days'],
  // logCacheProblem(logger, error, `…`): the record's cache restore and save.
  'src/baseline/sources.ts': [
    'Baseline: could not restore the record of',
    'Baseline: could not save the record of',
  ],
  // `const line = …` before logger.warning(line).
  'src/install/db-cache.ts': [
    'Trivy could not download its vulnerability database from',
    'database cache',
    'Could not restore the',
    'Could not save the',
  ],
  'src/github/publish.ts': [
    // noticeNoPullRequest's line.
    'No open pull request has head',
    // s.warn(upload.warning): the `warning:` lines of src/github/upload.ts (scanned below),
    // describeProcessing's, and what describeGitHubError (src/github/errors.ts) adds to
    // every channel's line.
    'Code scanning could not process the SARIF',
    'Code scanning reported problems with the SARIF',
    'This pull request comes from a fork, so its token is read-only whatever the workflow grants',
    "whose token is read-only unless the workflow's",
    'the token was rejected',
    'GitHub rate limit still exceeded after waiting',
  ],
};

/** Call sites that print a warning: `.warning(`, `warn(`, `warn?.(`; declarations excluded. */
const CALL = /(?:\.warning|\bwarn)(?:\?\.)?\(/g;

interface CallSite {
  file: string;
  line: number;
  /** The text right after the opening parenthesis. */
  rest: string;
  /** The source just before the call (its enclosing function's head, usually). */
  before: string;
}

function callSites(): CallSite[] {
  return files.flatMap(({ name, text }) =>
    [...text.matchAll(CALL)].flatMap((m) => {
      const at = m.index ?? 0;
      const rest = text.slice(at + m[0].length);
      // `warning(message: string, …): void;` declares, it does not call.
      if (/^\s*\w+\s*:\s*string\b/.test(rest)) return [];
      return [
        {
          file: name,
          line: text.slice(0, at).split('\n').length,
          rest,
          before: text.slice(Math.max(0, at - 400), at),
        },
      ];
    }),
  );
}

/** The string or template literal at the start of `text`, as its plain-text parts. */
function literalParts(text: string): string[] | undefined {
  const trimmed = text.replace(/^\s+/, '');
  const quote = trimmed[0];
  if (quote !== '`' && quote !== "'" && quote !== '"') return undefined;
  const parts: string[] = [];
  let current = '';
  for (let i = 1; i < trimmed.length; i += 1) {
    const ch = trimmed[i] ?? '';
    if (ch === '\\') {
      current += trimmed[i + 1] ?? '';
      i += 1;
    } else if (ch === quote) {
      parts.push(current);
      return parts;
    } else if (quote === '`' && ch === '$' && trimmed[i + 1] === '{') {
      parts.push(current);
      current = '';
      let depth = 0;
      for (i += 1; i < trimmed.length; i += 1) {
        if (trimmed[i] === '{') depth += 1;
        else if (trimmed[i] === '}' && --depth === 0) break;
      }
    } else {
      current += ch;
    }
  }
  return undefined;
}

/**
 * The words that name a message: its first plain part of some length, up
 * to the first backtick, quote, parenthesis or full stop, at most ~60
 * characters (cut at a word).
 */
function fragmentOf(parts: string[]): string | undefined {
  for (const part of parts) {
    let text = part.split(/[`'"(]|\.(?:\s|$)/)[0]?.trim() ?? '';
    if (text.length > 60) text = text.slice(0, 60).replace(/\s+\S*$/, '');
    text = text.replace(/[:;,]$/, '').trim();
    if (text.length >= 12) return text;
  }
  return undefined;
}

/** `warning: '…'` / `warning: \`…\`` result fields (src/github/upload.ts). */
function warningFields(): Array<{ file: string; fragment: string }> {
  return files.flatMap(({ name, text }) =>
    [...text.matchAll(/^\s*warning:\s*(?=[`'"])/gm)].flatMap((m) => {
      const parts = literalParts(text.slice((m.index ?? 0) + m[0].length));
      const fragment = parts && fragmentOf(parts);
      return fragment === undefined ? [] : [{ file: name, fragment }];
    }),
  );
}

/** True when the call passes on a parameter of its own function, e.g. `(message) => logger.warning(message)`. */
function forwardsParameter(site: CallSite): boolean {
  const arg = /^\s*([A-Za-z_$][\w$]*)\s*[,)]/.exec(site.rest)?.[1];
  if (arg === undefined) return false;
  // `(arg)`, `(arg: string): void`, `(a, arg: string)` … followed by `=>` or `{`: a parameter list.
  const signature = new RegExp(
    `[(,]\\s*${arg}\\s*(?::[^,)]*)?(?:,[^)]*)?\\)\\s*(?::[^={;]*)?(?:=>|\\{)`,
  );
  return signature.test(site.before.split('\n').slice(-6).join('\n'));
}

function expectEntry(fragment: string): void {
  expect(
    troubleshooting.includes(normalise(fragment)),
    `README's Troubleshooting has no entry for "${fragment}…"`,
  ).toBe(true);
}

const sites = callSites();

describe('Troubleshooting covers every warning', () => {
  it('finds the warnings in src/ (a scan that finds nothing proves nothing)', () => {
    expect(sites.length).toBeGreaterThanOrEqual(10);
    expect(warningFields().length).toBeGreaterThanOrEqual(4);
    expect(troubleshooting.length).toBeGreaterThan(2000);
  });

  it.each(
    sites.flatMap((site) => {
      const parts = literalParts(site.rest);
      const fragment = parts && fragmentOf(parts);
      return fragment === undefined ? [] : [[`${site.file}:${site.line}`, fragment] as const];
    }),
  )('%s: "%s…"', (_where, fragment) => {
    expectEntry(fragment);
  });

  it.each(warningFields().map((f) => [f.file, f.fragment] as const))(
    '%s returns "%s…"',
    (_file, fragment) => {
      expectEntry(fragment);
    },
  );

  it.each(
    Object.entries(INDIRECT).flatMap(([file, texts]) => texts.map((t) => [file, t] as const)),
  )('%s prints "%s…"', (_file, fragment) => {
    expect(allSource, 'the fragment is no longer in src/: update INDIRECT').toContain(fragment);
    expectEntry(fragment);
  });

  it('every warning passed on in a variable is a forwarded parameter or listed in INDIRECT', () => {
    const unlisted = sites
      .filter((site) => literalParts(site.rest) === undefined)
      .filter((site) => !site.file.startsWith('src/util/'))
      .filter((site) => !forwardsParameter(site))
      .filter((site) => !(site.file in INDIRECT))
      .map((site) => `${site.file}:${site.line}`);
    expect(
      unlisted,
      'these print a message built elsewhere: add its fragments to INDIRECT and an entry to the README',
    ).toEqual([]);
  });
});
