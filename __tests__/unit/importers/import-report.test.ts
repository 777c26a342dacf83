import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importReport, readTrivyPathPrefix } from '../../../src/importers/import-report.js';
import { SHARED_FIXTURES } from './fixture-findings.js';

/** Real `trivy fs` report of `testdata/fixtures/repo/npm` (Target `package-lock.json`). */
const NPM = JSON.parse(
  readFileSync(path.join(SHARED_FIXTURES, 'trivy/repo-npm-lockfile.json'), 'utf8'),
) as { ArtifactName: string; ArtifactType: string };
const IMAGE = JSON.parse(
  readFileSync(path.join(SHARED_FIXTURES, 'trivy/image-alpine-310.json'), 'utf8'),
) as unknown;

const root = mkdtempSync(path.join(os.tmpdir(), 'sg-import-'));
const workspace = path.join(root, 'repo');
const outside = path.join(root, 'outside');
mkdirSync(path.join(workspace, NPM.ArtifactName), { recursive: true });
mkdirSync(path.join(workspace, 'docs'), { recursive: true });
writeFileSync(path.join(workspace, 'docs/readme.txt'), 'not a folder');
mkdirSync(outside, { recursive: true });
symlinkSync(outside, path.join(workspace, 'linked'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const withName = (name: string, type = NPM.ArtifactType): unknown => ({
  ...NPM,
  ArtifactName: name,
  ArtifactType: type,
});

describe('readTrivyPathPrefix', () => {
  it.each<[string, unknown, string]>([
    ['the folder of a `trivy fs <dir>` report', NPM, 'testdata/fixtures/repo/npm'],
    ['the same folder spelled ./…/', withName(`./${NPM.ArtifactName}/`), NPM.ArtifactName],
    [
      'the folder as an absolute path under the workspace',
      withName(path.join(workspace, 'docs')),
      'docs',
    ],
    ['the workspace itself', withName('.'), ''],
    ['a folder that does not exist here', withName('services/api'), ''],
    ['a file, not a folder', withName('docs/readme.txt'), ''],
    ['a path that climbs out', withName('../outside'), ''],
    ['an absolute path outside', withName(outside), ''],
    ['a symlink out of the workspace', withName('linked'), ''],
    ['a remote repository', withName('https://github.com/org/repo', 'repository'), ''],
    ['an image scan', IMAGE, ''],
    ['not a report', 'text', ''],
  ])('%s', async (_label, json, expected) => {
    expect(await readTrivyPathPrefix(json, workspace)).toBe(expected);
  });
});

describe('importReport of a Trivy JSON report of a sub-folder', () => {
  it('locates its findings under that folder', async () => {
    writeFileSync(path.join(workspace, 'trivy.json'), JSON.stringify(NPM));
    const outcome = await importReport(workspace, 'trivy.json');
    expect(outcome.findings.length).toBeGreaterThan(0);
    for (const finding of outcome.findings)
      expect(finding.location?.path).toBe('testdata/fixtures/repo/npm/package-lock.json');
  });

  it('keeps its paths as they are when the folder is not in this workspace', async () => {
    writeFileSync(path.join(workspace, 'other.json'), JSON.stringify(withName('elsewhere')));
    const outcome = await importReport(workspace, 'other.json');
    for (const finding of outcome.findings)
      expect(finding.location?.path).toBe('package-lock.json');
  });
});
