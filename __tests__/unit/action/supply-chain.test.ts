import { describe, expect, it } from 'vitest';
import { parseConfig, type RawInputs } from '../../../src/config/schema.js';
import {
  databaseCaches,
  scannerCacheDirs,
  withDatabaseCaches,
} from '../../../src/action/supply-chain.js';
import { formatCacheDate, type CacheStore } from '../../../src/install/db-cache.js';
import { createMemoryLogger } from '../../../src/util/logger.js';

const DIRS = scannerCacheDirs('/home/runner');

/** A cache that records every call; `restored` is what restore answers. */
function fakeCache(restored?: string): CacheStore & {
  calls: Array<{ op: 'restore' | 'save'; paths: string[]; key: string }>;
} {
  const calls: Array<{ op: 'restore' | 'save'; paths: string[]; key: string }> = [];
  return {
    calls,
    async restore(paths, key) {
      calls.push({ op: 'restore', paths, key });
      return restored;
    },
    async save(paths, key) {
      calls.push({ op: 'save', paths, key });
    },
  };
}

const setup = (inputs: RawInputs, cache: CacheStore) => ({
  config: parseConfig(inputs),
  cache,
  cacheDirs: DIRS,
});

describe('scannerCacheDirs', () => {
  it('puts both DBs under ~/.cache, whatever the OS default of each scanner', () => {
    expect(DIRS).toEqual({
      trivy: '/home/runner/.cache/trivy',
      grype: '/home/runner/.cache/grype/db',
    });
  });
});

describe('databaseCaches', () => {
  it.each<[string, RawInputs, string[]]>([
    ['default (trivy with vuln)', {}, ['trivy /home/runner/.cache/trivy']],
    ['trivy without vuln on fs: no DB', { 'trivy-scanners': 'secret,misconfig' }, []],
    [
      'an image scan always needs the DB',
      { 'scan-type': 'image', 'scan-ref': 'alpine:3.19', 'trivy-scanners': 'secret' },
      ['trivy /home/runner/.cache/trivy'],
    ],
    ['grype', { scanners: 'grype' }, ['grype /home/runner/.cache/grype/db']],
    [
      'both',
      { scanners: 'trivy,grype' },
      ['trivy /home/runner/.cache/trivy', 'grype /home/runner/.cache/grype/db'],
    ],
    ['pinning only', { scanners: 'pinning' }, []],
  ])('%s', (_name, inputs, expected) => {
    expect(databaseCaches(parseConfig(inputs), DIRS).map((c) => `${c.tool} ${c.dir}`)).toEqual(
      expected,
    );
  });
});

describe('withDatabaseCaches', () => {
  const today = formatCacheDate(new Date());
  const os = (process.env.RUNNER_OS ?? process.platform).toLowerCase();
  const trivyPaths = ['/home/runner/.cache/trivy/db', '/home/runner/.cache/trivy/java-db'];
  const grypePaths = ['/home/runner/.cache/grype/db'];

  it('restores, runs, and saves the DBs of the configured scanners (a failed gate too)', async () => {
    const cache = fakeCache();
    const verdict = await withDatabaseCaches(
      setup({ scanners: 'trivy,grype' }, cache),
      createMemoryLogger(),
      async () => {
        // The work runs between restore and save.
        expect(cache.calls.map((c) => c.op)).toEqual(['restore', 'restore']);
        return 'fail';
      },
    );
    expect(verdict).toBe('fail');
    expect(cache.calls).toEqual([
      { op: 'restore', paths: trivyPaths, key: `security-gate-trivy-db-${os}-${today}` },
      { op: 'restore', paths: grypePaths, key: `security-gate-grype-db-${os}-${today}` },
      { op: 'save', paths: trivyPaths, key: `security-gate-trivy-db-${os}-${today}` },
      { op: 'save', paths: grypePaths, key: `security-gate-grype-db-${os}-${today}` },
    ]);
  });

  it('saves even when the pipeline throws, and rethrows', async () => {
    const cache = fakeCache();
    await expect(
      withDatabaseCaches(setup({ scanners: 'grype' }, cache), createMemoryLogger(), async () => {
        throw new Error('pipeline broke');
      }),
    ).rejects.toThrow('pipeline broke');
    expect(cache.calls.map((c) => `${c.op} ${c.paths.join(',')}`)).toEqual([
      `restore ${grypePaths[0]}`,
      `save ${grypePaths[0]}`,
    ]);
  });

  it("does not save again what today's key already holds", async () => {
    const cache = fakeCache(`security-gate-trivy-db-${os}-${today}`);
    await withDatabaseCaches(setup({}, cache), createMemoryLogger(), async () => undefined);
    expect(cache.calls.map((c) => c.op)).toEqual(['restore']);
  });

  it('touches no cache when no scanner uses a DB', async () => {
    const cache = fakeCache();
    await withDatabaseCaches(
      setup({ scanners: 'pinning' }, cache),
      createMemoryLogger(),
      async () => 1,
    );
    expect(cache.calls).toEqual([]);
  });
});
