/**
 * Where a finding points in SARIF and annotations (SPEC section 5,
 * "Located"). Pure: whether a file exists is asked through `fileExists`.
 *
 * 1. A location in a file that exists in the workspace is kept: located.
 * 2. An image finding (no file of the repository) points at the Dockerfile,
 *    line 1, when there is one: located (the Dockerfile is a repository file).
 * 3. Otherwise a location the scanner gave (a path inside an image, a file of
 *    another checkout) is kept as a relative URI when it is a safe relative
 *    path; failing that, a slug of the target's identity (no digest, nor a
 *    tag that names a commit).
 *    Neither is located.
 *
 * The URI is always a valid relative reference: never absolute, never `..`,
 * never a scheme, every unsafe character percent-encoded.
 */
import type { Finding } from '../findings/finding.js';
import { isSameTarget, targetIdentity } from '../findings/image-ref.js';

/** What the resolver needs to know about the workspace and the scan. */
export interface LocationOptions {
  /** True when `path` (relative to the repository root) is a file of the workspace. */
  fileExists: (path: string) => boolean;
  /** Repository-relative path of the Dockerfile that builds the scanned image. */
  dockerfile?: string;
  /** The scanned image reference, for image scans. */
  imageTarget?: string;
}

/** A finding's SARIF location. */
export interface ResolvedLocation {
  /** Relative URI reference (percent-encoded). */
  uri: string;
  /** The same place as a plain repository-relative path (for annotations). */
  path: string;
  startLine: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
  /** True when it points at a file of the repository: only these get annotations. */
  located: boolean;
}

/**
 * Normalises a path to a repository-relative one with forward slashes, or
 * returns undefined when it is absolute, escapes the root (`..`), names a
 * scheme or drive, or is empty.
 */
export function toRepositoryPath(raw: string): string | undefined {
  const forward = raw.replace(/\\/g, '/');
  if (forward.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(forward)) return undefined;
  const segments: string[] = [];
  for (const segment of forward.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') return undefined;
    segments.push(segment);
  }
  return segments.length === 0 ? undefined : segments.join('/');
}

/** Percent-encodes each segment, keeping the characters RFC 3986 allows in a path (but `:`). */
export function encodeRelativeUri(path: string): string {
  return path
    .split('/')
    .map((segment) =>
      Array.from(segment)
        .map((ch) => (/^[A-Za-z0-9\-._~!$&'()*+,;=@]$/.test(ch) ? ch : encodeURIComponent(ch)))
        .join(''),
    )
    .join('/');
}

/** Lower-case `[a-z0-9._-]` slug of a target (`alpine:3.10` → `alpine-3.10`); never empty, never `..`. */
export function slugifyTarget(target: string): string {
  const slug = target
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 200)
    .replace(/[-.]+$/g, '');
  return slug === '' ? 'target' : slug;
}

function lineRange(
  finding: Finding,
): Pick<ResolvedLocation, 'startLine' | 'endLine' | 'startColumn' | 'endColumn'> {
  const location = finding.location;
  const startLine = Math.max(1, Math.trunc(location?.startLine ?? 1));
  const range: Pick<ResolvedLocation, 'startLine' | 'endLine' | 'startColumn' | 'endColumn'> = {
    startLine,
  };
  if (location?.endLine !== undefined && location.endLine >= startLine)
    range.endLine = Math.trunc(location.endLine);
  if (location?.startColumn !== undefined && location.startColumn >= 1) {
    range.startColumn = Math.trunc(location.startColumn);
    // A column range is only meaningful (and schema-valid) when it does not end before it starts.
    const sameLine = (range.endLine ?? startLine) === startLine;
    if (
      location.endColumn !== undefined &&
      (!sameLine || location.endColumn >= range.startColumn)
    ) {
      range.endColumn = Math.trunc(location.endColumn);
    }
  }
  return range;
}

/**
 * True for a finding of the scanned image. Targets compare through
 * `image-ref.ts`: Trivy names a `docker-archive:img.tar` scan `img.tar`.
 */
function isImageFinding(finding: Finding, options: LocationOptions): boolean {
  return (
    options.imageTarget !== undefined &&
    (finding.target === undefined || isSameTarget(finding.target, options.imageTarget))
  );
}

/** Resolves where a finding points (SPEC section 5, "Located"). */
export function resolveSarifLocation(finding: Finding, options: LocationOptions): ResolvedLocation {
  const own = finding.location === undefined ? undefined : toRepositoryPath(finding.location.path);
  if (own !== undefined && options.fileExists(own)) {
    return { uri: encodeRelativeUri(own), path: own, located: true, ...lineRange(finding) };
  }
  const dockerfile =
    options.dockerfile === undefined ? undefined : toRepositoryPath(options.dockerfile);
  if (
    dockerfile !== undefined &&
    isImageFinding(finding, options) &&
    options.fileExists(dockerfile)
  ) {
    return { uri: encodeRelativeUri(dockerfile), path: dockerfile, startLine: 1, located: true };
  }
  if (own !== undefined) {
    return { uri: encodeRelativeUri(own), path: own, located: false, ...lineRange(finding) };
  }
  // The identity (no digest or commit tag): `app:${{ github.sha }}` keeps one URI from commit to commit.
  const target = targetIdentity(finding.target);
  const slug = slugifyTarget(target !== '' ? target : (finding.subTarget ?? finding.ruleId));
  return { uri: slug, path: slug, startLine: 1, located: false };
}
