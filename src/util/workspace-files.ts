/**
 * Read-only access to files of the repository checkout, for the stages that
 * need to know whether a finding's path exists (SARIF locations, annotations)
 * and what its flagged line says (fingerprints). Paths are repository-relative;
 * anything that would leave the workspace is treated as absent.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface WorkspaceFiles {
  exists(relativePath: string): boolean;
  /** The 1-based line's text, or undefined when the file or line is not there. */
  readLine(relativePath: string, line: number): string | undefined;
}

const MAX_FILE_BYTES = 8 * 1024 * 1024;

/** Creates a cached view of the workspace's files. */
export function createWorkspaceFiles(workspace: string): WorkspaceFiles {
  const root = path.resolve(workspace);
  const existsCache = new Map<string, boolean>();
  const linesCache = new Map<string, string[] | undefined>();

  const resolve = (relativePath: string): string | undefined => {
    if (relativePath === '' || path.isAbsolute(relativePath)) return undefined;
    const absolute = path.resolve(root, relativePath);
    return absolute.startsWith(root + path.sep) ? absolute : undefined;
  };

  const exists = (relativePath: string): boolean => {
    const cached = existsCache.get(relativePath);
    if (cached !== undefined) return cached;
    const absolute = resolve(relativePath);
    let result = false;
    try {
      result = absolute !== undefined && statSync(absolute).isFile();
    } catch {
      result = false;
    }
    existsCache.set(relativePath, result);
    return result;
  };

  const readLines = (relativePath: string): string[] | undefined => {
    if (linesCache.has(relativePath)) return linesCache.get(relativePath);
    let lines: string[] | undefined;
    const absolute = resolve(relativePath);
    try {
      if (
        absolute !== undefined &&
        exists(relativePath) &&
        statSync(absolute).size <= MAX_FILE_BYTES
      ) {
        lines = readFileSync(absolute, 'utf8').split(/\r?\n/);
      }
    } catch {
      lines = undefined;
    }
    linesCache.set(relativePath, lines);
    return lines;
  };

  return {
    exists,
    readLine: (relativePath, line) => readLines(relativePath)?.[line - 1],
  };
}
