/**
 * Scratch directories for tests. Every directory made here is removed after
 * the last test of the file that made it (`cleanup-temp-dirs.ts`, a vitest
 * setup file, registers that `afterAll` for every test file).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const created: string[] = [];

/** Makes a fresh directory under the OS temp dir, removed after the file's tests. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** `makeTempDir` under the name the test files use. */
export function useTempDirs(): (prefix: string) => string {
  return makeTempDir;
}

/** Removes every directory made so far (called once per test file, after its tests). */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}
