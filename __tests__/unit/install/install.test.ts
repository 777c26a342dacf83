import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createHttpDownloader,
  createToolCacheStore,
} from '../../../src/install/actions-adapters.js';
import { describeScannerAsset, UnsupportedPlatformError } from '../../../src/install/assets.js';
import { parseChecksums } from '../../../src/install/checksums.js';
import {
  installScanner,
  InstallError,
  type InstallScannerOptions,
  type ToolCacheStore,
} from '../../../src/install/install.js';
import { createMemoryLogger } from '../../../src/util/logger.js';

const VERSION = '0.72.0';
const ARCHIVE = `trivy_${VERSION}_Linux-64bit.tar.gz`;
const CHECKSUMS = `trivy_${VERSION}_checksums.txt`;
const PREFIX = `/aquasecurity/trivy/releases/download/v${VERSION}`;

let root: string;
let server: Server;
let baseUrl: string;
/** What the server answers per path; anything else is a 404. */
let served: Map<string, Buffer>;
let requests: string[];
let archive: Buffer;
let ranMarker: string;
const savedEnv = { ...process.env };

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A real tar.gz around a stand-in `trivy` that leaves a mark if anyone runs it. */
async function buildArchive(dir: string): Promise<Buffer> {
  const content = join(dir, 'content');
  await mkdir(content, { recursive: true });
  await writeFile(
    join(content, 'trivy'),
    `#!/bin/sh\ntouch '${ranMarker}'\necho "Version: ${VERSION}"\n`,
  );
  await chmod(join(content, 'trivy'), 0o755);
  await writeFile(join(content, 'LICENSE'), 'Apache-2.0\n');
  const file = join(dir, ARCHIVE);
  execFileSync('tar', ['-czf', file, '-C', content, 'trivy', 'LICENSE']);
  return readFile(file);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'install-'));
  ranMarker = join(root, 'stand-in-was-run');
  archive = await buildArchive(root);
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const body = served.get(request.url ?? '');
    response.writeHead(body === undefined ? 404 : 200).end(body ?? 'Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

let runDir: string;

beforeEach(async () => {
  runDir = await mkdtemp(join(root, 'run-'));
  process.env['RUNNER_TOOL_CACHE'] = join(runDir, 'tool-cache');
  process.env['RUNNER_TEMP'] = join(runDir, 'runner-temp');
  requests = [];
  served = new Map([
    [`${PREFIX}/${ARCHIVE}`, archive],
    [
      `${PREFIX}/${CHECKSUMS}`,
      Buffer.from(
        `${sha256('other')}  trivy_${VERSION}_macOS-64bit.tar.gz\n${sha256(archive)}  ${ARCHIVE}\n`,
      ),
    ],
  ]);
});

afterEach(() => {
  process.env = { ...savedEnv };
});

function options(overrides: Partial<InstallScannerOptions> = {}): InstallScannerOptions {
  return {
    tool: 'trivy',
    version: VERSION,
    downloadBaseUrl: baseUrl,
    platform: 'linux',
    arch: 'x64',
    http: createHttpDownloader(),
    toolCache: createToolCacheStore(),
    logger: createMemoryLogger(),
    tempDir: join(runDir, 'tmp'),
    ...overrides,
  };
}

/** The real tool cache store, recording which of its methods were called. */
function spiedToolCache(): ToolCacheStore & { calls: string[] } {
  const real = createToolCacheStore();
  const calls: string[] = [];
  return {
    calls,
    find: (...args) => {
      calls.push('find');
      return real.find(...args);
    },
    extractTar: (...args) => {
      calls.push('extractTar');
      return real.extractTar(...args);
    },
    cacheDir: (...args) => {
      calls.push('cacheDir');
      return real.cacheDir(...args);
    },
  };
}

async function toolCacheEntries(): Promise<string[]> {
  const dir = join(runDir, 'tool-cache');
  return existsSync(dir) ? readdir(dir) : [];
}

describe('installScanner', () => {
  it('installs a verified archive into the tool cache and reuses it', async () => {
    const binary = await installScanner(options({ expectedSha256: sha256(archive).toUpperCase() }));
    expect(binary).toBe(join(runDir, 'tool-cache', 'security-gate-trivy', VERSION, 'x64', 'trivy'));
    expect(existsSync(ranMarker)).toBe(false);
    expect(execFileSync(binary).toString()).toBe(`Version: ${VERSION}\n`);
    await rm(ranMarker, { force: true });
    expect(requests).toEqual([`${PREFIX}/${CHECKSUMS}`, `${PREFIX}/${ARCHIVE}`]);

    const logger = createMemoryLogger();
    expect(await installScanner(options({ logger }))).toBe(binary);
    expect(requests).toHaveLength(2);
    expect(logger.lines).toContain(`info: Using trivy ${VERSION} from the tool cache.`);
    expect(await readdir(join(runDir, 'tmp'))).toEqual([]);
  });

  it('reinstalls when the cached entry was verified against another pinned hash', async () => {
    await installScanner(options());
    served.set(`${PREFIX}/${ARCHIVE}`, Buffer.from('other archive'));
    await expect(
      installScanner(options({ expectedSha256: sha256('other archive') })),
    ).rejects.toThrow(/SHA-256 mismatch .*from trivy_0\.72\.0_checksums\.txt/);
    expect(requests).toHaveLength(4);
  });

  // The table is built before the archive exists, so its values are computed lazily.
  const tampered = (): Buffer => Buffer.concat([archive, Buffer.from('x')]);
  it.each<[string, () => void, Partial<InstallScannerOptions>, () => string | RegExp]>([
    [
      'a tampered archive',
      () => served.set(`${PREFIX}/${ARCHIVE}`, tampered()),
      {},
      () =>
        `SHA-256 mismatch for ${ARCHIVE}: expected ${sha256(archive)} (from ${CHECKSUMS}), got ${sha256(tampered())}. Nothing was unpacked or run.`,
    ],
    [
      'a checksums file without the entry',
      () =>
        served.set(
          `${PREFIX}/${CHECKSUMS}`,
          Buffer.from(`${sha256(archive)}  trivy_${VERSION}_Linux-ARM64.tar.gz\n`),
        ),
      {},
      () =>
        `${CHECKSUMS} has no SHA-256 entry for ${ARCHIVE} (the downloaded archive's SHA-256 is ${sha256(archive)}); refusing to install trivy ${VERSION}. Check 'trivy-version' and 'download-base-url'. Nothing was unpacked or run.`,
    ],
    [
      'a missing archive (404)',
      () => served.delete(`${PREFIX}/${ARCHIVE}`),
      {},
      () =>
        `Could not download ${ARCHIVE} from ${baseUrl}${PREFIX}/${ARCHIVE}: Unexpected HTTP response: 404. Nothing was unpacked or run.`,
    ],
    [
      'a missing checksums file (404)',
      () => served.delete(`${PREFIX}/${CHECKSUMS}`),
      {},
      () =>
        `Could not download ${CHECKSUMS} from ${baseUrl}${PREFIX}/${CHECKSUMS}: Unexpected HTTP response: 404. Nothing was unpacked or run.`,
    ],
    [
      'a user-pinned hash that does not match',
      () => undefined,
      { expectedSha256: 'a'.repeat(64) },
      () =>
        `SHA-256 mismatch for ${ARCHIVE}: expected ${'a'.repeat(64)} (from the trivy-sha256 input), got ${sha256(archive)}. Nothing was unpacked or run.`,
    ],
  ])('refuses %s and runs nothing', async (_name, setUp, overrides, message) => {
    setUp();
    const store = spiedToolCache();
    const attempt = installScanner(options({ toolCache: store, ...overrides }));
    await expect(attempt).rejects.toThrow(InstallError);
    await expect(attempt).rejects.toThrow(message());
    expect(await toolCacheEntries()).toEqual([]);
    expect(existsSync(ranMarker)).toBe(false);
    // Never unpacked nor cached: the only tool cache call is the lookup.
    expect(store.calls.filter((call) => call !== 'find')).toEqual([]);
  });

  it('a verified archive is unpacked and cached once (the spy sees real calls)', async () => {
    const store = spiedToolCache();
    await installScanner(options({ toolCache: store }));
    expect(store.calls).toEqual(['find', 'extractTar', 'cacheDir']);
  });

  it('refuses an unsupported platform before any request', async () => {
    await expect(installScanner(options({ platform: 'win32' }))).rejects.toThrow(
      UnsupportedPlatformError,
    );
    expect(requests).toEqual([]);
  });
});

describe('describeScannerAsset', () => {
  it.each([
    [
      'trivy',
      'linux',
      'x64',
      'aquasecurity/trivy/releases/download/v1.2.3/trivy_1.2.3_Linux-64bit.tar.gz',
    ],
    [
      'trivy',
      'linux',
      'arm64',
      'aquasecurity/trivy/releases/download/v1.2.3/trivy_1.2.3_Linux-ARM64.tar.gz',
    ],
    [
      'trivy',
      'darwin',
      'x64',
      'aquasecurity/trivy/releases/download/v1.2.3/trivy_1.2.3_macOS-64bit.tar.gz',
    ],
    [
      'trivy',
      'darwin',
      'arm64',
      'aquasecurity/trivy/releases/download/v1.2.3/trivy_1.2.3_macOS-ARM64.tar.gz',
    ],
    [
      'grype',
      'linux',
      'x64',
      'anchore/grype/releases/download/v1.2.3/grype_1.2.3_linux_amd64.tar.gz',
    ],
    [
      'grype',
      'linux',
      'arm64',
      'anchore/grype/releases/download/v1.2.3/grype_1.2.3_linux_arm64.tar.gz',
    ],
    [
      'grype',
      'darwin',
      'x64',
      'anchore/grype/releases/download/v1.2.3/grype_1.2.3_darwin_amd64.tar.gz',
    ],
    [
      'grype',
      'darwin',
      'arm64',
      'anchore/grype/releases/download/v1.2.3/grype_1.2.3_darwin_arm64.tar.gz',
    ],
  ] as const)('%s on %s/%s', (tool, platform, arch, path) => {
    const asset = describeScannerAsset({
      tool,
      version: '1.2.3',
      platform,
      arch,
      downloadBaseUrl: 'https://mirror.example/',
    });
    expect(asset.archiveUrl).toBe(`https://mirror.example/${path}`);
    expect(asset.checksumsUrl).toBe(
      `https://mirror.example/${path.replace(/[^/]+$/, `${tool}_1.2.3_checksums.txt`)}`,
    );
  });

  it.each([
    ['linux', 'ia32'],
    ['win32', 'x64'],
    ['freebsd', 'x64'],
  ] as const)('rejects %s/%s', (platform, arch) => {
    expect(() =>
      describeScannerAsset({
        tool: 'grype',
        version: '1.2.3',
        platform,
        arch,
        downloadBaseUrl: 'https://github.com',
      }),
    ).toThrow(/grype cannot be installed on/);
  });
});

describe('parseChecksums', () => {
  it.each([
    [`${'A'.repeat(64)}  a.tar.gz`, [['a.tar.gz', 'a'.repeat(64)]]],
    [`${'b'.repeat(64)} *b.tar.gz\r\n`, [['b.tar.gz', 'b'.repeat(64)]]],
    ['abc  short.tar.gz\n\n# comment', []],
  ])('parses %j', (text, expected) => {
    expect([...parseChecksums(text)]).toEqual(expected);
  });
});
