/**
 * The pinning checker as a scanner strategy: walks the scanned directory
 * (not following symlinks, skipping `.git`, `node_modules` and `skip-dirs`),
 * hands each file it knows to the pure checkers and collects findings and
 * notes. The only part of the checker that touches the file system.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import type { Finding } from '../../findings/finding.js';
import type { ScanContext, ScanOutcome, ScannerStrategy } from '../types.js';
import { checkPinningFile } from './check-file.js';
import { classifyPinningFile, type PinningFileType } from './classify.js';
import { PINNING_TOOL } from './pinning-finding.js';
import { SECURITY_GATE_VERSION } from '../../version.js';

/** Larger files are generated data, not hand-written manifests. */
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const ALWAYS_SKIPPED = new Set(['.git', 'node_modules']);

interface WalkedFile {
  absolute: string;
  /** Relative to the scanned root, forward slashes. */
  relativeToRoot: string;
  type: PinningFileType;
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/** Lists the files the checkers read, depth first, in a stable order. */
export async function listPinningFiles(root: string, skipDirs: string[]): Promise<WalkedFile[]> {
  const isSkipped = skipDirs.length > 0 ? picomatch(skipDirs, { dot: true }) : () => false;
  const files: WalkedFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      const absolute = join(dir, entry.name);
      const relativeToRoot = toPosix(relative(root, absolute));
      if (entry.isDirectory()) {
        if (!ALWAYS_SKIPPED.has(entry.name) && !isSkipped(relativeToRoot)) await walk(absolute);
      } else if (entry.isFile()) {
        const type = classifyPinningFile(relativeToRoot);
        if (type !== undefined) files.push({ absolute, relativeToRoot, type });
      }
    }
  };
  await walk(root);
  return files;
}

async function checkOne(
  file: WalkedFile,
  context: ScanContext,
): Promise<{ findings: Finding[]; note?: string }> {
  const path = toPosix(relative(context.workspace, file.absolute));
  const size = (await lstat(file.absolute)).size;
  if (size > MAX_FILE_BYTES) {
    context.logger.debug(
      `Pinning checker skipped ${path}: ${size} bytes is more than a hand-written file.`,
    );
    return { findings: [] };
  }
  const text = await readFile(file.absolute, 'utf8');
  return checkPinningFile(file.type, { path, text, severity: context.config.pinningSeverity });
}

/** The directory the checker walks: the scanned path, or the workspace for image scans. */
function resolveRoot(context: ScanContext): string {
  return context.config.scanType === 'fs'
    ? resolve(context.workspace, context.config.scanRef)
    : context.workspace;
}

async function scanPinning(context: ScanContext): Promise<ScanOutcome> {
  const outcome: ScanOutcome = {
    scanner: 'pinning',
    tool: PINNING_TOOL,
    version: SECURITY_GATE_VERSION,
    target: context.config.scanRef,
    findings: [],
  };
  const notes: string[] = [];
  let files: WalkedFile[];
  try {
    files = await listPinningFiles(resolveRoot(context), context.config.skipDirs);
  } catch (error) {
    return {
      ...outcome,
      error: `pinning: cannot read ${context.config.scanRef}: ${(error as Error).message}`,
    };
  }
  for (const file of files) {
    try {
      const result = await checkOne(file, context);
      outcome.findings.push(
        ...result.findings.map((finding) => ({ ...finding, target: context.config.scanRef })),
      );
      if (result.note !== undefined) notes.push(result.note);
    } catch (error) {
      notes.push(
        `Pinning checker could not read ${file.relativeToRoot}: ${(error as Error).message}`,
      );
    }
  }
  context.logger.debug(
    `Pinning checker read ${files.length} files, found ${outcome.findings.length} unpinned references.`,
  );
  return notes.length > 0 ? { ...outcome, notes } : outcome;
}

/** The pinning checker's entry in the scanner strategy table. */
export function createPinningScanner(): ScannerStrategy {
  return { name: 'pinning', scan: scanPinning };
}
