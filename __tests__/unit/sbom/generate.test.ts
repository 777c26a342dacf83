import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/schema.js';
import {
  buildSbomArgs,
  generateSbom,
  resolveSbomTarget,
  type GenerateSbomOptions,
} from '../../../src/sbom/generate.js';
import { parseTrivyHelp } from '../../../src/scanners/trivy/capabilities.js';
import { createTrivyProber } from '../../../src/scanners/trivy/probe.js';
import { summariseSbom } from '../../../src/sbom/parse.js';
import type { CommandOptions, CommandResult, CommandRunner } from '../../../src/util/command.js';

const SHARED = join(__dirname, '../../fixtures/shared/trivy');
const HELP_DIR = join(__dirname, '../../fixtures/trivy-e2e/help');
const help = (sub: string): string =>
  readFileSync(join(HELP_DIR, `trivy-0.44.1-${sub}-help.txt`), 'utf8');

describe('summariseSbom', () => {
  it.each([
    ['repo-conda.spdx.json', 'spdx-json', 2],
    ['image-fluentd-short.cdx.json', 'cyclonedx', 3],
  ] as const)('counts the packages with a PURL in %s', async (file, format, packages) => {
    const summary = summariseSbom(await readFile(join(SHARED, file), 'utf8'), format);
    expect(summary).toMatchObject({ packages });
  });

  it.each([
    ['{', 'spdx-json', /^not JSON/],
    ['{"bomFormat":"CycloneDX","specVersion":"1.5"}', 'spdx-json', /^not an SPDX JSON document/],
    ['{"spdxVersion":"SPDX-2.3","packages":[]}', 'cyclonedx', /^not a CycloneDX JSON document/],
  ] as const)('refuses %s as %s', (text, format, error) => {
    const summary = summariseSbom(text, format);
    expect('error' in summary && summary.error).toMatch(error);
  });

  it('counts nested CycloneDX components', () => {
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      components: [
        {
          name: 'a',
          purl: 'pkg:npm/a@1',
          components: [{ name: 'b', purl: 'pkg:npm/b@1' }, { name: 'lock' }],
        },
      ],
    };
    expect(summariseSbom(JSON.stringify(bom), 'cyclonedx')).toEqual({
      packages: 2,
      packageNames: ['a', 'b'],
    });
  });
});

