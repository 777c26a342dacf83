import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import type { Config } from '../../../src/config/schema.js';
import { BASELINE_RECORD_VERSION, buildBaselineRecord } from '../../../src/baseline/record.js';
import {
  baselineKey,
  baselineKeyPrefix,
  describeBaseline,
  resolveBaseline,
  saveBaselineRecord,
  baselineRecordPath,
  baselineScope,
  type AlertsReader,
  type BaselineCache,
  type ExistingAlertState,
} from '../../../src/baseline/sources.js';
import { createMemoryLogger } from '../../../src/util/logger.js';
import { sarifCategoryId } from '../../../src/report/sarif.js';
import { loadTrivyFindings, readFixtureJson, SHARED_FIXTURES } from './fixture-findings.js';

const RECORD_PATH = '/tmp/run/baseline.json';

/**
 * An in-memory @actions/cache: exact key first, else the newest entry with a
 * restore-key prefix. Like the real one, an entry is only found when restored
 * to the same paths it was saved from (the cache version is a hash of them).
 */
function createFakeCache(files: Map<string, string>, options: { failRestore?: boolean } = {}) {
  const entries: Array<{ key: string; paths: string[]; content: string }> = [];
  const calls: string[] = [];
  /** Restores that found a key only under other paths: the bug a per-run path causes. */
  const pathMismatches: string[] = [];
  const cache: BaselineCache = {
    async restore(paths, primaryKey, restoreKeys = []) {
      calls.push(`restore ${primaryKey} [${restoreKeys.join(',')}] ${paths.join(',')}`);
      if (options.failRestore) throw new Error('cache service unavailable');
      const keyMatches = (e: { key: string }) =>
        e.key === primaryKey || restoreKeys.some((prefix) => e.key.startsWith(prefix));
      const samePaths = (e: { paths: string[] }) => e.paths.join('\n') === paths.join('\n');
      const hit = [...entries].reverse().find((e) => keyMatches(e) && samePaths(e));
      if (!hit) {
        const elsewhere = entries.find(keyMatches);
        if (elsewhere) pathMismatches.push(`${elsewhere.paths.join(',')} → ${paths.join(',')}`);
        return undefined;
      }
      files.set(paths[0] ?? '', hit.content);
      return hit.key;
    },
    async save(paths, key) {
      calls.push(`save ${key} ${paths.join(',')}`);
      entries.push({ key, paths: [...paths], content: files.get(paths[0] ?? '') ?? '' });
    },
  };
  return { cache, entries, calls, pathMismatches };
}

function fakeAlerts(
  result: unknown[] | Error | Partial<Record<ExistingAlertState, unknown[]>>,
): AlertsReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async listAlerts(ref, state) {
      reads.push(`${state} ${ref}`);
      if (result instanceof Error) throw result;
      if (Array.isArray(result)) return state === 'open' ? result : [];
      return result[state] ?? [];
    },
  };
}

function config(
  gateScope: Config['gateScope'],
  baseline: Config['baseline'],
): Pick<Config, 'gateScope' | 'baseline' | 'sarifCategory'> {
  return { gateScope, baseline, sarifCategory: 'security-gate' };
}

const findings = loadTrivyFindings('trivy/image-alpine-310.json');
const BASE_META = {
  ref: 'refs/heads/main',
  sha: 'abc',
  category: 'security-gate',
  createdAt: '2025-01-01T00:00:00Z',
};

function partitionByState(alerts: unknown[]): [unknown[], unknown[]] {
  const stateOf = (a: unknown) => (a as { state?: string }).state;
  return [
    alerts.filter((a) => stateOf(a) === 'open'),
    alerts.filter((a) => stateOf(a) === 'dismissed'),
  ];
}
const readFixture = async (path: string): Promise<string> =>
  readFileSync(path.startsWith('/') ? path : `${SHARED_FIXTURES}${path}`, 'utf8');

async function seededCache(branch: string, shas: string[]) {
  const files = new Map<string, string>();
  const fake = createFakeCache(files);
  for (const sha of shas) {
    const record = buildBaselineRecord(sha === 'old' ? [] : findings, {
      ref: `refs/heads/${branch}`,
      sha,
      category: 'security-gate',
      createdAt: '2025-01-01T00:00:00Z',
    });
    await saveBaselineRecord({
      cache: fake.cache,
      record,
      recordPath: RECORD_PATH,
      writeFile: async (p, t) => void files.set(p, t),
      logger: createMemoryLogger(),
    });
  }
  return {
    ...fake,
    files,
    readFile: async (p: string) => files.get(p) ?? Promise.reject(new Error(`ENOENT ${p}`)),
  };
}

