/**
 * Image references and scan targets in one place (SPEC sections 5 and 8).
 * Scanners name one scanned artifact in several ways: Trivy's `ArtifactName`
 * for `image --input img.tar` is `img.tar`, Grype's `source.target` keeps
 * `docker-archive:img.tar`; one may write `docker.io/library/alpine`, the
 * other `alpine`. Merging, locations, fingerprints and SARIF categories all
 * compare targets through `parseImageRef`. Pure.
 *
 * Directory and SBOM targets (`.`, `services/api/`, `sbom.json`) go through
 * the same parser: they have no transport, tag or digest, so they come out
 * as themselves (without `./` and trailing slashes).
 */

/** Transports whose operand is a path (an archive, or an OCI layout directory). */
const ARCHIVE_TRANSPORTS = new Set(['docker-archive', 'oci-archive', 'oci-dir']);
/** Transports whose operand is an image reference. */
const REFERENCE_TRANSPORTS = new Set(['docker', 'podman', 'containerd', 'registry']);
const TRANSPORT = /^([a-z][a-z-]*):(.*)$/is;
/** `name@sha256:…`: an algorithm, a colon and a hex digest (OCI image spec). */
const DIGEST = /@([a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-f]{32,})$/i;
const TAG = /^[\w][\w.-]{0,127}$/;
/**
 * A tag that names a commit (`app:${{ github.sha }}`, docker/metadata-action's
 * `sha-4f1c2e9`): it changes on every commit, so the identity leaves it out.
 */
const COMMIT_TAG = /^(?:sha-)?[0-9a-f]{7,40}$/;
/** Docker Hub's implicit parts: `docker.io/library/alpine` is `alpine`. */
const DOCKER_HUB = /^(?:(?:index|registry-1)\.)?docker\.io\//i;

/** One scan target, taken apart. */
export interface ImageReference {
  /** The reference without its transport, as written (tag and digest kept): what reports show. */
  display: string;
  /** The transport named before it (`docker-archive`, `registry`, …), when there was one. */
  transport?: string;
  /**
   * `registry/repository:tag` without transport and digest, Docker Hub's
   * implicit `docker.io/library/` dropped; for an archive its path. The tag
   * stays (`node:18` and `node:20`, `app:amd64` and `app:arm64` are two
   * images, each with its own alerts) unless it names a commit
   * (`COMMIT_TAG`): `app:${{ github.sha }}` is one image on every commit.
   * Fingerprints, SARIF categories, locations and baseline records use it.
   */
  identity: string;
  /** The repository plus the tag and digest as given: the same image, for merging and locations. */
  reference: string;
  /** For archive transports: the path of the archive or OCI layout directory. */
  archivePath?: string;
}

function normalisePath(value: string): string {
  const forward = value.replace(/\\/g, '/');
  if (/^\/+$/.test(forward)) return '/';
  const trimmed = forward.replace(/^(?:\.\/)+/, '').replace(/\/+$/, '');
  return trimmed === '' && forward !== '' ? '.' : trimmed;
}

/** Splits a known transport off; `docker:5000/app` is a registry host with a port, not one. */
function splitTransport(value: string): { transport?: string; rest: string } {
  const match = TRANSPORT.exec(value);
  const transport = match?.[1]?.toLowerCase();
  const rest = match?.[2] ?? '';
  if (transport !== undefined && ARCHIVE_TRANSPORTS.has(transport)) return { transport, rest };
  if (transport !== undefined && REFERENCE_TRANSPORTS.has(transport) && !/^\d+(?:\/|$)/.test(rest))
    return { transport, rest: rest.replace(/^\/\//, '') };
  return { rest: value };
}

/** Parses a scan-ref, Trivy `ArtifactName` or Grype `source.target`. */
export function parseImageRef(raw: string): ImageReference {
  const value = raw.trim();
  const { transport, rest } = splitTransport(value);
  if (transport !== undefined && ARCHIVE_TRANSPORTS.has(transport)) {
    const archivePath = normalisePath(rest);
    return { display: rest, transport, identity: archivePath, reference: archivePath, archivePath };
  }
  const digest = DIGEST.exec(rest)?.[1];
  const named = digest === undefined ? rest : rest.slice(0, rest.length - digest.length - 1);
  const colon = named.lastIndexOf(':');
  const tagCandidate = colon > named.lastIndexOf('/') ? named.slice(colon + 1) : undefined;
  const tag = tagCandidate !== undefined && TAG.test(tagCandidate) ? tagCandidate : undefined;
  const name = tag === undefined ? named : named.slice(0, colon);
  const repository = normalisePath(name)
    .replace(DOCKER_HUB, '')
    .replace(/^library\//, '');
  const tagged = `${repository}${tag === undefined ? '' : `:${tag}`}`;
  const identity = tag === undefined || COMMIT_TAG.test(tag) ? repository : tagged;
  const reference = `${tagged}${digest === undefined ? '' : `@${digest}`}`;
  return { display: rest, ...(transport === undefined ? {} : { transport }), identity, reference };
}

/**
 * The last target parsed and its parts: the findings of one report nearly
 * all share one target, and merging and fingerprinting ask about each of
 * tens of thousands of them.
 */
let lastParsed: { target: string; identity: string; reference: string } | undefined;

function parseTarget(target: string): { identity: string; reference: string } {
  if (lastParsed?.target !== target) {
    const { identity, reference } = parseImageRef(target);
    lastParsed = { target, identity, reference };
  }
  return lastParsed;
}

/** The target's identity (no transport, digest or commit tag), `''` for none. */
export function targetIdentity(target: string | undefined): string {
  return target === undefined || target.trim() === '' ? '' : parseTarget(target).identity;
}

/** The target's comparable reference (tag and digest kept, transport dropped), `''` for none. */
export function targetReference(target: string | undefined): string {
  return target === undefined || target.trim() === '' ? '' : parseTarget(target).reference;
}

/** True when two spellings name the same scanned artifact (`img.tar` and `docker-archive:img.tar`). */
export function isSameTarget(a: string | undefined, b: string | undefined): boolean {
  const left = targetReference(a);
  return left !== '' && left === targetReference(b);
}
