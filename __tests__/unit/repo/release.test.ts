/**
 * The release workflow proves dist/ is a build of the tag and attaches an SBOM
 * of the action's production dependencies; the SBOM commands it runs work here.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: { push?: { tags?: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = parse(readFileSync('.github/workflows/release.yml', 'utf8')) as Workflow;
const jobs = Object.entries(workflow.jobs);
const runs = (job: Job): string[] => job.steps.flatMap((s) => (s.run ? [s.run] : []));
const jobRunning = (pattern: RegExp): [string, Job] | undefined =>
  jobs.find(([, job]) => runs(job).some((r) => pattern.test(r)));

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

interface CycloneDx {
  bomFormat: string;
  metadata: { component: { name: string } };
  components: Array<{ name: string; version: string; purl?: string }>;
}

function npmSbom(args: string[]): string {
  return execFileSync('npm', ['sbom', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('release workflow', () => {
  it('runs on version tags with read-only top-level permissions', () => {
    expect(workflow.on.push?.tags).toEqual(['v*.*.*']);
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  it('checks dist/ against a build of the tag after npm ci', () => {
    const found = jobRunning(/node scripts\/check-dist\.mjs/);
    expect(found).toBeDefined();
    const steps = runs(found![1]);
    const ci = steps.findIndex((r) => /^npm ci\b/.test(r.trim()));
    const check = steps.findIndex((r) => r.includes('scripts/check-dist.mjs'));
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(check).toBeGreaterThan(ci);
  });

  it('builds the SBOM of the production dependencies and attaches it to the release', () => {
    const sbomJob = jobRunning(/node scripts\/sbom\.mjs --format (cyclonedx|spdx)/);
    expect(sbomJob).toBeDefined();
    const upload = jobRunning(/gh release upload "\$TAG" release\/\*\.cdx\.json/);
    expect(upload).toBeDefined();
    // Only the job that writes to the release holds contents: write.
    for (const [name, job] of jobs) {
      const writes = job.permissions?.contents === 'write';
      expect(writes, name).toBe(name === upload![0]);
    }
    expect(upload![1].needs).toBe(sbomJob![0]);
  });

  it('moves the major tag, but not for pre-releases', () => {
    const move = jobRunning(/git\/refs\/tags\/\$major/);
    expect(move).toBeDefined();
    const script = runs(move![1]).find((r) => r.includes('$major')) ?? '';
    expect(script).toContain('major="${TAG%%.*}"');
    expect(script).toMatch(/\*-\*[\s\S]*exit 0/);
  });
});

describe('SBOM of the production dependencies', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sg-release-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('npm sbom --omit dev lists production dependencies such as zod and no dev dependency', () => {
    const sbom = JSON.parse(npmSbom(['--omit', 'dev', '--sbom-format', 'cyclonedx'])) as CycloneDx;
    const names = new Set(sbom.components.map((c) => c.name));
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(names.has('zod')).toBe(true);
    for (const dev of ['vitest', 'eslint', 'typescript', 'esbuild', 'prettier']) {
      expect(names.has(dev), dev).toBe(false);
    }
  }, 60_000);

  it('scripts/sbom.mjs (what the release runs) lists every production dependency, no dev or optional one', () => {
    const out = path.join(dir, 'sbom.cdx.json');
    execFileSync(process.execPath, ['scripts/sbom.mjs', '--format', 'cyclonedx', '--out', out], {
      stdio: 'pipe',
    });
    const sbom = JSON.parse(readFileSync(out, 'utf8')) as CycloneDx;
    const byName = new Map(sbom.components.map((c) => [c.name, c]));
    expect(sbom.metadata.component.name).toBe('security-gate');
    // yaml, picomatch and semver are also used by dev tools: plain `npm sbom --omit dev` drops them.
    for (const [name, version] of Object.entries(pkg.dependencies)) {
      expect(byName.get(name)?.version, name).toBe(version);
    }
    expect(byName.get('zod')?.purl).toBe(`pkg:npm/zod@${pkg.dependencies.zod}`);
    for (const name of Object.keys(pkg.devDependencies)) expect(byName.has(name), name).toBe(false);
    expect(byName.has('@cyclonedx/cdxgen-plugins-bin-linux-amd64')).toBe(false);
  }, 60_000);

  it('scripts/sbom.mjs writes SPDX too', () => {
    const out = path.join(dir, 'sbom.spdx.json');
    execFileSync(process.execPath, ['scripts/sbom.mjs', '--format', 'spdx', '--out', out], {
      stdio: 'pipe',
    });
    const sbom = JSON.parse(readFileSync(out, 'utf8')) as {
      spdxVersion: string;
      packages: Array<{ name: string }>;
    };
    expect(sbom.spdxVersion).toMatch(/^SPDX-2\./);
    expect(sbom.packages.some((p) => p.name === 'zod')).toBe(true);
    expect(sbom.packages.some((p) => p.name === 'vitest')).toBe(false);
  }, 60_000);
});
