/**
 * The project follows the policy it enforces: workflows pinned by SHA with
 * least-privilege permissions, README in sync with action.yml, dist/ fresh.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const WORKFLOW_DIR = '.github/workflows';
const workflows = readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f));

interface Step {
  uses?: string;
}
interface Workflow {
  permissions?: unknown;
  jobs: Record<string, { steps?: Step[]; uses?: string; permissions?: unknown }>;
}

describe.each(workflows)('workflow %s', (file) => {
  const workflow = parse(readFileSync(`${WORKFLOW_DIR}/${file}`, 'utf8')) as Workflow;

  it('pins every third-party action to a full commit SHA', () => {
    const uses = Object.values(workflow.jobs).flatMap((job) => [
      ...(job.uses ? [job.uses] : []),
      ...(job.steps ?? []).flatMap((s) => (s.uses ? [s.uses] : [])),
    ]);
    for (const ref of uses) {
      if (ref.startsWith('./')) continue;
      expect(ref, `${file}: ${ref}`).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
    }
  });

  it('declares top-level permissions no wider than contents: read', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });
});

describe('README', () => {
  it('inputs and outputs tables match action.yml', () => {
    // Throws (exit 1) when they disagree.
    execFileSync(process.execPath, ['scripts/docs.mjs', '--check'], { stdio: 'pipe' });
  });
});

describe('dist/', () => {
  it('is a fresh build of src/', () => {
    execFileSync(process.execPath, ['scripts/check-dist.mjs'], { stdio: 'pipe' });
  }, 120_000);
});

describe('version', () => {
  it('src/version.ts matches package.json', async () => {
    const { SECURITY_GATE_VERSION } = await import('../../../src/version.js');
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(SECURITY_GATE_VERSION).toBe(pkg.version);
  });
});
