import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildSbomArgs,
  generateSbom,
  type GenerateSbomOptions,
} from '../../../src/sbom/generate.js';
import { summariseSbom } from '../../../src/sbom/parse.js';
import type { CommandOptions, CommandResult, CommandRunner } from '../../../src/util/command.js';

const SHARED = join(__dirname, '../../fixtures/shared/trivy');

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
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbom-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A runner that records the call and plays Trivy: writes `written` to the --output file. */
function fakeTrivy(
  answer: Partial<CommandResult>,
  written?: string,
): CommandRunner & { calls: Array<{ file: string; args: string[]; options: CommandOptions }> } {
  const calls: Array<{ file: string; args: string[]; options: CommandOptions }> = [];
  return {
    calls,
    async run(file, args, options) {
      calls.push({ file, args, options });
      const output = args[args.indexOf('--output') + 1];
      if (written !== undefined && output !== undefined) await writeFile(output, written);
      return { exitCode: 0, signal: null, stdout: '', stderr: '', timedOut: false, ...answer };
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
    format: 'cyclonedx',
    outputFile: join(dir, 'out', 'sbom.json'),
    timeoutMs: 60_000,
    skipDirs: ['vendor', '**/testdata'],
    ...overrides,
  };
}

describe('buildSbomArgs', () => {
  it.each([
    [
      'fs',
      '.',
      ['fs', '--format', 'spdx-json', '--output', 'o.json', '--skip-dirs', 'vendor', '.'],
    ],
    [
      'image',
      'alpine:3.19',
      ['image', '--format', 'spdx-json', '--output', 'o.json', 'alpine:3.19'],
    ],
    [
      'image',
      'docker-archive:img.tar',
      ['image', '--format', 'spdx-json', '--output', 'o.json', '--input', 'img.tar'],
    ],
    [
      'image',
      'oci-dir:layout',
      ['image', '--format', 'spdx-json', '--output', 'o.json', '--input', 'layout'],
    ],
  ] as const)('%s %s', (scanType, scanRef, expected) => {
    const args = buildSbomArgs({
      ...options(fakeTrivy({})),
      scanType,
      scanRef,
      format: 'spdx-json',
      outputFile: 'o.json',
      skipDirs: ['vendor'],
    });
    expect(args).toEqual(expected);
  });
});

describe('generateSbom', () => {
  const BOM = JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    components: [{ name: 'ms', purl: 'pkg:npm/ms@2.1.3' }],
  });

  it('writes, checks and counts the SBOM', async () => {
    const runner = fakeTrivy({}, BOM);
    const result = await generateSbom(options(runner));
    expect(result).toEqual({
      file: join(dir, 'out', 'sbom.json'),
      packages: 1,
      format: 'cyclonedx',
    });
    expect(runner.calls[0]?.file).toBe('/opt/trivy');
    expect(runner.calls[0]?.options.timeoutMs).toBe(60_000);
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

  it('does not take a stale file for this run', async () => {
    const first = fakeTrivy({}, BOM);
    await generateSbom(options(first));
    const result = await generateSbom(options(fakeTrivy({})));
    expect('error' in result).toBe(true);
  });

  it('refuses scan-type sbom without running Trivy', async () => {
    const runner = fakeTrivy({}, BOM);
    expect(await generateSbom(options(runner, { scanType: 'sbom' }))).toEqual({
      error: expect.stringContaining('scan-type fs or image'),
    });
    expect(runner.calls).toEqual([]);
  });
});
