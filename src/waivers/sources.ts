/**
 * The files waivers come from, as one table: the waivers file, `.trivyignore`
 * and the grype config's `ignore:` rules (SPEC section 6). Loading (load.ts)
 * and the review of a pull request's changes (review.ts) both name and parse
 * them through here, so a waiver's origin always names its file the same way.
 * Pure: paths are computed, never read.
 */
import path from 'node:path';
import { parseGrypeIgnoreRules, parseTrivyIgnore, parseWaiversFile } from './parse.js';
import type { Waiver } from './waiver.js';

export type WaiverSourceKind = 'waivers-file' | 'trivyignore' | 'grype';

/** One file waivers may come from. */
export interface WaiverSource {
  kind: WaiverSourceKind;
  /** Repository-relative with forward slashes (absolute only for a file outside the workspace). */
  label: string;
}

const TRIVYIGNORE_FILE = '.trivyignore';

/** Grype's own config lookup order in a project directory (the first found wins). */
const GRYPE_CONFIG_FILES = ['.grype.yaml', '.grype.yml', '.grype/config.yaml', '.grype/config.yml'];

/** What a parser may be told besides the text: where to send warnings (rules not applied). */
export interface ParseSourceOptions {
  warn?: (message: string) => void;
}

const PARSERS: Record<
  WaiverSourceKind,
  (text: string, label: string, options: ParseSourceOptions) => Waiver[]
> = {
  'waivers-file': parseWaiversFile,
  trivyignore: parseTrivyIgnore,
  grype: (text, label, options) => parseGrypeIgnoreRules(text, label, options),
};

/**
 * How origins, errors and the contents API name a waiver file: relative to
 * the workspace, forward slashes, no `./`; a file outside the workspace
 * keeps its absolute path. `waivers-file: /home/runner/work/app/app/x.yml`
 * and `./x.yml` both become `x.yml`.
 */
export function waiverFileLabel(workspace: string, file: string): string {
  const absolute = path.resolve(workspace, file);
  const relative = path.relative(path.resolve(workspace), absolute);
  const outside = relative === '' || relative.startsWith('..') || path.isAbsolute(relative);
  return (outside ? absolute : relative).split(path.sep).join('/');
}

/** True for a label of a file inside the workspace (one the repository can hold). */
export function isRepositoryLabel(label: string): boolean {
  return label !== '' && !label.startsWith('/') && !/^[A-Za-z]:/.test(label);
}

/** Every file waivers may come from, in the order `loadWaivers` applies them. */
export function listWaiverSources(workspace: string, waiversFile: string): WaiverSource[] {
  return [
    { kind: 'waivers-file', label: waiverFileLabel(workspace, waiversFile) },
    { kind: 'trivyignore', label: TRIVYIGNORE_FILE },
    ...GRYPE_CONFIG_FILES.map((label): WaiverSource => ({ kind: 'grype', label })),
  ];
}

/** Parses a source's text; throws `ConfigError` naming the file and entry. */
export function parseWaiverSource(
  source: WaiverSource,
  text: string,
  options: ParseSourceOptions = {},
): Waiver[] {
  return PARSERS[source.kind](text, source.label, options);
}

/** True when a waiver was written in `label` (`x.yml#3`, `.trivyignore:7`). */
export function isFromSource(waiver: Waiver, label: string): boolean {
  const rest = waiver.origin.slice(label.length);
  return waiver.origin.startsWith(label) && /^[#:]\d+$/.test(rest);
}
