/**
 * The words a failed run ends with, the same for the action's failed step
 * and the CLI's stderr. Pure.
 */

/**
 * SPEC §7: `fail` and `error` state each reason on a line of its own, under
 * a header line naming the verdict. A reason never spans lines (a scanner's
 * text could otherwise add lines that look like reasons).
 */
export function failureMessage(verdict: 'fail' | 'error', reasons: readonly string[]): string {
  const lines = reasons.map((reason) => reason.replace(/\s*[\r\n]+\s*/g, ' ').trim());
  return [`Security Gate ${verdict}:`, ...lines.filter((line) => line !== '')].join('\n');
}
