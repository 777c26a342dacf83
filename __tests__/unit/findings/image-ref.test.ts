import { describe, expect, it } from 'vitest';
import {
  isSameTarget,
  parseImageRef,
  targetIdentity,
  targetReference,
  type ImageReference,
} from '../../../src/findings/image-ref.js';
import { trivyVulnerabilityFindings } from '../importers/fixture-findings.js';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('parseImageRef', () => {
  it.each<[string, ImageReference]>([
    ['alpine:3.10', { display: 'alpine:3.10', identity: 'alpine:3.10', reference: 'alpine:3.10' }],
    [
      'docker.io/library/alpine:3.10',
      {
        display: 'docker.io/library/alpine:3.10',
        identity: 'alpine:3.10',
        reference: 'alpine:3.10',
      },
    ],
    [
      'index.docker.io/keycloak/keycloak:21',
      {
        display: 'index.docker.io/keycloak/keycloak:21',
        identity: 'keycloak/keycloak:21',
        reference: 'keycloak/keycloak:21',
      },
    ],
    [
      'ghcr.io/org/app:4f1c2e9',
      {
        display: 'ghcr.io/org/app:4f1c2e9',
        identity: 'ghcr.io/org/app',
        reference: 'ghcr.io/org/app:4f1c2e9',
      },
    ],
    [
      `ghcr.io/org/app:1.2@${DIGEST}`,
      {
        display: `ghcr.io/org/app:1.2@${DIGEST}`,
        identity: 'ghcr.io/org/app:1.2',
        reference: `ghcr.io/org/app:1.2@${DIGEST}`,
      },
    ],
    [
      'localhost:5000/team/app:dev',
      {
        display: 'localhost:5000/team/app:dev',
        identity: 'localhost:5000/team/app:dev',
        reference: 'localhost:5000/team/app:dev',
      },
    ],
    [
      'docker:5000/app:1',
      {
        display: 'docker:5000/app:1',
        identity: 'docker:5000/app:1',
        reference: 'docker:5000/app:1',
      },
    ],
    [
      'docker-archive:build/img.tar',
      {
        display: 'build/img.tar',
        transport: 'docker-archive',
        identity: 'build/img.tar',
        reference: 'build/img.tar',
        archivePath: 'build/img.tar',
      },
    ],
    [
      'oci-archive:./out/app.oci.tar',
      {
        display: './out/app.oci.tar',
        transport: 'oci-archive',
        identity: 'out/app.oci.tar',
        reference: 'out/app.oci.tar',
        archivePath: 'out/app.oci.tar',
      },
    ],
    [
      'oci-dir:layout/',
      {
        display: 'layout/',
        transport: 'oci-dir',
        identity: 'layout',
        reference: 'layout',
        archivePath: 'layout',
      },
    ],
    [
      'registry:ghcr.io/org/app:1',
      {
        display: 'ghcr.io/org/app:1',
        transport: 'registry',
        identity: 'ghcr.io/org/app:1',
        reference: 'ghcr.io/org/app:1',
      },
    ],
    [
      'docker://nginx:1.25',
      {
        display: 'nginx:1.25',
        transport: 'docker',
        identity: 'nginx:1.25',
        reference: 'nginx:1.25',
      },
    ],
    [
      'podman:quay.io/org/app',
      {
        display: 'quay.io/org/app',
        transport: 'podman',
        identity: 'quay.io/org/app',
        reference: 'quay.io/org/app',
      },
    ],
    [
      'containerd:app:2',
      { display: 'app:2', transport: 'containerd', identity: 'app:2', reference: 'app:2' },
    ],
    [
      'services/api/',
      { display: 'services/api/', identity: 'services/api', reference: 'services/api' },
    ],
    ['./', { display: './', identity: '.', reference: '.' }],
    ['.', { display: '.', identity: '.', reference: '.' }],
  ])('%s', (raw, expected) => {
    expect(parseImageRef(raw)).toEqual(expected);
  });

  it("takes Trivy's ArtifactName of an `--input` scan as the archive the scan-ref names", () => {
    const [finding] = trivyVulnerabilityFindings('trivy/image-alpine-310.json');
    const artifact = finding?.target ?? '';
    expect(artifact).toBe('testdata/fixtures/images/alpine-310.tar.gz');
    expect(isSameTarget(artifact, `docker-archive:${artifact}`)).toBe(true);
    expect(targetIdentity(artifact)).toBe(targetIdentity(`docker-archive:./${artifact}`));
  });
});

describe('targetIdentity', () => {
  it.each([
    // Two tags are two images: each matrix job keeps its own category and fingerprints.
    ['node:18', 'node:18'],
    ['node:20', 'node:20'],
    ['ghcr.io/org/app:amd64', 'ghcr.io/org/app:amd64'],
    ['ghcr.io/org/app:arm64', 'ghcr.io/org/app:arm64'],
    [`ghcr.io/org/app:1.2@${DIGEST}`, 'ghcr.io/org/app:1.2'],
    [`ghcr.io/org/app@${DIGEST}`, 'ghcr.io/org/app'],
    ['docker-archive:app.tar', 'app.tar'],
    // A tag that names a commit changes on every commit: it is left out.
    [`app:${'4f1c2e9a'.repeat(5)}`, 'app'],
    ['app:4f1c2e9', 'app'],
    ['app:sha-4f1c2e9', 'app'],
    [`registry:ghcr.io/org/app:sha-${'ab'.repeat(20)}@${DIGEST}`, 'ghcr.io/org/app'],
    // Not a commit id: too short, or not hex.
    ['app:abc123', 'app:abc123'],
    ['app:v4f1c2e9', 'app:v4f1c2e9'],
    ['app:sha-xyz1234', 'app:sha-xyz1234'],
    [undefined, ''],
  ])('targetIdentity(%s) = %s', (target, expected) => {
    expect(targetIdentity(target)).toBe(expected);
  });
});

describe('target helpers', () => {
  it.each([
    ['docker.io/library/alpine:3.10', 'alpine:3.10'],
    ['index.docker.io/keycloak/keycloak:21', 'keycloak/keycloak:21'],
    ['ghcr.io/org/app:1', 'ghcr.io/org/app:1'],
    ['services/api/', 'services/api'],
    [undefined, ''],
  ])('targetReference(%s) = %s', (target, expected) => {
    expect(targetReference(target)).toBe(expected);
  });

  it.each([
    ['alpine:3.10', 'docker.io/library/alpine:3.10', true],
    ['img.tar', 'docker-archive:img.tar', true],
    ['alpine:3.10', 'alpine:3.11', false],
    ['ghcr.io/org/app:1', 'ghcr.io/org/api:1', false],
    [undefined, undefined, false],
    ['', '', false],
  ])('isSameTarget(%s, %s) = %s', (a, b, expected) => {
    expect(isSameTarget(a, b)).toBe(expected);
  });
});
