/**
 * Installs a pinned Trivy or Grype release when the binary is not on PATH:
 * download the archive and the release's checksums file, verify the
 * archive's SHA-256 (and the user's pinned hash) BEFORE anything is
 * unpacked or run, unpack, and keep it in the runner's tool cache.
 *
 * Cache hits: the tool cache holds the unpacked directory, so the archive
 * cannot be hashed again. We write a marker with the verified archive hash
 * next to the binary and trust a cache entry only when its marker is there
 * and, with a pinned hash, names that hash; anything else is reinstalled.
 * Whoever can write the runner's tool cache already controls the runner.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../util/logger.js';
import { describeScannerAsset, type InstallableTool, type ScannerAsset } from './assets.js';
import { findChecksum } from './checksums.js';

/** Downloads a URL to a file (the real one wraps `@actions/tool-cache` downloadTool). */
export interface HttpDownloader {
  /** Rejects when the server does not answer 2xx; `destination` must not exist. */
  download(url: string, destination: string): Promise<void>;
}

/** The runner's tool cache (the real one wraps `@actions/tool-cache`). */
export interface ToolCacheStore {
  /** Directory of a cached tool version, or '' when absent. */
  find(tool: string, version: string, arch: string): string;
  /** Unpacks a .tar.gz into `destination`, returning it. */
  extractTar(file: string, destination: string): Promise<string>;
  /** Copies a directory into the cache, returning the cached directory. */
  cacheDir(sourceDir: string, tool: string, version: string, arch: string): Promise<string>;
}

/** The scanner could not be installed; nothing was run. */
export class InstallError extends Error {
  override readonly name = 'InstallError';
}

/** Options of `installScanner`. */
export interface InstallScannerOptions {
  tool: InstallableTool;
  version: string;
  /** The user's pin (`trivy-sha256` / `grype-sha256`), checked on top of the release checksums. */
  expectedSha256?: string;
  downloadBaseUrl: string;
  platform: NodeJS.Platform;
  arch: string;
  http: HttpDownloader;
  toolCache: ToolCacheStore;
  logger: Logger;
  tempDir: string;
}

/** Marker written next to the binary: the archive it came from and its verified hash. */
const MARKER = 'security-gate-install.json';

/** Tool cache name: distinct from other actions' `trivy` entries, which we did not verify. */
function cacheName(tool: InstallableTool): string {
  return `security-gate-${tool}`;
}

/** SHA-256 of a file, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readMarker(dir: string): Promise<{ archive?: string; sha256?: string } | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(dir, MARKER), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const record = parsed as Record<string, unknown>;
    return {
      ...(typeof record['archive'] === 'string' ? { archive: record['archive'] } : {}),
      ...(typeof record['sha256'] === 'string' ? { sha256: record['sha256'] } : {}),
    };
  } catch {
    return undefined;
  }
}

async function findCached(
  asset: ScannerAsset,
  options: InstallScannerOptions,
): Promise<string | undefined> {
  const dir = options.toolCache.find(cacheName(asset.tool), asset.version, options.arch);
  if (dir === '') return undefined;
  const marker = await readMarker(dir);
  const trusted =
    marker?.archive === asset.archiveName &&
    marker.sha256 !== undefined &&
    (options.expectedSha256 === undefined ||
      marker.sha256 === options.expectedSha256.toLowerCase());
  if (!trusted) {
    options.logger.info(
      `Cached ${asset.tool} ${asset.version} was not verified for this configuration; installing it again.`,
    );
    return undefined;
  }
  const binary = join(dir, asset.binaryName);
  try {
    await access(binary);
    return binary;
  } catch {
    return undefined;
  }
}

async function download(
  options: InstallScannerOptions,
  url: string,
  destination: string,
  name: string,
): Promise<void> {
  try {
    await options.http.download(url, destination);
  } catch (error) {
    throw new InstallError(
      `Could not download ${name} from ${url}: ${(error as Error).message}. Nothing was unpacked or run.`,
    );
  }
}

/**
 * Downloads the archive and checks its SHA-256 against the release's
 * checksums file and the user's pin. Returns the verified archive path and
 * hash; throws `InstallError` naming the file and both hashes otherwise (or
 * the archive's own hash when the checksums file does not list it).
 */