let dir: string;
let workspace: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbom-'));
  workspace = join(dir, 'ws');
  await mkdir(join(workspace, 'app', 'vendor'), { recursive: true });
  await mkdir(join(dir, 'tmp'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Call {
  file: string;
  args: string[];
  options: CommandOptions;
  /** The isolation files' contents while the call ran (they are removed afterwards). */
  config?: string;
}

/**
 * A runner that plays Trivy 0.44.1: answers the version and help probes
 * with its real output, and for the SBOM run answers `answer` and writes
 * `written` to the --output file.
 */
function fakeTrivy(
  answer: Partial<CommandResult>,
  written?: string,
): CommandRunner & { calls: Call[]; sbomCalls: () => Call[] } {
  const calls: Call[] = [];
  const ok = { exitCode: 0, signal: null, stdout: '', stderr: '', timedOut: false };
  return {
    calls,
    sbomCalls: () => calls.filter((c) => c.args[0] !== '--version' && c.args[1] !== '--help'),
    async run(file, args, options) {
      const call: Call = { file, args, options };
      calls.push(call);
      if (args[0] === '--version') return { ...ok, stdout: 'Version: dev\n' };
      if (args[1] === '--help') return { ...ok, stdout: help(args[0] ?? '') };
      const config = args[args.indexOf('--config') + 1];
      if (config !== undefined) call.config = await readFile(config, 'utf8');
      const output = args[args.indexOf('--output') + 1];
      if (written !== undefined && output !== undefined) await writeFile(output, written);
      return { ...ok, ...answer };
    },
  };
}

function options(
  runner: CommandRunner,
  overrides: Partial<GenerateSbomOptions> = {},
): GenerateSbomOptions {
  return {
    runner,
    trivyPath: '/opt/trivy',
    scanType: 'fs',
    scanRef: '.',
    workspace,
    format: 'cyclonedx',
    outputFile: join(dir, 'out', 'sbom.json'),
    timeoutMs: 60_000,
    skipDirs: ['vendor', '**/testdata'],
    tempDir: join(dir, 'tmp'),
    ...overrides,
  };
}

const ISOLATION = {
  config: '/i/trivy.yaml',
  secretConfig: '/i/secret.yaml',
  ignoreFile: '/i/ignore',
};

describe('buildSbomArgs', () => {
  it.each([
    ['fs', '/ws/app', ['--skip-dirs=vendor', '/ws/app']],
    ['image', 'alpine:3.19', ['--skip-dirs=app/vendor', 'alpine:3.19']],
    ['image', 'docker-archive:/ws/img.tar', ['--skip-dirs=app/vendor', '--input', '/ws/img.tar']],
    ['image', 'oci-dir:/ws/layout', ['--skip-dirs=app/vendor', '--input', '/ws/layout']],
    ['image', '-evil', ['--skip-dirs=app/vendor', './-evil']],
  ] as const)('%s %s', (scanType, target, end) => {
    const args = buildSbomArgs({
      scanType,
      target,
      format: 'spdx-json',
      outputFile: 'o.json',
      timeoutMs: 90_000,
      skipDirs: ['app/vendor'],
      pathPrefix: 'app',
      capabilities: parseTrivyHelp(help(scanType)),
      isolation: ISOLATION,
      cacheDir: '/home/runner/.cache/trivy',
    });
    expect(args).toEqual([
      scanType,
      '--format',
      'spdx-json',
      '--output',
      'o.json',
      '--timeout',
      '90s',
      '--config',
      ISOLATION.config,
      '--secret-config',
      ISOLATION.secretConfig,
      '--ignorefile',
      ISOLATION.ignoreFile,
      '--cache-dir',
      '/home/runner/.cache/trivy',
      ...end,
    ]);
  });

  it('passes only the flags the binary lists', () => {
    const args = buildSbomArgs({
      scanType: 'fs',
      target: '/ws',
      format: 'cyclonedx',
      outputFile: 'o.json',
      timeoutMs: 1000,
      skipDirs: [],
      pathPrefix: '',
      capabilities: parseTrivyHelp('  -f, --format string   format\n  -o, --output string   out\n'),
      isolation: ISOLATION,
      cacheDir: '/c',
    });
    expect(args).toEqual(['fs', '--format', 'cyclonedx', '--output', 'o.json', '/ws']);
  });
});

describe('resolveSbomTarget', () => {
  it.each([
    ['fs', '.', '/ws'],
    ['fs', 'app', '/ws/app'],
    ['image', 'alpine:3.19', 'alpine:3.19'],
    ['image', 'ghcr.io/acme/app@sha256:abc', 'ghcr.io/acme/app@sha256:abc'],
    ['image', 'docker-archive:img.tar', 'docker-archive:/ws/img.tar'],
    ['image', 'oci-dir:build/oci', 'oci-dir:/ws/build/oci'],
    ['image', 'docker-archive:/abs/img.tar', 'docker-archive:/abs/img.tar'],
  ] as const)('%s %s → %s', (scanType, ref, expected) => {
    expect(resolveSbomTarget(scanType, ref, '/ws')).toBe(expected);
  });
});

describe('generateSbom', () => {
  const BOM = JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    components: [{ name: 'ms', purl: 'pkg:npm/ms@2.1.3' }],
  });

  it('writes, checks and counts the SBOM, and names the Trivy version', async () => {
    const runner = fakeTrivy({}, BOM);
    const result = await generateSbom(options(runner));
    expect(result).toEqual({
      file: join(dir, 'out', 'sbom.json'),
      packages: 1,
      format: 'cyclonedx',
      version: 'dev',
    });
    expect(runner.calls.map((c) => c.args.slice(0, 2))).toEqual([
      ['--version'],
      ['fs', '--help'],
      ['fs', '--format'],
    ]);
    const [sbom] = runner.sbomCalls();
    expect(sbom?.file).toBe('/opt/trivy');
    // Trivy's own --timeout, plus a grace for a Trivy that does not stop itself.
    expect(sbom?.options.timeoutMs).toBe(66_000);
    expect(sbom?.args.slice(-3)).toEqual([
      '--skip-dirs=vendor',
      '--skip-dirs=**/testdata',
      workspace,
    ]);
    // Run in the checkout, isolated from its Trivy config files, without the action's inputs.
    expect(sbom?.options.cwd).toBe(workspace);
    expect(sbom?.config).toBe('{}\n');
    // The runner's environment as it is: it never holds the token (command.test.ts).
    for (const call of runner.calls) expect(call.options).not.toHaveProperty('extraEnv');
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('rebases skip-dirs onto the scanned directory, like the Trivy scan', async () => {
    const runner = fakeTrivy({}, BOM);
    await generateSbom(options(runner, { scanRef: 'app', skipDirs: ['app/vendor', 'docs'] }));
    expect(runner.sbomCalls()[0]?.args.slice(-3)).toEqual([
      '--skip-dirs=vendor',
      '--skip-dirs=docs',
      join(workspace, 'app'),
    ]);
  });

  it.each([
    ['alpine:3.19', ['alpine:3.19']],
    ['docker-archive:build/img.tar', ['--input', join('WS', 'build/img.tar')]],
    ['oci-dir:out/oci', ['--input', join('WS', 'out/oci')]],
  ])('scan-type image %s: the reference is not turned into a workspace path', async (ref, end) => {
    const runner = fakeTrivy({}, BOM);
    const result = await generateSbom(
      options(runner, { scanType: 'image', scanRef: ref, cacheDir: '/cache/trivy' }),
    );
    expect(result).toMatchObject({ packages: 1 });
    expect(runner.calls[1]?.args).toEqual(['image', '--help']);
    const args = runner.sbomCalls()[0]?.args ?? [];
    expect(args[0]).toBe('image');
    expect(args.slice(-end.length)).toEqual(end.map((a) => a.replace(/^WS/, workspace)));
    expect(args).toEqual(expect.arrayContaining(['--cache-dir', '/cache/trivy']));
    expect(runner.sbomCalls()[0]?.options.cwd).toBe(workspace);
  });

  it('asks a shared prober nothing the scan already asked', async () => {
    const runner = fakeTrivy({}, BOM);
    const probe = createTrivyProber();
    await generateSbom(options(runner, { probe }));
    await generateSbom(options(runner, { probe }));
    expect(runner.calls.map((c) => c.args[0])).toEqual(['--version', 'fs', 'fs', 'fs']);
  });

  it.each([
    [
      'Trivy fails',
      { exitCode: 1, stderr: 'INFO x\nFATAL fs scan error: no such file' },
      BOM,
      'sbom: Trivy exited with 1: FATAL fs scan error: no such file',
    ],
    [
      'Trivy times out',
      { exitCode: null, timedOut: true },
      undefined,
      'sbom: Trivy did not finish within 60s',
    ],
    [
      'Trivy is missing',
      {
        exitCode: null,
        spawnError: Object.assign(new Error('spawn /opt/trivy ENOENT'), { code: 'ENOENT' }),
      },
      undefined,
      'sbom: could not start Trivy: spawn /opt/trivy ENOENT',
    ],
    [
      'the file is not CycloneDX',
      {},
      '{"spdxVersion":"SPDX-2.3"}',
      /^sbom: .*sbom\.json is not a CycloneDX JSON document/,
    ],
    ['no file was written', {}, undefined, /^sbom: ENOENT/],
  ])('returns an error when %s', async (_name, answer, written, error) => {
    const result = await generateSbom(options(fakeTrivy(answer, written)));
    expect('error' in result && result.error).toMatch(error);
  });

  it('returns an error when the binary is not Trivy, without an SBOM run', async () => {
    const runner: CommandRunner & { calls: string[][] } = {
      calls: [],
      async run(_file, args) {
        this.calls.push(args);
        return { exitCode: 0, signal: null, stdout: 'usage: other', stderr: '', timedOut: false };
      },
    };
    const result = await generateSbom(options(runner));
    expect('error' in result && result.error).toMatch(
      /^sbom: `fs --help` did not list the options/,
    );
    expect(runner.calls).toHaveLength(2);
  });

  it('returns an error for an fs scan-ref that does not exist', async () => {
    const result = await generateSbom(options(fakeTrivy({}, BOM), { scanRef: 'missing' }));
    expect(result).toEqual({
      error: 'sbom: the scan-ref "missing" does not exist in the workspace.',
    });
  });

  it('does not take a stale file for this run', async () => {
    const first = fakeTrivy({}, BOM);
    await generateSbom(options(first));
    const result = await generateSbom(options(fakeTrivy({})));
    expect('error' in result).toBe(true);
  });

  it('is never asked for the SBOM of an SBOM: the config refuses it', () => {
    const inputs = { 'scan-type': 'sbom', 'scan-ref': 'bom.json', 'sbom-format': 'cyclonedx' };
    expect(() => parseConfig(inputs)).toThrow(
      /'scan-type' is sbom: the scanned file is an SBOM already/,
    );
  });
});
