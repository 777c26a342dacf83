/**
 * Reading the waiver sources from the workspace (the one module here with
 * side effects): the waivers file, `.trivyignore` and the grype config's
 * `ignore:` rules. Parsing is left to the pure `parse.ts`.
 */
import { readFile as readFileFromDisk } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config/errors.js';
import { parseGrypeIgnoreRules, parseTrivyIgnore, parseWaiversFile } from './parse.js';
import type { Waiver } from './waiver.js';

/** Reads a file as UTF-8; `undefined` when it does not exist. */
export type ReadOptionalFile = (absolutePath: string) => Promise<string | undefined>;

/** Where to look. */
export interface LoadWaiversOptions {
  workspace: string;
  /** `waivers-file` input, relative to the workspace (or absolute). */
  waiversFile: string;
  /** True when the user named the file: then a missing file is an error. */
  explicit: boolean;
  /** Injectable for tests; default reads the disk. */
  readFile?: ReadOptionalFile;
}

/** Grype's own config lookup order in a project directory (the first found wins). */
const GRYPE_CONFIG_FILES = ['.grype.yaml', '.grype.yml', '.grype/config.yaml', '.grype/config.yml'];

/**
 * Loads every waiver: the waivers file first (its entries win over scanner
 * ignore files when several match), then `.trivyignore`, then the grype
 * config's `ignore:` rules. Throws `ConfigError` for a missing named file
 * or a malformed entry.
 */
export async function loadWaivers(options: LoadWaiversOptions): Promise<Waiver[]> {
  const read = options.readFile ?? readOptionalFile;
  const waiversPath = path.resolve(options.workspace, options.waiversFile);
  const label = toLabel(options.workspace, waiversPath);
  const waiversText = await read(waiversPath);
  if (waiversText === undefined && options.explicit) {
    throw new ConfigError(
      `Input 'waivers-file' has an invalid value ${JSON.stringify(options.waiversFile)}: the file does not exist in the workspace (leave the input out to use the optional default ${JSON.stringify('.github/security-waivers.yml')}).`,
    );
  }
  const waivers = waiversText === undefined ? [] : parseWaiversFile(waiversText, label);
  const trivyIgnore = await read(path.join(options.workspace, '.trivyignore'));
  if (trivyIgnore !== undefined) waivers.push(...parseTrivyIgnore(trivyIgnore, '.trivyignore'));
  for (const name of GRYPE_CONFIG_FILES) {
    const text = await read(path.join(options.workspace, name));
    if (text === undefined) continue;
    waivers.push(...parseGrypeIgnoreRules(text, name));
    break;
  }
  return waivers;
}

/** Workspace-relative, forward slashes: how origins and errors name the file. */
function toLabel(workspace: string, absolutePath: string): string {
  const relative = path.relative(workspace, absolutePath);
  return (relative.startsWith('..') || path.isAbsolute(relative) ? absolutePath : relative)
    .split(path.sep)
    .join('/');
}

async function readOptionalFile(absolutePath: string): Promise<string | undefined> {
  try {
    return await readFileFromDisk(absolutePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new ConfigError(
      `Could not read ${absolutePath}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
