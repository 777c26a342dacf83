import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type RawInputs } from '../../../../src/config/schema.js';
import { createGrypeScanner } from '../../../../src/scanners/grype/run.js';
import type { ScanContext } from '../../../../src/scanners/types.js';
import { createCommandRunner } from '../../../../src/util/command.js';
import { createMemoryLogger } from '../../../../src/util/logger.js';

const FIXTURE = path.resolve(
  __dirname,
  '../../../fixtures/shared/grype/real-0.61.1-chainguard-ruby.json',
);
const DIRECTORY_FIXTURE = path.resolve(
  __dirname,
  '../../../fixtures/shared/grype/presenter-directory.json',
);
const fixtureMatches = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { matches: unknown[] }).matches
  .length;

let dir: string;

/**
 * A stand-in grype: answers `version -o json`, records its arguments next
 * to itself, then behaves as `body` says (with `reportPath` = the --file value).
 */
async function writeStandIn(
  name: string,
  body: string,
  version = '{"application":"grype","version":"0.99.1"}',
): Promise<string> {
  const file = path.join(dir, name);
  const script = `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
// What each call could see: the action's inputs (never), its DB directory, the config it was given.
const seen = {
  inputs: Object.keys(process.env).filter((k) => k.startsWith('INPUT_')),
  dbCacheDir: process.env.GRYPE_DB_CACHE_DIR ?? null,
  cwd: process.cwd(),
};
fs.appendFileSync(__filename + '.env.jsonl', JSON.stringify({ command: args[0], ...seen }) + '\\n');
if (args[0] === 'version') { process.stdout.write(${JSON.stringify(version)}); process.exit(0); }
const config = args.includes('--config') ? fs.readFileSync(args[args.indexOf('--config') + 1], 'utf8') : null;
fs.writeFileSync(__filename + '.args.json', JSON.stringify({ args, cwd: process.cwd(), config }));
const reportPath = args[args.indexOf('--file') + 1];
${body}
`;
  await writeFile(file.replace(/$/, '.cjs'), script);
  await chmod(file.replace(/$/, '.cjs'), 0o755);
  return file.replace(/$/, '.cjs');
}

function makeContext(inputs: RawInputs, workspace = dir): ScanContext {
  return {
    config: parseConfig({ scanners: 'grype', ...inputs }),
    workspace,
    runner: createCommandRunner(),
    logger: createMemoryLogger(),
    tempDir: path.join(dir, 'tmp'),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'grype-run-'));
  await import('node:fs/promises').then((fs) => fs.mkdir(path.join(dir, 'tmp')));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const copyFixture = (fixture: string) => `fs.copyFileSync(${JSON.stringify(fixture)}, reportPath);`;

interface Seen {
  command: string;
  inputs: string[];
  dbCacheDir: string | null;
  cwd: string;
}

