import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/findings/finding.js';
import { importSarif } from '../../../src/importers/sarif.js';
import {
  encodeRelativeUri,
  resolveSarifLocation,
  slugifyTarget,
  toRepositoryPath,
  type LocationOptions,
} from '../../../src/report/location.js';
import {
  readSharedJson,
  SARIF_FIXTURES,
  trivyVulnerabilityFindings,
} from '../importers/fixture-findings.js';

const REPO = path.join(SARIF_FIXTURES, 'repo');
const fileExists = (p: string): boolean => existsSync(path.join(REPO, p));
const terraform = importSarif(
  readSharedJson('trivy/action-0.72.0-config-terraform.sarif'),
  'x.sarif',
).findings;
const [alpineVuln] = trivyVulnerabilityFindings('trivy/image-alpine-310.json') as [Finding];

describe('resolveSarifLocation', () => {
  it('keeps a location in an existing repository file (real Trivy misconfig of main.tf)', () => {
    const where = resolveSarifLocation(terraform[0]!, { fileExists });
    expect(where).toEqual({
      uri: 'main.tf',
      path: 'main.tf',
      startLine: 8,
      endLine: 10,
      startColumn: 1,
      endColumn: 1,
      located: true,
    });
  });

  it.each<[string, LocationOptions, Partial<ReturnType<typeof resolveSarifLocation>>]>([
    [
      'the Dockerfile, line 1',
      { fileExists, dockerfile: 'Dockerfile', imageTarget: alpineVuln.target },
      { uri: 'Dockerfile', startLine: 1, located: true },
    ],
    [
      'the Dockerfile, line 1, when the scan-ref names the archive with its transport',
      {
        fileExists,
        dockerfile: 'Dockerfile',
        imageTarget: `docker-archive:./${alpineVuln.target}`,
      },
      { uri: 'Dockerfile', startLine: 1, located: true },
    ],
    [
      'a target slug when another image was scanned',
      { fileExists, dockerfile: 'Dockerfile', imageTarget: 'docker-archive:other.tar' },
      { uri: 'testdata-fixtures-images-alpine-310.tar.gz', startLine: 1, located: false },
    ],
    [
      'a target slug when the Dockerfile does not exist',
      { fileExists, dockerfile: 'docker/Dockerfile', imageTarget: alpineVuln.target },
      { uri: 'testdata-fixtures-images-alpine-310.tar.gz', startLine: 1, located: false },
    ],
    [
      'a target slug without a Dockerfile',
      { fileExists },
      { uri: 'testdata-fixtures-images-alpine-310.tar.gz', located: false },
    ],
  ])('points an image finding without a file at %s', (_, options, expected) => {
    expect(resolveSarifLocation(alpineVuln, options)).toMatchObject(expected);
  });

  it.each([
    ['ghcr.io/org/app:4f1c2e9', 'ghcr.io-org-app'],
    [`ghcr.io/org/app@sha256:${'ab'.repeat(32)}`, 'ghcr.io-org-app'],
    [`ghcr.io/org/app:sha-${'ab'.repeat(20)}`, 'ghcr.io-org-app'],
    ['docker.io/library/alpine:3.10', 'alpine-3.10'],
    [`node:20@sha256:${'ab'.repeat(32)}`, 'node-20'],
  ])(
    'slugs the target %s without digest or commit tag (%s), stable across commits',
    (target, slug) => {
      const where = resolveSarifLocation({ ...alpineVuln, target }, { fileExists });
      expect(where).toMatchObject({ uri: slug, startLine: 1, located: false });
    },
  );

  it.each([
    ['/etc/passwd', 'etc-passwd'],
    ['../../outside/file.txt', 'target-of-it'],
    ['C:\\Windows\\system.ini', 'target-of-it'],
    ['https://example.com/x', 'target-of-it'],
  ])('never writes an absolute or escaping path (%s)', (bad, _slug) => {
    const finding: Finding = {
      ...terraform[0]!,
      location: { path: bad, startLine: 3 },
      target: 'Target Of It',
    };
    const where = resolveSarifLocation(finding, { fileExists: () => true });
    expect(where.uri).toBe('target-of-it');
    expect(where.located).toBe(false);
  });

  it('keeps a safe relative path that is not in the workspace, not located', () => {
    const finding: Finding = {
      ...terraform[0]!,
      location: { path: './usr/lib/apk db/installed', startLine: 0 },
    };
    expect(resolveSarifLocation(finding, { fileExists })).toMatchObject({
      uri: 'usr/lib/apk%20db/installed',
      path: 'usr/lib/apk db/installed',
      startLine: 1,
      located: false,
    });
  });
});

describe('location helpers', () => {
  it.each([
    ['alpine:3.10', 'alpine-3.10'],
    ['ghcr.io/Org/App@sha256:ABC', 'ghcr.io-org-app-sha256-abc'],
    ['docker-archive:/tmp/x..tar', 'docker-archive-tmp-x.tar'],
    ['../..', 'target'],
    ['', 'target'],
  ])('slugifyTarget(%j) = %j', (input, slug) => {
    expect(slugifyTarget(input)).toBe(slug);
    expect(slug).toMatch(/^[a-z0-9._-]+$/);
  });

  it.each([
    ['a/./b//c', 'a/b/c'],
    ['a\\b', 'a/b'],
    ['a/../b', undefined],
    ['/abs', undefined],
    ['file:///x', undefined],
    ['.', undefined],
  ])('toRepositoryPath(%j) = %j', (input, expected) => {
    expect(toRepositoryPath(input)).toBe(expected);
  });

  it('encodes characters a URI cannot carry, keeping @scope paths readable', () => {
    expect(encodeRelativeUri('node_modules/@scope/a b#c?d%e:f')).toBe(
      'node_modules/@scope/a%20b%23c%3Fd%25e%3Af',
    );
  });
});
