/**
 * Reading `sha256sum`-style checksums files (`<hex>  <name>` or
 * `<hex> *<name>`), as Trivy's and Grype's releases publish them. Pure.
 */

/** File name → lower-case SHA-256, for every well-formed line. */
export function parseChecksums(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^([0-9a-fA-F]{64})\s+\*?(\S.*?)\s*$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined)
      entries.set(match[2], match[1].toLowerCase());
  }
  return entries;
}

/** The SHA-256 a checksums file lists for `fileName`, or undefined. */
export function findChecksum(text: string, fileName: string): string | undefined {
  return parseChecksums(text).get(fileName);
}