async function readSeen(binary: string): Promise<Seen[]> {
  return (await readFile(`${binary}.env.jsonl`, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Seen);
}

describe('createGrypeScanner: environment and config', () => {
  const savedEnv = { ...process.env };
  afterEach(() => {
    process.env = { ...savedEnv };
  });

  it("gets no INPUT_* (no token), the cached DB directory and an empty --config, not the workspace's", async () => {
    process.env['INPUT_GITHUB-TOKEN'] = 'ghs_not_for_scanners';
    process.env['INPUT_SCANNERS'] = 'grype';
    const workspace = path.join(dir, 'ws-config');
    const binary = await writeStandIn('env', copyFixture(FIXTURE));
    const dbCacheDir = path.join(dir, 'home', '.cache', 'grype', 'db');
    const outcome = await createGrypeScanner({ dbCacheDir }).scan(
      makeContext({ 'grype-path': binary }, workspace),
    );
    expect(outcome.error).toBeUndefined();
    const recorded = JSON.parse(await readFile(`${binary}.args.json`, 'utf8')) as {
      args: string[];
      config: string | null;
    };
    const configPath = recorded.args[recorded.args.indexOf('--config') + 1] ?? '';
    expect(path.dirname(configPath)).toBe(path.join(dir, 'tmp'));
    expect(configPath.endsWith('.yaml')).toBe(true);
    expect(recorded.config).toBe('{}\n');
    const seen = await readSeen(binary);
    expect(seen.map((s) => s.command)).toEqual(['version', `dir:${workspace}`]);
    for (const call of seen) {
      expect(call).toMatchObject({ inputs: [], dbCacheDir, cwd: path.join(dir, 'tmp') });
    }
  });

  it("leaves grype's own DB directory alone when none is given", async () => {
    delete process.env.GRYPE_DB_CACHE_DIR;
    const binary = await writeStandIn('no-db-dir', copyFixture(FIXTURE));
    await createGrypeScanner().scan(makeContext({ 'grype-path': binary }));
    expect((await readSeen(binary)).map((s) => s.dbCacheDir)).toEqual([null, null]);
  });

  it('the version probe never waits longer than the timeout input', async () => {
    const binary = path.join(dir, 'hang-version.cjs');
    await writeFile(
      binary,
      `#!/usr/bin/env node
const args = process.argv.slice(2);
if (args[0] === 'version') setInterval(() => {}, 1000);
else process.exit(0);
`,
    );
    await chmod(binary, 0o755);
    const started = Date.now();
    const outcome = await createGrypeScanner().scan(
      makeContext({ 'grype-path': binary, timeout: '1s' }),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(outcome.error).toMatch(/^grype: exited without writing its report/);
  });
});

describe('createGrypeScanner', () => {
  it('runs grype on the directory and returns the findings of its report', async () => {
    const binary = await writeStandIn('ok', copyFixture(FIXTURE));
    const outcome = await createGrypeScanner().scan(
      makeContext({ 'grype-path': binary, 'scan-ref': '.' }),
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.findings).toHaveLength(fixtureMatches);
    expect(outcome).toMatchObject({
      scanner: 'grype',
      tool: 'Grype',
      version: '0.99.1',
      target: '.',
    });
    expect(
      outcome.findings.every((f) => f.source.toolVersion === '0.99.1' && f.target === '.'),
    ).toBe(true);
    const recorded = JSON.parse(await readFile(`${binary}.args.json`, 'utf8')) as {
      args: string[];
      cwd: string;
    };
    expect(recorded.args.slice(0, 6)).toEqual([
      `dir:${dir}`,
      '-o',
      'json',
      '--file',
      path.join(dir, 'tmp', 'grype-report.json'),
      '--quiet',
    ]);
    expect(recorded.args).not.toContain('--fail-on');
    // Not the workspace: grype must not apply the workspace's .grype.yaml itself.
    expect(recorded.cwd).toBe(path.join(dir, 'tmp'));
  });

  it.each([
    [
      { 'scan-type': 'image', 'scan-ref': 'cgr.dev/chainguard/ruby:latest-3.0' },
      'cgr.dev/chainguard/ruby:latest-3.0',
    ],
    [
      { 'scan-type': 'image', 'scan-ref': 'docker-archive:images/app.tar' },
      'docker-archive:WS/images/app.tar',
    ],
    [{ 'scan-type': 'image', 'scan-ref': 'oci-dir:build/oci' }, 'oci-dir:WS/build/oci'],
    [{ 'scan-type': 'sbom', 'scan-ref': 'sbom.json' }, 'sbom:WS/sbom.json'],
    [{ 'scan-type': 'fs', 'scan-ref': 'services/api' }, 'dir:WS/services/api'],
  ] as Array<[RawInputs, string]>)('names the source %j as %s', async (inputs, expected) => {
    const binary = await writeStandIn('source', copyFixture(FIXTURE));
    await createGrypeScanner().scan(makeContext({ ...inputs, 'grype-path': binary }));
    const recorded = JSON.parse(await readFile(`${binary}.args.json`, 'utf8')) as {
      args: string[];
    };
    expect(recorded.args[0]).toBe(expected.replace('WS', dir));
  });

  it('passes skip-dirs as --exclude expressions for directory scans', async () => {
    const binary = await writeStandIn('exclude', copyFixture(FIXTURE));
    await createGrypeScanner().scan(
      makeContext({ 'grype-path': binary, 'skip-dirs': 'test/fixtures\n**/vendor' }),
    );
    const recorded = JSON.parse(await readFile(`${binary}.args.json`, 'utf8')) as {
      args: string[];
    };
    expect(recorded.args.slice(8)).toEqual([
      '--exclude',
      './test/fixtures',
      '--exclude',
      './test/fixtures/**',
      '--exclude',
      '**/vendor',
      '--exclude',
      '**/vendor/**',
    ]);
  });

  it('points directory findings at repository files under the scanned directory', async () => {
    const binary = await writeStandIn('dir', copyFixture(DIRECTORY_FIXTURE));
    const outcome = await createGrypeScanner().scan(
      makeContext({ 'grype-path': binary, 'scan-ref': 'app' }),
    );
    expect(outcome.findings.map((f) => f.location?.path)).toEqual([
      'app/foo/bar/somefile-1.txt',
      'app/foo/bar/somefile-2.txt',
    ]);
  });

  it('falls back to the report descriptor when grype version does not answer in JSON', async () => {
    const binary = await writeStandIn(
      'oldversion',
      copyFixture(FIXTURE),
      'Application: grype\nVersion: 0.61.1\n',
    );
    const outcome = await createGrypeScanner().scan(makeContext({ 'grype-path': binary }));
    expect(outcome.version).toBe('0.61.1');
    expect(outcome.findings[0]?.source.toolVersion).toBe('0.61.1');
  });

  it.each([
    [
      'crashes',
      'process.stderr.write("1 error occurred:\\n\\t* failed to load vulnerability db\\n"); process.exit(1);',
      /grype: exited with code 1: .*failed to load vulnerability db/,
    ],
    ['is killed', 'process.kill(process.pid, "SIGTERM");', /grype: was killed by SIGTERM/],
    [
      'writes invalid JSON',
      'fs.writeFileSync(reportPath, "{\\"matches\\": [");',
      /grype: wrote a report that is not valid JSON/,
    ],
    ['writes an empty report', 'fs.writeFileSync(reportPath, "");', /grype: wrote an empty report/],
    ['writes no report', 'process.exit(0);', /grype: exited without writing its report/],
    [
      'writes CycloneDX',
      'fs.writeFileSync(reportPath, JSON.stringify({ bomFormat: "CycloneDX" }));',
      /grype: wrote a report the action does not understand: .*CycloneDX/,
    ],
    [
      'exits 2 without the threshold message',
      `${copyFixture(FIXTURE)} process.exit(2);`,
      /grype: exited with code 2/,
    ],
  ])('fails closed when grype %s', async (_label, body, message) => {
    const binary = await writeStandIn(`fail-${_label.replace(/\W+/g, '-')}`, body);
    const outcome = await createGrypeScanner().scan(makeContext({ 'grype-path': binary }));
    expect(outcome.error).toMatch(message);
    expect(outcome.findings).toEqual([]);
  });

  it('fails closed on a timeout', async () => {
    const binary = await writeStandIn('hang', 'setTimeout(() => {}, 60_000);');
    const outcome = await createGrypeScanner().scan(
      makeContext({ 'grype-path': binary, timeout: '1s' }),
    );
    expect(outcome.error).toBe('grype: timed out after 1s (raise the timeout input)');
  });

  it('fails closed when the binary does not exist', async () => {
    const outcome = await createGrypeScanner().scan(
      makeContext({ 'grype-path': path.join(dir, 'no-such-grype') }),
    );
    expect(outcome.error).toMatch(/^grype: binary ".*no-such-grype" not found/);
  });

  it('fails closed when the binary cannot be resolved', async () => {
    const scanner = createGrypeScanner({
      resolveBinary: () => Promise.reject(new Error('checksum mismatch')),
    });
    const outcome = await scanner.scan(makeContext({}));
    expect(outcome.error).toBe('grype: could not be installed or found: checksum mismatch');
  });

  it('refuses a scan-ref that grype would read as an option', async () => {
    const binary = await writeStandIn('dash', copyFixture(FIXTURE));
    const outcome = await createGrypeScanner().scan(
      makeContext({ 'grype-path': binary, 'scan-type': 'image', 'scan-ref': '--help' }),
    );
    expect(outcome.error).toMatch(/starts with '-'/);
  });

  it("accepts the exit of the user's own fail-on-severity when the report is complete", async () => {
    const body = `${copyFixture(FIXTURE)} process.stderr.write("discovered vulnerabilities at or above the severity threshold\\n"); process.exit(2);`;
    const binary = await writeStandIn('threshold', body);
    const outcome = await createGrypeScanner().scan(makeContext({ 'grype-path': binary }));
    expect(outcome.error).toBeUndefined();
    expect(outcome.findings).toHaveLength(fixtureMatches);
    expect(outcome.notes).toEqual([expect.stringMatching(/fail-on-severity/)]);
  });
});
