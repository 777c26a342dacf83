/**
 * The pinning checker as a scanner strategy: walks the scanned directory
 * (not following symlinks, skipping `.git`, `node_modules` and `skip-dirs`)
 * or takes the scanned file, hands each file it knows to the pure checkers
 * and collects findings and notes. The only part of the checker that
 * touches the file system.
 */
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Finding } from '../../findings/finding.js';
import type { ScanContext, ScanOutcome, ScannerStrategy } from '../types.js';
import { createSkipDirMatcher } from '../skip-dirs.js';
import { checkPinningFile } from './check-file.js';
import { classifyPinningFile, type PinningFileType } from './classify.js';
import { PINNING_TOOL, showReference } from './pinning-finding.js';
import { SECURITY_GATE_VERSION } from '../../version.js';

/** Larger files are generated data, not hand-written manifests; they are noted, not read. */
export const MAX_PINNING_FILE_BYTES = 2 * 1024 * 1024;
const ALWAYS_SKIPPED = new Set(['.git', 'node_modules']);

/** Where the checker looks. */
export interface PinningRoot {
  absolute: string;
  /** Workspace-relative path of the root, forward slashes (`''` for the workspace, or outside it). */
  pathPrefix: string;
  /** True when `scan-ref` names a single file. */
  isFile: boolean;
}

/** A file the checkers read. */
export interface WalkedFile {
  absolute: string;
  /** Workspace-relative, forward slashes: how findings and notes name it. */
  path: string;
  type: PinningFileType;
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/** Workspace-relative when inside the workspace, else undefined. */
function inWorkspace(workspace: string, absolute: string): string | undefined {
  const rel = relative(workspace, absolute);
  return rel.startsWith('..') || isAbsolute(rel) ? undefined : toPosix(rel);
}

/** The scanned path for fs scans (a directory or one file), the workspace for image scans. */
async function resolvePinningRoot(context: ScanContext): Promise<PinningRoot> {
  const absolute =
    context.config.scanType === 'fs'
      ? resolve(context.workspace, context.config.scanRef)
      : context.workspace;
  // stat, not lstat: a scan-ref the user named may be a symlink; inside it nothing is followed.
  const isFile = (await stat(absolute)).isFile();
  return { absolute, pathPrefix: inWorkspace(context.workspace, absolute) ?? '', isFile };
}

/**
 * Lists the files the checkers read, depth first, in a stable order.
 * `skip-dirs` is workspace-relative and rebased onto the root as Trivy does.
 * Files are classified by their workspace-relative path, so a scan of
 * `.github` still knows its workflows.
 */
export async function listPinningFiles(
  root: PinningRoot,
  options: { workspace: string; skipDirs: readonly string[] },
): Promise<WalkedFile[]> {
  const toFile = (absolute: string): WalkedFile | undefined => {
    const classifyAs =
      inWorkspace(options.workspace, absolute) ??
      (toPosix(relative(root.absolute, absolute)) || basename(absolute));
    const type = classifyPinningFile(classifyAs);
    const path = toPosix(relative(options.workspace, absolute));
    return type === undefined ? undefined : { absolute, path, type };
  };
  if (root.isFile) {
    const file = toFile(root.absolute);
    return file === undefined ? [] : [file];
  }
  const isSkipped = createSkipDirMatcher(options.skipDirs, root.pathPrefix);
  const files: WalkedFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      const absolute = join(dir, entry.name);
      if (entry.isDirectory()) {
        const relativeToRoot = toPosix(relative(root.absolute, absolute));
        if (!ALWAYS_SKIPPED.has(entry.name) && !isSkipped(relativeToRoot)) await walk(absolute);
      } else if (entry.isFile()) {
        const file = toFile(absolute);
        if (file !== undefined) files.push(file);
      }
    }
  };
  await walk(root.absolute);
  return files;
}

/** What checking one file gave: findings, or a note (with the line it points at) on why not. */
interface CheckedFile {
  findings: Finding[];
  note?: string;
  noteLine?: number;
}

async function checkOne(file: WalkedFile, context: ScanContext): Promise<CheckedFile> {
  const size = (await lstat(file.absolute)).size;
  if (size > MAX_PINNING_FILE_BYTES) {
    // Not read, so not known to be pinned: said where the user sees it, not only in debug.
    return {
      findings: [],
      note: `Pinning checker skipped ${showReference(file.path)}: it is ${size} bytes, more than the ${MAX_PINNING_FILE_BYTES} bytes it reads; its references were not checked.`,
    };
  }
  const text = await readFile(file.absolute, 'utf8');
  return checkPinningFile(file.type, {
    path: file.path,
    text,
    severity: context.config.pinningSeverity,
  });
}

/** A note goes to the summary (via the outcome) and to the log as a notice on the file. */
function addNote(
  context: ScanContext,
  notes: string[],
  note: { text: string; file?: string; line?: number },
): void {
  notes.push(note.text);
  context.logger.notice(note.text, {
    title: 'Pinning checker',
    ...(note.file !== undefined ? { file: note.file } : {}),
    ...(note.line !== undefined ? { startLine: note.line } : {}),
  });
}

async function checkFiles(
  files: WalkedFile[],
  context: ScanContext,
  outcome: ScanOutcome,
  notes: string[],
): Promise<void> {
  for (const file of files) {
    try {
      const result = await checkOne(file, context);
      outcome.findings.push(
        ...result.findings.map((finding) => ({ ...finding, target: context.config.scanRef })),
      );
      if (result.note !== undefined)
        addNote(context, notes, { text: result.note, file: file.path, line: result.noteLine });
    } catch (error) {
      addNote(context, notes, {
        text: `Pinning checker could not read ${showReference(file.path)}: ${showReference((error as Error).message)}`,
        file: file.path,
      });
    }
  }
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
  let root: PinningRoot;
  try {
    root = await resolvePinningRoot(context);
    files = await listPinningFiles(root, {
      workspace: context.workspace,
      skipDirs: context.config.skipDirs,
    });
  } catch (error) {
    return {
      ...outcome,
      error: `pinning: cannot read ${context.config.scanRef}: ${(error as Error).message}`,
    };
  }
  if (root.isFile && files.length === 0) {
    addNote(context, notes, {
      text: `Pinning checker: ${showReference(context.config.scanRef)} is not a file it checks (Dockerfile, Compose, workflow or action, pip requirements, Kubernetes YAML).`,
    });
  }
  await checkFiles(files, context, outcome, notes);
  context.logger.debug(
    `Pinning checker read ${files.length} files, found ${outcome.findings.length} unpinned references.`,
  );
  return notes.length > 0 ? { ...outcome, notes } : outcome;
}

/** The pinning checker's entry in the scanner strategy table. */
export function createPinningScanner(): ScannerStrategy {
  return { name: 'pinning', scan: scanPinning };
}