describe('resolveBaseline', () => {
  it.each([
    ['all', { kind: 'auto' }, 'pull_request', true, /gate-scope is all/],
    [
      'new',
      { kind: 'auto' },
      'push',
      false,
      /applies to pull requests; on push every finding counts/,
    ],
    ['new', { kind: 'auto' }, 'schedule', false, /on schedule every finding counts/],
    ['new', { kind: 'none' }, 'pull_request', true, /baseline is none/],
    [
      'new',
      { kind: 'auto' },
      'workflow_run:push',
      false,
      /on a workflow_run of push every finding/,
    ],
  ] as const)('%s / %j on %s: no source', async (scope, baseline, event, gates, note) => {
    const { cache, calls } = createFakeCache(new Map());
    const [eventName = '', triggeringEvent] = event.split(':');
    const resolved = await resolveBaseline({
      config: config(scope, baseline),
      gatesPullRequest: gates,
      eventName,
      triggeringEvent,
      baseRef: 'main',
      cache,
      recordPath: RECORD_PATH,
      readFile: readFixture,
      logger: createMemoryLogger(),
    });
    expect(resolved.source).toBeUndefined();
    expect(resolved.note).toMatch(note);
    expect(calls).toEqual([]);
  });

  it('restores the newest record of the base branch, not of a branch whose name it prefixes', async () => {
    const seeded = await seededCache('main', ['old', 'newsha']);
    // A branch `main-old` saved later must not be taken for `main`.
    const other = buildBaselineRecord([], {
      ref: 'refs/heads/main-old',
      sha: 'x',
      category: 'security-gate',
      createdAt: '',
    });
    await saveBaselineRecord({
      cache: seeded.cache,
      record: other,
      recordPath: RECORD_PATH,
      writeFile: async (p, t) => void seeded.files.set(p, t),
      logger: createMemoryLogger(),
    });
    const alerts = fakeAlerts([]);
    const resolved = await resolveBaseline({
      config: config('new', { kind: 'auto' }),
      gatesPullRequest: true,
      eventName: 'pull_request',
      baseRef: 'main',
      cache: seeded.cache,
      alerts,
      recordPath: RECORD_PATH,
      readFile: seeded.readFile,
      logger: createMemoryLogger(),
    });
    expect(resolved.source?.kind).toBe('record');
    expect(resolved.source?.label).toContain('main at newsha');
    expect(resolved.source?.fingerprints).toHaveLength(findings.length);
    expect(alerts.reads).toEqual([]);
    expect(seeded.pathMismatches).toEqual([]);
    expect(describeBaseline(resolved, 4)).toMatch(
      /^4 existing finding\(s\) from the baseline record of main/,
    );
  });

  it('falls back to the open and dismissed alerts of the base branch without a record', async () => {
    const { cache } = createFakeCache(new Map());
    const [open, dismissed] = partitionByState(
      readFixtureJson('../baseline/code-scanning-alerts-alpine-image.json') as unknown[],
    );
    const alerts = fakeAlerts({ open, dismissed });
    const resolved = await resolveBaseline({
      config: config('new', { kind: 'auto' }),
      gatesPullRequest: true,
      eventName: 'pull_request_target',
      baseRef: 'refs/heads/release/1.x',
      cache,
      alerts,
      recordPath: RECORD_PATH,
      readFile: readFixture,
      logger: createMemoryLogger(),
    });
    expect(alerts.reads).toEqual([
      'open refs/heads/release/1.x',
      'dismissed refs/heads/release/1.x',
    ]);
    // Every alert with a rule, with its category: which are this run's is known when marking.
    expect(resolved.source).toMatchObject({
      kind: 'alerts',
      label: 'open or dismissed code scanning alerts of release/1.x',
    });
    expect(resolved.source?.results.map((r) => `${r.ruleId} ${r.category}`)).toEqual([
      'CVE-2019-1549 security-gate/trivy/testdata-fixtures-images-alpine-310.tar.gz',
      'CVE-2019-1551 security-gate/trivy/ghcr.io-acme-worker',
      'CVE-2019-1549 nightly/trivy/testdata-fixtures-images-alpine-310.tar.gz',
      'CVE-2019-1549 security-gate-legacy/trivy/testdata-fixtures-images-alpine-310.tar.gz',
      'js/xss /language:javascript-typescript',
      'CVE-2019-1551 security-gate/trivy/testdata-fixtures-images-alpine-310.tar.gz',
    ]);
  });

  it.each([
    [
      'a failing cache and alerts API',
      { failRestore: true },
      fakeAlerts(new Error('HTTP 403 Resource not accessible by integration')),
      /could not be read \(HTTP 403/,
      2,
    ],
    ['no alerts reader', {}, undefined, /cannot be read without a token/, 0],
  ])(
    'without record or alerts (%s) every finding counts',
    async (_label, cacheOptions, alerts, note, warnings) => {
      const { cache } = createFakeCache(new Map(), cacheOptions);
      const logger = createMemoryLogger();
      const resolved = await resolveBaseline({
        config: config('new', { kind: 'auto' }),
        gatesPullRequest: true,
        eventName: 'pull_request',
        baseRef: 'main',
        cache,
        alerts,
        recordPath: RECORD_PATH,
        readFile: readFixture,
        logger,
      });
      expect(resolved.source).toBeUndefined();
      expect(resolved.note).toMatch(/^no baseline record of main \(a push run saves one\)/);
      expect(resolved.note).toMatch(note);
      expect(describeBaseline(resolved, 0)).toBe(resolved.note);
      expect(logger.lines.filter((l) => l.startsWith('warning:'))).toHaveLength(warnings);
    },
  );

  it.each([
    [
      'a corrupt record',
      `{"version":${BASELINE_RECORD_VERSION}}`,
      /not a Security Gate baseline record/,
    ],
    [
      "a record of the release before this one's ids",
      JSON.stringify({
        ...buildBaselineRecord(findings, BASE_META),
        version: BASELINE_RECORD_VERSION - 1,
      }),
      /a baseline record of version 1, not 2/,
    ],
  ])('ignores %s and uses the alerts', async (_label, content, warning) => {
    const files = new Map<string, string>();
    const { cache, entries } = createFakeCache(files);
    entries.push({
      key: `${baselineKeyPrefix('security-gate', 'main')}abc`,
      paths: [RECORD_PATH],
      content,
    });
    const logger = createMemoryLogger();
    const resolved = await resolveBaseline({
      config: config('new', { kind: 'auto' }),
      gatesPullRequest: true,
      eventName: 'pull_request',
      baseRef: 'main',
      cache,
      alerts: fakeAlerts([]),
      recordPath: RECORD_PATH,
      readFile: async (p) => files.get(p) ?? '',
      logger,
    });
    expect(resolved.source?.kind).toBe('alerts');
    expect(logger.lines.join('\n')).toMatch(warning);
  });

  it('reads a SARIF file named by baseline', async () => {
    const { cache } = createFakeCache(new Map());
    const resolved = await resolveBaseline({
      config: config('new', { kind: 'file', path: 'trivy/image-alpine-310.sarif' }),
      gatesPullRequest: true,
      eventName: 'pull_request',
      cache,
      recordPath: RECORD_PATH,
      readFile: readFixture,
      logger: createMemoryLogger(),
    });
    expect(resolved.source).toMatchObject({ kind: 'sarif', label: 'trivy/image-alpine-310.sarif' });
    expect(resolved.source?.results).toHaveLength(4);
  });

  it.each([
    ['missing.sarif', /could not be read as JSON/],
    ['trivy/image-alpine-310.json', /which is not a SARIF log/],
  ])('refuses baseline file %s with a ConfigError', async (path, message) => {
    const { cache } = createFakeCache(new Map());
    const attempt = resolveBaseline({
      config: config('new', { kind: 'file', path }),
      gatesPullRequest: true,
      eventName: 'pull_request',
      cache,
      recordPath: RECORD_PATH,
      readFile: readFixture,
      logger: createMemoryLogger(),
    });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(message);
  });
});

describe('record scope and path', () => {
  const API = 'ghcr.io/acme/api:1.4.2';
  const WORKER = 'ghcr.io/acme/worker:1.4.2';

  it('gives each image under one sarif-category its own scope', () => {
    expect(baselineScope('security-gate')).toBe('security-gate');
    expect(baselineScope('security-gate', API)).toMatch(/^security-gate\/ghcr\.io-acme-api/);
    expect(baselineScope('security-gate', API)).not.toBe(baselineScope('security-gate', WORKER));
    expect(baselineKeyPrefix(baselineScope('security-gate', API), 'main')).not.toBe(
      baselineKeyPrefix(baselineScope('security-gate', WORKER), 'main'),
    );
  });

  it('names the image as the SARIF category does (a new tag is the same scope exactly when it is the same category)', () => {
    const category = (ref: string) => sarifCategoryId('security-gate', 'trivy', ref);
    const image = (ref: string) =>
      baselineScope('security-gate', ref).slice('security-gate/'.length);
    expect(category(API).endsWith(`/${image(API)}/`)).toBe(true);
    const next = 'ghcr.io/acme/api:1.4.3';
    expect(baselineScope('security-gate', next) === baselineScope('security-gate', API)).toBe(
      category(next) === category(API),
    );
  });

  it('is one fixed path per scope, whatever the run', () => {
    const api = baselineRecordPath('/home/runner/work/_temp', baselineScope('security-gate', API));
    expect(api).toBe(
      baselineRecordPath('/home/runner/work/_temp', baselineScope('security-gate', API)),
    );
    expect(api.startsWith('/home/runner/work/_temp/security-gate-baseline/')).toBe(true);
    expect(api).not.toBe(
      baselineRecordPath('/home/runner/work/_temp', baselineScope('security-gate', WORKER)),
    );
  });

  it('a pull request restores the record of its own image only', async () => {
    const files = new Map<string, string>();
    const fake = createFakeCache(files);
    for (const [image, source] of [
      [API, findings],
      [WORKER, loadTrivyFindings('trivy/image-fluentd-os-and-gems.json')],
    ] as const) {
      const scope = baselineScope('security-gate', image);
      await saveBaselineRecord({
        cache: fake.cache,
        record: buildBaselineRecord(source, {
          ref: 'refs/heads/main',
          sha: 'abc',
          category: scope,
          createdAt: '',
        }),
        recordPath: baselineRecordPath('/tmp/runner', scope),
        writeFile: async (p, t) => void files.set(p, t),
        logger: createMemoryLogger(),
      });
    }
    const resolved = await resolveBaseline({
      config: config('new', { kind: 'auto' }),
      gatesPullRequest: true,
      eventName: 'workflow_run',
      triggeringEvent: 'pull_request',
      imageRef: API,
      baseRef: 'main',
      cache: fake.cache,
      recordPath: baselineRecordPath('/tmp/runner', baselineScope('security-gate', API)),
      readFile: async (p) => files.get(p) ?? Promise.reject(new Error(`ENOENT ${p}`)),
      logger: createMemoryLogger(),
    });
    expect(fake.pathMismatches).toEqual([]);
    expect(resolved.source?.fingerprints).toEqual([...new Set(findings.map((f) => f.id))].sort());
  });

  it('the fake cache misses, like the real one, when restored to another path', async () => {
    const seeded = await seededCache('main', ['abc']);
    const resolved = await resolveBaseline({
      config: config('new', { kind: 'auto' }),
      gatesPullRequest: true,
      eventName: 'pull_request',
      baseRef: 'main',
      cache: seeded.cache,
      recordPath: '/tmp/another-run-1234/baseline-record.json',
      readFile: seeded.readFile,
      logger: createMemoryLogger(),
    });
    expect(resolved.source).toBeUndefined();
    expect(seeded.pathMismatches).toEqual([
      `${RECORD_PATH} → /tmp/another-run-1234/baseline-record.json`,
    ]);
  });
});

describe('baseline cache keys', () => {
  it.each([
    ['security-gate', 'main', 'abc', 'security-gate-baseline-security_2dgate-main-abc'],
    [
      'sg/images',
      'refs/heads/feature/x-y',
      'abc',
      'security-gate-baseline-sg_2fimages-feature_2fx_2dy-abc',
    ],
  ])('%s %s %s → %s', (category, branch, sha, key) => {
    expect(baselineKey(category, branch, sha)).toBe(key);
    expect(key.startsWith(baselineKeyPrefix(category, branch))).toBe(true);
  });

  it('keeps branches apart that differ only in escaped characters', () => {
    expect(baselineKeyPrefix('c', 'a/b')).not.toBe(baselineKeyPrefix('c', 'a-b'));
    expect(baselineKey('c', 'main-old', 's').startsWith(baselineKeyPrefix('c', 'main'))).toBe(
      false,
    );
  });

  it('warns and goes on when saving fails', async () => {
    const logger = createMemoryLogger();
    const cache: BaselineCache = {
      restore: async () => undefined,
      save: async () => Promise.reject(new Error('Unable to reserve cache')),
    };
    const record = buildBaselineRecord([], {
      ref: 'refs/heads/main',
      sha: 's',
      category: 'c',
      createdAt: '',
    });
    await expect(
      saveBaselineRecord({
        cache,
        record,
        recordPath: RECORD_PATH,
        writeFile: async () => undefined,
        logger,
      }),
    ).resolves.toBeUndefined();
    expect(logger.lines).toEqual([
      'warning: Baseline: could not save the record of main as security-gate-baseline-c-main-s: Unable to reserve cache',
    ]);
  });
});
