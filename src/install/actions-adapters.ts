/**
 * The real `HttpDownloader`, `ToolCacheStore` and `CacheStore`, backed by
 * `@actions/tool-cache` (proxy support, retries on 5xx/408/429, the
 * runner's tool cache layout) and `@actions/cache`. Created in `main.ts`,
 * never at import time.
 */
import * as actionsCache from '@actions/cache';
import * as toolCache from '@actions/tool-cache';
import { CacheUnavailableError, type CacheStore } from './db-cache.js';
import type { HttpDownloader, ToolCacheStore } from './install.js';

/** Downloads with `@actions/tool-cache`; 4xx answers fail at once, 5xx are retried. */
export function createHttpDownloader(): HttpDownloader {
  return {
    async download(url, destination) {
      await toolCache.downloadTool(url, destination);
    },
  };
}

/** The runner's tool cache (`RUNNER_TOOL_CACHE`); unpacking uses the system `tar`. */
export function createToolCacheStore(): ToolCacheStore {
  return {
    find: (tool, version, arch) => toolCache.find(tool, version, arch),
    extractTar: (file, destination) => toolCache.extractTar(file, destination),
    cacheDir: (sourceDir, tool, version, arch) =>
      toolCache.cacheDir(sourceDir, tool, version, arch),
  };
}

/**
 * The Actions cache through `@actions/cache`; a key another job is saving
 * counts as saved. Without the cache service (outside GitHub Actions, or a
 * runner that does not offer it) every call rejects with
 * `CacheUnavailableError` before `@actions/cache` is asked: it would log its
 * own warning and report a save that never happened as done.
 */
export function createCacheStore(): CacheStore {
  const available = (): void => {
    if (!actionsCache.isFeatureAvailable()) {
      throw new CacheUnavailableError(
        'the Actions cache service is not available to this step (ACTIONS_CACHE_URL / ACTIONS_RESULTS_URL are not set)',
      );
    }
  };
  return {
    async restore(paths, primaryKey, restoreKeys) {
      available();
      return actionsCache.restoreCache(paths, primaryKey, restoreKeys);
    },
    async save(paths, key) {
      available();
      await actionsCache.saveCache(paths, key);
    },
  };
}
