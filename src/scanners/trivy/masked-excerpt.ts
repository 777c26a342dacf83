/**
 * Hardening of the masked line Trivy gives for a secret (`Secrets[].Match`).
 *
 * Trivy replaces only what its rule's regex captured, which is sometimes a
 * part of the token: for a Slack token `xoxb-<a>-<b>-<c>` v0.44 masks the
 * first group and prints `-<b>-<c>` in clear. So every run of `*` is widened
 * over the token characters around it (anything but whitespace, quotes,
 * brackets and the separators `= , ;`). Masking a little too much costs a
 * few characters of context; masking too little leaks a credential.
 */

const MASK_WITH_NEIGHBOURS = /[^\s'"`,;=(){}[\]<>]*\*+[^\s'"`,;=(){}[\]<>]*/g;
const MAX_EXCERPT = 200;

/** The masked excerpt to keep on a finding: masks widened, clipped around the mask. */
export function hardenMaskedExcerpt(match: string): string {
  const flat = match.replace(/[\r\n]+/g, ' ');
  const masked = flat.replace(MASK_WITH_NEIGHBOURS, (token) => '*'.repeat(token.length));
  if (masked.length <= MAX_EXCERPT) return masked;
  // Minified files put a whole bundle on one line: keep the part around the secret.
  const first = Math.max(0, masked.indexOf('*'));
  const start = Math.max(0, Math.min(first - MAX_EXCERPT / 2, masked.length - MAX_EXCERPT));
  const clipped = masked.slice(start, start + MAX_EXCERPT);
  return `${start > 0 ? '…' : ''}${clipped}${start + MAX_EXCERPT < masked.length ? '…' : ''}`;
}
