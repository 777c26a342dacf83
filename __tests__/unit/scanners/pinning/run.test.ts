import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type RawInputs } from '../../../../src/config/schema.js';
import { checkPinningFile } from '../../../../src/scanners/pinning/check-file.js';
import { classifyPinningFile } from '../../../../src/scanners/pinning/classify.js';
import { createPinningScanner } from '../../../../src/scanners/pinning/run.js';
import type { CommandRunner } from '../../../../src/util/command.js';
import { createMemoryLogger } from '../../../../src/util/logger.js';

const FIXTURE = join(__dirname, '../../../fixtures/pinning/repo');
const runner: CommandRunner = {
  run: () => Promise.reject(new Error('the pinning checker runs no command')),
};

let workspace: string;

beforeEach(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'pinning-'));
  await cp(FIXTURE, join(workspace, 'repo'), { recursive: true });
  // Directories git cannot hold (or ignores) are made here.
  for (const dir of ['repo/.git', 'repo/node_modules/x', 'outside'])
    await mkdir(join(workspace, dir), { recursive: true });
  for (const file of [
    'repo/.git/Dockerfile',
    'repo/node_modules/x/Dockerfile',
    'outside/Dockerfile',
  ]) {
    await writeFile(join(workspace, file), 'FROM alpine:3\n');
  }
  await symlink(join(workspace, 'outside'), join(workspace, 'repo/linked'));
});

afterEach(async () => {
  await rm(workspace, { recursive: true, force: true });
});

async function scan(inputs: RawInputs) {
  const config = parseConfig({ scanners: 'pinning', ...inputs });
  const logger = createMemoryLogger();
  return createPinningScanner().scan({ config, workspace, runner, logger, tempDir: workspace });
}

describe('createPinningScanner', () => {
  it('walks the scanned directory and reports every unpinned reference at its line', async () => {
    const outcome = await scan({
      'scan-ref': 'repo',
      'skip-dirs': 'vendor\ncharts/**',
      'pinning-severity': 'medium',
    });
    const found = outcome.findings.map(
      (f) => `${f.location?.path}:${f.location?.startLine} ${f.ruleId}`,
    );
    expect(found).toEqual([
      'repo/.github/workflows/ci.yml:8 unpinned-action-ref',
      'repo/.github/workflows/ci.yml:10 unpinned-docker-action',
      'repo/.github/workflows/ci.yml:12 unpinned-action-ref',
      'repo/deploy/k8s/app.yaml:10 unpinned-kubernetes-image',
      'repo/deploy/k8s/app.yaml:27 unpinned-kubernetes-image',
      'repo/docker-compose.yml:3 unpinned-compose-image',
      'repo/Dockerfile:4 unpinned-dockerfile-from',
      'repo/python/requirements.txt:5 unhashed-pip-requirement',
      'repo/services/api/Containerfile:1 unpinned-dockerfile-from',
    ]);
    expect(outcome).toMatchObject({
      scanner: 'pinning',
      tool: 'Security Gate pinning',
      target: 'repo',
    });
    expect(outcome.error).toBeUndefined();
    expect(new Set(outcome.findings.map((f) => f.severity))).toEqual(new Set(['MEDIUM']));
    expect(outcome.notes).toEqual([
      expect.stringContaining('could not parse repo/broken/compose.yaml:4'),
    ]);
  });

  it('skips nothing but .git and node_modules without skip-dirs (Helm templates stay silent)', async () => {
    const outcome = await scan({ 'scan-ref': 'repo' });
    const paths = new Set(outcome.findings.map((f) => f.location?.path));
    expect(paths.has('repo/vendor/third/Dockerfile')).toBe(true);
    expect([...paths].some((p) => /node_modules|\.git\/|linked|outside/.test(p ?? ''))).toBe(false);
    expect(outcome.notes).toHaveLength(1);
  });

  it('walks the workspace for image scans', async () => {
    const outcome = await scan({
      'scan-type': 'image',
      'scan-ref': 'alpine:3',
      'skip-dirs': 'repo',
    });
    expect(outcome.findings.map((f) => f.location?.path)).toEqual(['outside/Dockerfile']);
  });

  it('reports a missing directory as a scanner error', async () => {
    const outcome = await scan({ 'scan-ref': 'missing' });
    expect(outcome.error).toMatch(/^pinning: cannot read missing/);
  });
});

describe('classifyPinningFile', () => {
  it.each([
    ['Dockerfile', 'dockerfile'],
    ['dockerfile', 'dockerfile'],
    ['app/Dockerfile.prod', 'dockerfile'],
    ['app/prod.Dockerfile', 'dockerfile'],
    ['Containerfile', 'dockerfile'],
    ['Dockerfile.dockerignore', undefined],
    ['docker-compose.yml', 'compose'],
    ['docker-compose.override.yaml', 'compose'],
    ['deploy/compose.yaml', 'compose'],
    ['.github/workflows/ci.yml', 'workflow'],
    ['.github/actions/setup/action.yml', 'workflow'],
    ['action.yaml', 'workflow'],
    ['requirements.txt', 'requirements'],
    ['requirements-dev.txt', 'requirements'],
    ['ci/test.requirements.txt', 'requirements'],
    ['requirements/base.txt', 'requirements'],
    ['constraints.txt', undefined],
    ['k8s/deploy.yaml', 'kubernetes'],
    ['README.md', undefined],
  ])('%s → %s', (path, expected) => {
    expect(classifyPinningFile(path)).toBe(expected);
  });
});

describe('checkPinningFile', () => {
  it.each([
    ['workflow', 'jobs: [', true],
    ['kubernetes', 'apiVersion: v1\nkind: Pod\nspec: [', true],
    ['kubernetes', 'apiVersion: v1\nkind: Pod\nimage: {{ .Values.image }}\n  - x', false],
    ['kubernetes', 'just: [broken', false],
  ] as const)('a broken %s file %j gives a note: %s', (type, text, noted) => {
    const result = checkPinningFile(type, { path: 'f.yml', text, severity: 'HIGH' });
    expect(result.findings).toEqual([]);
    expect(result.note !== undefined).toBe(noted);
  });
});
