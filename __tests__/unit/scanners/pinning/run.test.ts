import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type RawInputs } from '../../../../src/config/schema.js';
import { checkPinningFile } from '../../../../src/scanners/pinning/check-file.js';
import { classifyPinningFile } from '../../../../src/scanners/pinning/classify.js';
import {
  createPinningScanner,
  MAX_PINNING_FILE_BYTES,
} from '../../../../src/scanners/pinning/run.js';
import type { CommandRunner } from '../../../../src/util/command.js';
import {
  createMemoryLogger,
  type AnnotationProperties,
  type Logger,
} from '../../../../src/util/logger.js';

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

async function scan(inputs: RawInputs, logger: Logger = createMemoryLogger()) {
  const config = parseConfig({ scanners: 'pinning', ...inputs });
  return createPinningScanner().scan({ config, workspace, runner, logger, tempDir: workspace });
}

/** A logger that keeps notices with their annotation properties. */
function noticeRecorder(): Logger & {
  notices: Array<{ message: string; properties?: AnnotationProperties }>;
} {
  const notices: Array<{ message: string; properties?: AnnotationProperties }> = [];
  return {
    ...createMemoryLogger(),
    notices,
    notice: (message, properties) =>
      notices.push(properties === undefined ? { message } : { message, properties }),
  };
}

const paths = (outcome: { findings: Array<{ location?: { path: string } }> }) =>
  outcome.findings.map((f) => f.location?.path);

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

  it.each([
    ['repo/vendor', false],
    ['./repo/vendor', false],
    ['vendor', false],
    ['vendor/**', false],
    ['repo/vendor/**', false],
    ['**/third', false],
    ['other/vendor', true],
    ['repo/vendor-old', true],
  ])(
    'reads workspace-relative skip-dirs %j the way Trivy does (vendor Dockerfile reported: %s)',
    async (skipDirs, reported) => {
      const outcome = await scan({ 'scan-ref': 'repo', 'skip-dirs': skipDirs });
      expect(paths(outcome).includes('repo/vendor/third/Dockerfile')).toBe(reported);
      expect(paths(outcome)).toContain('repo/Dockerfile');
    },
  );

  it.each([
    ['repo/Dockerfile', ['repo/Dockerfile:4 unpinned-dockerfile-from']],
    ['repo/python/requirements.txt', ['repo/python/requirements.txt:5 unhashed-pip-requirement']],
    ['./repo/docker-compose.yml', ['repo/docker-compose.yml:3 unpinned-compose-image']],
  ])('checks just the file when scan-ref %s is a file', async (scanRef, expected) => {
    const outcome = await scan({ 'scan-ref': scanRef, 'skip-dirs': 'repo' });
    expect(outcome.error).toBeUndefined();
    expect(
      outcome.findings.map((f) => `${f.location?.path}:${f.location?.startLine} ${f.ruleId}`),
    ).toEqual(expected);
    expect(outcome.notes).toBeUndefined();
  });

  it('notes a scanned file it does not check, without an error', async () => {
    await writeFile(join(workspace, 'repo/README.md'), '# FROM alpine\n');
    const logger = noticeRecorder();
    const outcome = await scan({ 'scan-ref': 'repo/README.md' }, logger);
    expect(outcome.error).toBeUndefined();
    expect(outcome.findings).toEqual([]);
    expect(outcome.notes).toEqual([
      expect.stringContaining('repo/README.md is not a file it checks'),
    ]);
    expect(logger.notices).toHaveLength(1);
  });

  it('classifies by workspace path, so a scan of .github still reads its workflows', async () => {
    const outcome = await scan({ 'scan-ref': 'repo/.github' });
    expect(outcome.findings.map((f) => f.ruleId)).toEqual([
      'unpinned-action-ref',
      'unpinned-docker-action',
      'unpinned-action-ref',
    ]);
  });

  it('logs every unparseable file as a notice on the file and line', async () => {
    const logger = noticeRecorder();
    const outcome = await scan({ 'scan-ref': 'repo' }, logger);
    expect(logger.notices).toEqual([
      {
        message: outcome.notes?.[0],
        properties: { title: 'Pinning checker', file: 'repo/broken/compose.yaml', startLine: 4 },
      },
    ]);
  });

  it('notes (and logs as a notice) a file too large to read instead of skipping it silently', async () => {
    const big = `FROM alpine:3\n${'#'.repeat(MAX_PINNING_FILE_BYTES)}\n`;
    await writeFile(join(workspace, 'repo/services/Dockerfile.generated'), big);
    const logger = noticeRecorder();
    const outcome = await scan({ 'scan-ref': 'repo' }, logger);
    expect(paths(outcome)).not.toContain('repo/services/Dockerfile.generated');
    const note = outcome.notes?.find((n) => n.includes('Dockerfile.generated'));
    expect(note).toMatch(
      /^Pinning checker skipped repo\/services\/Dockerfile\.generated: it is \d+ bytes, more than the 2097152 bytes it reads; its references were not checked\.$/,
    );
    expect(logger.notices).toContainEqual({
      message: note,
      properties: { title: 'Pinning checker', file: 'repo/services/Dockerfile.generated' },
    });
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
