/**
 * Builds the `Finding` every pinning checker returns, and the small helpers
 * the checkers share (digest test, safe display of a reference). Pure.
 */
import type { Finding, Severity } from '../../findings/finding.js';
import { truncate } from '../../util/safe-text.js';
import { PINNING_RULES, describeRule, type PinningRuleId } from './rules.js';

/** Display name of the checker (SARIF driver, `tools`). */
export const PINNING_TOOL = 'Security Gate pinning';

/** A checker's view of one file: where it is and what severity to give. */
export interface PinningFile {
  /** Path relative to the repository root, forward slashes. */
  path: string;
  text: string;
  severity: Severity;
}

/** What a checker found at one line. */
export interface PinningHit {
  rule: PinningRuleId;
  line: number;
  /** The reference as written (image, action), shown in the title. */
  reference: string;
  /** Extra sentence for the description (e.g. how an ARG resolved). */
  detail?: string;
}

/** Thrown by a checker for a file it cannot parse; the runner turns it into a note. */
export class PinningParseError extends Error {
  override readonly name = 'PinningParseError';
  constructor(
    readonly path: string,
    readonly line: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

const DIGEST = /@sha256:[0-9a-f]{64}$/;

/** True when an image reference ends in a full `@sha256:` digest. */
export function hasDigest(image: string): boolean {
  return DIGEST.test(image.trim());
}

/**
 * A reference as it may appear in a title: one line, no control characters,
 * bounded length. Reporters still escape it for their medium.
 */
export function showReference(reference: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return truncate(reference.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim(), 200);
}

/** Turns a hit into a finding of kind `pinning`. */
export function createPinningFinding(file: PinningFile, hit: PinningHit): Finding {
  const rule = PINNING_RULES[hit.rule];
  const reference = showReference(hit.reference);
  return {
    id: '',
    kind: 'pinning',
    ruleId: rule.id,
    aliases: [],
    severity: file.severity,
    title: `${rule.title}: ${reference}`,
    description: [`${rule.title}: '${reference}' in ${file.path} line ${hit.line}.`, hit.detail]
      .filter((part) => part !== undefined && part !== '')
      .join(' '),
    tools: [PINNING_TOOL],
    source: { tool: 'security-gate-pinning', scanner: 'pinning' },
    rule: describeRule(rule.id),
    location: { path: file.path, startLine: hit.line },
    references: [rule.helpUri],
    primaryUrl: rule.helpUri,
    properties: { reference },
  };
}

/** Splits text into lines, accepting CRLF and lone CR line endings. */
export function splitLinesKeepingNumbers(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
}
