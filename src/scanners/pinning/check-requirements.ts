/**
 * Pinning check for pip requirement files under the `--require-hashes`
 * policy: every requirement needs at least one `--hash=`. Lines are joined
 * and comments stripped the way pip does it (`req_file.py`); option lines
 * (`-r`, `-c`, `-e`, `--index-url`, …) are not requirements. Pure.
 */
import type { Finding } from '../../findings/finding.js';
import {
  createPinningFinding,
  splitLinesKeepingNumbers,
  type PinningFile,
} from './pinning-finding.js';

/** pip's comment syntax: `#` at the start or after whitespace. */
const COMMENT = /(^|\s+)#.*$/;

/** One logical requirement line and the physical line it starts on. */
export interface RequirementLine {
  line: number;
  text: string;
}

/** Joins `\` continuations as pip does: a comment line ends a continuation. */
export function readRequirementLines(text: string): RequirementLine[] {
  const result: RequirementLine[] = [];
  let pending: RequirementLine | undefined;
  splitLinesKeepingNumbers(text).forEach((raw, index) => {
    const isComment = COMMENT.test(raw);
    if (!raw.endsWith('\\') || isComment) {
      const piece = isComment ? ` ${raw}` : raw;
      result.push(
        pending
          ? { line: pending.line, text: pending.text + piece }
          : { line: index + 1, text: piece },
      );
      pending = undefined;
      return;
    }
    const piece = raw.slice(0, -1);
    pending = pending
      ? { line: pending.line, text: pending.text + piece }
      : { line: index + 1, text: piece };
  });
  if (pending !== undefined) result.push(pending);
  return result
    .map((entry) => ({ line: entry.line, text: entry.text.replace(COMMENT, '').trim() }))
    .filter((entry) => entry.text !== '');
}

/** Checks a requirements file; returns a finding per requirement without `--hash`. */
export function checkRequirements(file: PinningFile): Finding[] {
  return readRequirementLines(file.text)
    .filter((entry) => !entry.text.startsWith('-'))
    .filter((entry) => !/(^|\s)--hash[=\s]/.test(entry.text))
    .map((entry) =>
      createPinningFinding(file, {
        rule: 'unhashed-pip-requirement',
        line: entry.line,
        reference: entry.text.split(/\s+/)[0] ?? entry.text,
      }),
    );
}
