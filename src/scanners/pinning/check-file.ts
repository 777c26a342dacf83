/**
 * Dispatches one file to its checker (a strategy table, not an `if` chain)
 * and turns an unparseable file into a note instead of a crash. Pure.
 */
import type { Finding } from '../../findings/finding.js';
import { checkDockerfile } from './check-dockerfile.js';
import { checkRequirements } from './check-requirements.js';
import { checkCompose, checkKubernetes, checkWorkflow } from './check-yaml.js';
import type { PinningFileType } from './classify.js';
import { PinningParseError, showReference, type PinningFile } from './pinning-finding.js';

const CHECKERS: Record<PinningFileType, (file: PinningFile) => Finding[]> = {
  dockerfile: checkDockerfile,
  compose: checkCompose,
  workflow: checkWorkflow,
  requirements: checkRequirements,
  kubernetes: checkKubernetes,
};

/** What checking one file produced. */
export interface FileCheckResult {
  findings: Finding[];
  /** Set when the file could not be checked (shown in the summary, never fails the run). */
  note?: string;
  /** 1-based line the parse error points at, for the note's annotation. */
  noteLine?: number;
}

/**
 * Go/Helm templates are not YAML until rendered; a Kubernetes candidate
 * that fails to parse is only worth a note when it looks like a manifest.
 */
function isWorthANote(type: PinningFileType, text: string): boolean {
  if (type !== 'kubernetes') return true;
  if (text.includes('{{')) return false;
  return /^\s*apiVersion\s*:/m.test(text) && /^\s*kind\s*:/m.test(text);
}

/** Runs the checker for `type` on one file. */
export function checkPinningFile(type: PinningFileType, file: PinningFile): FileCheckResult {
  try {
    return { findings: CHECKERS[type](file) };
  } catch (error) {
    if (!isWorthANote(type, file.text)) return { findings: [] };
    const line = error instanceof PinningParseError ? error.line : undefined;
    const where = line !== undefined ? `${file.path}:${line}` : file.path;
    const message = error instanceof Error ? error.message : String(error);
    return {
      findings: [],
      note: `Pinning checker could not parse ${showReference(where)} (${showReference(message)}); its references were not checked.`,
      ...(line !== undefined ? { noteLine: line } : {}),
    };
  }
}
