/**
 * Reading the waiver sources from the workspace (the one module here with
 * side effects): the waivers file, `.trivyignore` and the grype config's
 * `ignore:` rules, as listed and parsed by the pure `sources.ts`.
 */
import { readFile as readFileFromDisk } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config/errors.js';
import { listWaiverSources, parseWaiverSource } from './sources.js';
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
  /** Told about grype ignore rules that are not applied (criteria the action cannot evaluate). */
  warn?: (message: string) => void;
}

/**
 * Loads every waiver: the waivers file first (its entries win over scanner
 * ignore files when several match), then `.trivyignore`, then the grype
 * config's `ignore:` rules. Throws `ConfigError` for a missing named file
 * or a malformed entry.
 */
export async function loadWaivers(options: LoadWaiversOptions): Promise<Waiver[]> {
  const read = options.readFile ?? readOptionalFile;
  const waivers: Waiver[] = [];
  let grypeConfigRead = false;
  for (const source of listWaiverSources(options.workspace, options.waiversFile)) {
    // Grype reads the first config it finds; so do we.
    if (source.kind === 'grype' && grypeConfigRead) break;
    const text = await read(path.resolve(options.workspace, source.label));
    if (text === undefined) {
      if (source.kind === 'waivers-file' && options.explicit) throw missingWaiversFile(options);
      continue;
    }
    waivers.push(...parseWaiverSource(source, text, { warn: options.warn }));
    grypeConfigRead ||= source.kind === 'grype';
  }
  return waivers;
}

function missingWaiversFile(options: LoadWaiversOptions): ConfigError {
  return new ConfigError(
    `Input 'waivers-file' has an invalid value ${JSON.stringify(options.waiversFile)}: the file does not exist in the workspace (leave the input out to use the optional default ${JSON.stringify('.github/security-waivers.yml')}).`,
  );
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
