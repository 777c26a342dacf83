import { describe, expect, it } from 'vitest';
import {
  formatCacheDate,
  isDbDownloadFailure,
  restoreScannerCaches,
  saveScannerCaches,
  trivyDbArgs,
  withDbFallback,
  type CacheStore,
} from '../../../src/install/db-cache.js';
import type { CommandResult } from '../../../src/util/command.js';
import { createMemoryLogger } from '../../../src/util/logger.js';

const REPOS = ['mirror.gcr.io/aquasec/trivy-db', 'ghcr.io/aquasecurity/trivy-db'];
const DB_FAILURE =
  'FATAL init error: DB error: failed to download vulnerability DB: database download error: OCI repository error: 1 error occurred:\n\t* GET https://ghcr.io/v2/aquasecurity/trivy-db/manifests/2: TOOMANYREQUESTS';

function result(overrides: Partial<CommandResult>): CommandResult {
  return { exitCode: 0, signal: null, stdout: '', stderr: '', timedOut: false, ...overrides };
}

describe('trivyDbArgs and DB download failures', () => {
  it.each([
    [REPOS, false, ['--db-repository', REPOS[0]]],
    [REPOS, true, ['--db-repository', REPOS.join(',')]],
    [[], true, []],
  ])('%j (list support %s)', (repositories, multiple, expected) => {
    expect(trivyDbArgs(repositories, { multipleDbRepositories: multiple })).toEqual(expected);
  });

  it.each([
    [result({ exitCode: 1, stderr: DB_FAILURE }), true],
    [
      result({
        exitCode: 1,
        stderr:
          'FATAL Fatal error run error: init error: DB error: failed to download vulnerability DB: OCI artifact error: failed to download artifact from any source',
      }),
      true,
    ],
    [result({ exitCode: 1, stderr: 'FATAL scan error: unable to initialize a scanner' }), false],
    [result({ exitCode: 0, stderr: DB_FAILURE }), false],
    [result({ exitCode: null, timedOut: true, stderr: DB_FAILURE }), false],
  ])('recognises DB download failures (%#)', (run, expected) => {
    expect(isDbDownloadFailure(run)).toBe(expected);
  });
});

describe('withDbFallback', () => {
  it.each([
    ['first repository works', false, [result({})], [['--db-repository', REPOS[0]]], 0],
    [
      'retries, then falls back to the next repository',
      false,
      [
        result({ exitCode: 1, stderr: DB_FAILURE }),
        result({ exitCode: 1, stderr: DB_FAILURE }),
        result({ exitCode: 1 }),
      ],
      [
        ['--db-repository', REPOS[0]],
        ['--db-repository', REPOS[0]],
        ['--db-repository', REPOS[1]],
      ],
      1,
    ],
    [
      'gives up with the last failure when every repository fails',
      false,
      Array.from({ length: 4 }, () => result({ exitCode: 1, stderr: DB_FAILURE })),
      [
        ['--db-repository', REPOS[0]],
        ['--db-repository', REPOS[0]],
        ['--db-repository', REPOS[1]],
        ['--db-repository', REPOS[1]],
      ],
      2,
    ],
    [
      'a Trivy that takes a list gets it at once, and a retry',
      true,
      [result({ exitCode: 1, stderr: DB_FAILURE }), result({})],
      [
        ['--db-repository', REPOS.join(',')],
        ['--db-repository', REPOS.join(',')],
      ],
      1,
    ],
    [
      'a failure that is not about the DB is not retried',
      false,
      [result({ exitCode: 2, stderr: 'panic' })],
      [['--db-repository', REPOS[0]]],
      0,
    ],
  ])('%s', async (_name, multiple, results, expectedArgs, waits) => {
    const calls: string[][] = [];
    const pauses: number[] = [];
    const queue = [...results];
    const final = await withDbFallback({
      repositories: REPOS,
      capabilities: { multipleDbRepositories: multiple },
      logger: createMemoryLogger(),
      run: async (args) => {
        calls.push(args);
        return queue.shift() ?? result({ exitCode: 99 });
      },
      retryDelayMs: 10,
      wait: async (ms) => {
        pauses.push(ms);
      },
    });
    expect(calls).toEqual(expectedArgs);
    expect(final).toBe(results[results.length - 1]);
    expect(pauses).toEqual(Array.from({ length: waits }, () => 10));
  });
});