async function downloadVerified(
  asset: ScannerAsset,
  options: InstallScannerOptions,
  workDir: string,
): Promise<{ archive: string; sha256: string }> {
  const checksumsFile = join(workDir, asset.checksumsName);
  await download(options, asset.checksumsUrl, checksumsFile, asset.checksumsName);
  const listed = findChecksum(await readFile(checksumsFile, 'utf8'), asset.archiveName);
  const archive = join(workDir, asset.archiveName);
  // Downloaded (never unpacked) even without an entry: its hash is what the user needs to check it.
  await download(options, asset.archiveUrl, archive, asset.archiveName);
  const actual = await hashFile(archive);
  if (listed === undefined) {
    throw new InstallError(
      `${asset.checksumsName} has no SHA-256 entry for ${asset.archiveName} (the downloaded archive's SHA-256 is ${actual}); refusing to install ${asset.tool} ${asset.version}. Check '${asset.tool}-version' and 'download-base-url'. Nothing was unpacked or run.`,
    );
  }
  const mismatch = (expected: string, origin: string): InstallError =>
    new InstallError(
      `SHA-256 mismatch for ${asset.archiveName}: expected ${expected} (${origin}), got ${actual}. Nothing was unpacked or run.`,
    );
  if (actual !== listed) throw mismatch(listed, `from ${asset.checksumsName}`);
  const pinned = options.expectedSha256?.toLowerCase();
  if (pinned !== undefined && actual !== pinned)
    throw mismatch(pinned, `from the ${asset.tool}-sha256 input`);
  options.logger.info(`Verified ${asset.archiveName}: SHA-256 ${actual}.`);
  return { archive, sha256: actual };
}

async function unpackAndCache(
  asset: ScannerAsset,
  options: InstallScannerOptions,
  verified: { archive: string; sha256: string; workDir: string },
): Promise<string> {
  const unpacked = await options.toolCache.extractTar(
    verified.archive,
    join(verified.workDir, 'unpacked'),
  );
  const binary = join(unpacked, asset.binaryName);
  try {
    await access(binary);
  } catch {
    throw new InstallError(
      `${asset.archiveName} does not contain ${asset.binaryName} at its top level.`,
    );
  }
  await chmod(binary, 0o755);
  await writeFile(
    join(unpacked, MARKER),
    JSON.stringify({ archive: asset.archiveName, sha256: verified.sha256 }),
  );
  const cached = await options.toolCache.cacheDir(
    unpacked,
    cacheName(asset.tool),
    asset.version,
    options.arch,
  );
  return join(cached, asset.binaryName);
}

/**
 * Returns the path of a verified `trivy`/`grype` binary of `version`,
 * from the tool cache or freshly installed. Throws `UnsupportedPlatformError`
 * or `InstallError`; on any verification failure nothing is unpacked or run.
 */
export async function installScanner(options: InstallScannerOptions): Promise<string> {
  const asset = describeScannerAsset(options);
  const cached = await findCached(asset, options);
  if (cached !== undefined) {
    options.logger.info(`Using ${asset.tool} ${asset.version} from the tool cache.`);
    return cached;
  }
  options.logger.info(`Installing ${asset.tool} ${asset.version} from ${asset.archiveUrl}.`);
  await mkdir(options.tempDir, { recursive: true });
  const workDir = await mkdtemp(join(options.tempDir, `install-${asset.tool}-`));
  try {
    const verified = await downloadVerified(asset, options, workDir);
    return await unpackAndCache(asset, options, { ...verified, workDir });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
