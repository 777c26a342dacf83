/**
 * The workflows the README (and docs/) show work as written: they parse, pin
 * every third-party action to a SHA from action-pins.json, pass this action
 * only inputs that action.yml declares, and declare their permissions.
 * actionlint is not run: no npm build of it is installed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** The placeholder the README uses for this action (or `./` inside this repository). */
const SELF = /^(?:\.\/?|OWNER\/security-gate@(?:<sha>|[0-9a-f]{40}))$/;

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: unknown;
  uses?: string;
  steps?: Step[];
}
interface Workflow {
  on?: unknown;
  permissions?: unknown;
  jobs: Record<string, Job>;
}

function markdownFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return markdownFiles(file);
    return name.endsWith('.md') ? [file] : [];
  });
}

/** Every ```yaml block with its file and line. */
function yamlBlocks(file: string): Array<{ where: string; text: string }> {
  const blocks: Array<{ where: string; text: string }> = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    if (!/^```ya?ml\s*$/.test(lines[i] ?? '')) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? '')) end += 1;
    blocks.push({ where: `${file}:${start}`, text: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

/**
 * The approved pins: the shared action-pins.json where it exists (the
 * project's workspace), else the pins of this repository's own workflows,
 * which Dependabot keeps current.
 */
const PINS_FILE = '/work/shared/action-pins.json';

function pinsFromWorkflows(): Map<string, { tag: string; sha: string }> {
  const pins = new Map<string, { tag: string; sha: string }>();
  for (const file of readdirSync('.github/workflows')) {
    const text = readFileSync(path.join('.github/workflows', file), 'utf8');
    for (const m of text.matchAll(
      /uses: ([\w.-]+\/[\w.-]+)(?:\/[\w./-]+)?@([0-9a-f]{40}) # (v[\w.-]+)/g,
    )) {
      pins.set((m[1] ?? '').toLowerCase(), { sha: m[2] ?? '', tag: m[3] ?? '' });
    }
  }
  return pins;
}

function approvedPins(): Map<string, { tag: string; sha: string }> {
  if (!existsSync(PINS_FILE)) return pinsFromWorkflows();
  const pins = JSON.parse(readFileSync(PINS_FILE, 'utf8')) as Record<
    string,
    { tag: string; sha: string } | string
  >;
  return new Map(
    Object.entries(pins).flatMap(([repo, pin]) =>
      typeof pin === 'string' ? [] : [[repo.toLowerCase(), pin] as const],
    ),
  );
}
const pinnedShas = approvedPins();
const action = parse(readFileSync('action.yml', 'utf8')) as { inputs: Record<string, unknown> };
const inputs = new Set(Object.keys(action.inputs));

const sources = ['README.md', ...markdownFiles('docs')];
const blocks = sources.flatMap(yamlBlocks);
const workflows = blocks
  .map((block) => ({ ...block, doc: parse(block.text) as unknown }))
  .filter(
    (b): b is { where: string; text: string; doc: Workflow } =>
      typeof b.doc === 'object' && b.doc !== null && 'jobs' in b.doc,
  );

function usesOf(workflow: Workflow): Array<{ uses: string; step?: Step; line: string }> {
  return Object.values(workflow.jobs).flatMap((job) => [
    ...(job.uses ? [{ uses: job.uses, line: job.uses }] : []),
    ...(job.steps ?? []).flatMap((step) =>
      step.uses ? [{ uses: step.uses, step, line: '' }] : [],
    ),
  ]);
}

describe('README workflows', () => {
  it('are found (the README shows a dozen)', () => {
    expect(workflows.length).toBeGreaterThanOrEqual(12);
  });

  it('every yaml block parses', () => {
    for (const block of blocks) expect(() => parse(block.text), block.where).not.toThrow();
  });

  describe.each(workflows.map((w) => [w.where, w] as const))('%s', (where, workflow) => {
    it('pins third-party actions to a SHA from action-pins.json, with its tag in a comment', () => {
      for (const { uses } of usesOf(workflow.doc)) {
        if (SELF.test(uses)) continue;
        const match = /^([\w.-]+\/[\w.-]+)(\/[\w./-]+)?@([0-9a-f]{40})$/.exec(uses);
        expect(match, `${where}: ${uses} is not pinned to a full SHA`).not.toBeNull();
        const pin = pinnedShas.get((match?.[1] ?? '').toLowerCase());
        expect(pin?.sha, `${where}: ${uses} is not in action-pins.json`).toBe(match?.[3]);
        const escaped = uses.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        expect(workflow.text, `${where}: ${uses} needs '# ${pin?.tag}'`).toMatch(
          new RegExp(`${escaped} # ${pin?.tag?.replace(/\./g, '\\.')}\\b`),
        );
      }
    });

    it('refers to this action through the documented placeholder, tagged # v1', () => {
      for (const { uses } of usesOf(workflow.doc)) {
        if (!uses.startsWith('OWNER/')) continue;
        expect(uses, where).toMatch(SELF);
        expect(workflow.text).toMatch(/OWNER\/security-gate@<sha> # v1\b/);
      }
    });

    it('passes this action only inputs declared in action.yml', () => {
      for (const { uses, step } of usesOf(workflow.doc)) {
        if (!SELF.test(uses)) continue;
        for (const key of Object.keys(step?.with ?? {})) {
          expect(inputs.has(key), `${where}: unknown input '${key}'`).toBe(true);
        }
      }
    });

    it('declares permissions: contents: read at the top, and job permissions explicitly', () => {
      expect(workflow.doc.permissions, where).toEqual({ contents: 'read' });
      for (const [name, job] of Object.entries(workflow.doc.jobs)) {
        expect(job.permissions, `${where}: job ${name}`).toBeTypeOf('object');
      }
    });

    it('has a trigger and runnable jobs', () => {
      expect(workflow.doc.on, where).toBeDefined();
      for (const [name, job] of Object.entries(workflow.doc.jobs)) {
        expect(job.steps?.length ?? (job.uses ? 1 : 0), `${where}: job ${name}`).toBeGreaterThan(0);
      }
    });
  });

  it("this repository's own workflows use the same pins as the README", () => {
    for (const [repo, pin] of pinsFromWorkflows()) {
      expect(pinnedShas.get(repo), repo).toEqual(pin);
    }
  });

  it('the Quick start keeps its two commands', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain('npm ci && npm run example');
    expect(readme).toContain('npm ci && npm test');
  });

  it('the screenshots it shows exist', () => {
    const readme = readFileSync('README.md', 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+\.png)\)/g)].map((m) => m[1] ?? '');
    expect(images).toEqual(['docs/images/pr-comment.png', 'docs/images/job-summary.png']);
    for (const image of images) expect(statSync(image).size, image).toBeGreaterThan(10_000);
  });
});