interface CacheCall {
  op: 'restore' | 'save';
  paths: string[];
  key: string;
  restoreKeys?: string[];
}

function fakeCache(answer: {
  restored?: string;
  fail?: boolean;
}): CacheStore & { calls: CacheCall[] } {
  const calls: CacheCall[] = [];
  return {
    calls,
    async restore(paths, key, restoreKeys) {
      calls.push({ op: 'restore', paths, key, restoreKeys });
      if (answer.fail) throw new Error('cache service unavailable');
      return answer.restored;
    },
    async save(paths, key) {
      calls.push({ op: 'save', paths, key });
      if (answer.fail) throw new Error('cache service unavailable');
    },
  };
}

describe('scanner DB caches', () => {
  it.each([
    [
      'trivy',
      '/home/runner/.cache/trivy/',
      ['/home/runner/.cache/trivy/db', '/home/runner/.cache/trivy/java-db'],
      'security-gate-trivy-db-linux-2024-05-01',
    ],
    ['grype', '/tmp/grype-db', ['/tmp/grype-db'], 'security-gate-grype-db-linux-2024-05-01'],
  ] as const)(
    'restores %s with a daily key and a prefix restore key',
    async (tool, dir, paths, key) => {
      const cache = fakeCache({ restored: `security-gate-${tool}-db-linux-2024-04-30` });
      const restored = await restoreScannerCaches(
        cache,
        { tool, dir, date: '2024-05-01', os: 'Linux' },
        createMemoryLogger(),
      );
      expect(cache.calls).toEqual([
        { op: 'restore', paths, key, restoreKeys: [`security-gate-${tool}-db-linux-`] },
      ]);
      expect(restored).toEqual({ key, restoredKey: `security-gate-${tool}-db-linux-2024-04-30` });
    },
  );

  it.each([
    ['an older day was restored', 'security-gate-trivy-db-linux-2024-04-30', true],
    ['nothing was restored', undefined, true],
    ["today's key was restored", 'security-gate-trivy-db-linux-2024-05-01', false],
  ])('saves when %s: %s', async (_name, restoredKey, saved) => {
    const cache = fakeCache({});
    const options = {
      tool: 'trivy' as const,
      dir: '/c',
      date: '2024-05-01',
      os: 'linux',
      restoredKey,
    };
    expect(await saveScannerCaches(cache, options, createMemoryLogger())).toBe(saved);
    expect(cache.calls).toEqual(
      saved
        ? [
            {
              op: 'save',
              paths: ['/c/db', '/c/java-db'],
              key: 'security-gate-trivy-db-linux-2024-05-01',
            },
          ]
        : [],
    );
  });

  it('never throws when the cache service fails', async () => {
    const cache = fakeCache({ fail: true });
    const logger = createMemoryLogger();
    const options = { tool: 'trivy' as const, dir: '/c', date: '2024-05-01', os: 'linux' };
    expect(await restoreScannerCaches(cache, options, logger)).toEqual({
      key: 'security-gate-trivy-db-linux-2024-05-01',
    });
    expect(await saveScannerCaches(cache, options, logger)).toBe(false);
    expect(logger.lines.filter((line) => line.startsWith('warning:'))).toHaveLength(2);
  });

  it('rejects a malformed date and formats dates in UTC', async () => {
    await expect(
      restoreScannerCaches(
        fakeCache({}),
        { tool: 'trivy', dir: '/c', date: '1.5.2024', os: 'linux' },
        createMemoryLogger(),
      ),
    ).rejects.toThrow(/YYYY-MM-DD/);
    expect(formatCacheDate(new Date('2024-05-01T23:30:00-05:00'))).toBe('2024-05-02');
  });
});
