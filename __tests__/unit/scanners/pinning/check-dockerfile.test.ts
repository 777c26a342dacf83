import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkDockerfile,
  parseFrom,
  readDockerInstructions,
  substituteArgs,
} from '../../../../src/scanners/pinning/check-dockerfile.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function check(text: string) {
  return checkDockerfile({ path: 'Dockerfile', text, severity: 'HIGH' }).map((f) => ({
    rule: f.ruleId,
    line: f.location?.startLine,
    ref: f.properties?.['reference'],
  }));
}

describe('checkDockerfile', () => {
  it.each([
    [
      'plain tag',
      'FROM node:20\n',
      [{ rule: 'unpinned-dockerfile-from', line: 1, ref: 'node:20' }],
    ],
    [
      'no tag at all',
      'FROM ubuntu\n',
      [{ rule: 'unpinned-dockerfile-from', line: 1, ref: 'ubuntu' }],
    ],
    ['digest pinned', `FROM node:20@${DIGEST}\n`, []],
    ['digest without tag', `FROM docker.io/library/node@${DIGEST}\n`, []],
    [
      'short digest is not a digest',
      'FROM node@sha256:abc123\n',
      [{ rule: 'unpinned-dockerfile-from', line: 1, ref: 'node@sha256:abc123' }],
    ],
    ['scratch exempt', 'FROM scratch\nCOPY app /\n', []],
    ['SCRATCH in capitals exempt', 'from SCRATCH\n', []],
    [
      'multi-stage: earlier stage exempt, later image flagged',
      `FROM golang:1.22@${DIGEST} AS Build\nRUN go build\n\nFROM build AS test\nFROM alpine:3.19\nCOPY --from=build /x /x\n`,
      [{ rule: 'unpinned-dockerfile-from', line: 5, ref: 'alpine:3.19' }],
    ],
    [
      'stage named like its image does not exempt itself',
      'FROM node AS node\n',
      [{ rule: 'unpinned-dockerfile-from', line: 1, ref: 'node' }],
    ],
    [
      'stage used before it is defined is an image',
      'FROM later\nFROM alpine@' + DIGEST + ' AS later\n',
      [{ rule: 'unpinned-dockerfile-from', line: 1, ref: 'later' }],
    ],
    [
      '--platform flag skipped',
      `FROM --platform=$BUILDPLATFORM golang:1.22 AS b\n`,
      [{ rule: 'unpinned-dockerfile-from', line: 1, ref: 'golang:1.22' }],
    ],
    ['--platform flag with digest', `FROM --platform=linux/amd64 golang@${DIGEST}\n`, []],
    [
      'line continuation reports the first line',
      '# comment\nRUN true\nFROM \\\n  --platform=linux/amd64 \\\n  # a comment inside\n  python:3.12-slim \\\n  AS base\n',
      [{ rule: 'unpinned-dockerfile-from', line: 3, ref: 'python:3.12-slim' }],
    ],
    [
      'escape directive with backtick',
      '# escape=`\nFROM `\n  mcr.microsoft.com/windows/servercore:ltsc2022\n',
      [
        {
          rule: 'unpinned-dockerfile-from',
          line: 2,
          ref: 'mcr.microsoft.com/windows/servercore:ltsc2022',
        },
      ],
    ],
    [
      'ARG default resolved and unpinned',
      'ARG V=3.19\nFROM alpine:${V}\n',
      [{ rule: 'unpinned-dockerfile-from', line: 2, ref: 'alpine:${V}' }],
    ],
    ['ARG default resolved and pinned', `ARG BASE="node:20@${DIGEST}"\nFROM $BASE\n`, []],
    [
      'ARG without default is unresolvable',
      'ARG BASE\nFROM ${BASE}\n',
      [{ rule: 'unresolved-dockerfile-from', line: 2, ref: '${BASE}' }],
    ],
    [
      'undeclared variable is unresolvable',
      'FROM ${REGISTRY}/app:1\n',
      [{ rule: 'unresolved-dockerfile-from', line: 1, ref: '${REGISTRY}/app:1' }],
    ],
    [
      'ARG after FROM is not visible to FROM',
      'FROM alpine@' + DIGEST + '\nARG IMG=busybox\nFROM ${IMG}\n',
      [{ rule: 'unresolved-dockerfile-from', line: 3, ref: '${IMG}' }],
    ],
    [
      '${VAR:-default} falls back to the default',
      'ARG TAG\nFROM nginx:${TAG:-1.25}\n',
      [{ rule: 'unpinned-dockerfile-from', line: 2, ref: 'nginx:${TAG:-1.25}' }],
    ],
    ['variable registry with literal digest is pinned', `FROM \${REGISTRY}/app@${DIGEST}\n`, []],
    [
      'ARG resolving to an earlier stage',
      'ARG STAGE=base\nFROM alpine@' + DIGEST + ' AS base\nFROM ${STAGE}\n',
      [],
    ],
    [
      'CRLF line endings',
      'FROM node:20 AS a\r\nRUN x \\\r\n  y\r\nFROM alpine:3\r\n',
      [
        { rule: 'unpinned-dockerfile-from', line: 1, ref: 'node:20' },
        { rule: 'unpinned-dockerfile-from', line: 4, ref: 'alpine:3' },
      ],
    ],
    ['empty file', '', []],
    [
      'ARG default built from an earlier ARG (digest pinned)',
      `ARG DIG=${DIGEST}\nARG IMG=node@\${DIG}\nFROM \${IMG}\n`,
      [],
    ],
    [
      'ARG default built from earlier ARGs (tag only)',
      'ARG REG=ghcr.io\nARG TAG=1.2\nARG IMG="${REG}/o/app:${TAG}"\nFROM $IMG\n',
      [{ rule: 'unpinned-dockerfile-from', line: 4, ref: '$IMG' }],
    ],
    [
      'ARG default built from an ARG without a default is unresolvable',
      'ARG DIG\nARG IMG=node@${DIG}\nFROM ${IMG}\n',
      [{ rule: 'unresolved-dockerfile-from', line: 3, ref: '${IMG}' }],
    ],
    [
      'ARG defaults on one line see the earlier names',
      `ARG DIG=${DIGEST} IMG=node@\${DIG}\nFROM \${IMG}\n`,
      [],
    ],
    [
      'COPY heredoc body is not parsed',
      `FROM alpine@${DIGEST}\nCOPY <<EOF /etc/motd\nFROM busybox:latest\nEOF\nFROM node:20\n`,
      [{ rule: 'unpinned-dockerfile-from', line: 5, ref: 'node:20' }],
    ],
    [
      'RUN heredoc with a quoted delimiter and a command after it',
      `FROM alpine@${DIGEST}\nRUN <<"EOT" bash -e\n  echo FROM x\nFROM busybox\nEOT\n`,
      [],
    ],
    [
      '<<- strips leading tabs from the delimiter line',
      `FROM alpine@${DIGEST}\nRUN <<-EOT\n\tFROM busybox\n\tEOT\nFROM node:20\n`,
      [{ rule: 'unpinned-dockerfile-from', line: 5, ref: 'node:20' }],
    ],
    [
      'without <<- an indented delimiter does not end the heredoc',
      `FROM alpine@${DIGEST}\nRUN <<EOT\n\tEOT\nFROM busybox\nEOT\nFROM node:20\n`,
      [{ rule: 'unpinned-dockerfile-from', line: 6, ref: 'node:20' }],
    ],
    [
      'several heredocs on one line, read one after the other',
      `FROM alpine@${DIGEST}\nRUN <<A cat > /a && <<'B' cat > /b\nFROM one\nA\nFROM two\nB\nFROM three\n`,
      [{ rule: 'unpinned-dockerfile-from', line: 7, ref: 'three' }],
    ],
    [
      'a heredoc that is never closed skips nothing',
      `FROM alpine@${DIGEST}\nRUN <<EOF\nFROM busybox\n`,
      [{ rule: 'unpinned-dockerfile-from', line: 3, ref: 'busybox' }],
    ],
    [
      '<< inside quotes or a here-string is not a heredoc',
      `FROM alpine@${DIGEST}\nRUN echo "<<EOF" && cat <<<EOF\nFROM busybox\nEOF\n`,
      [{ rule: 'unpinned-dockerfile-from', line: 3, ref: 'busybox' }],
    ],
    [
      'heredocs only in RUN, COPY and ADD',
      `FROM alpine@${DIGEST}\nLABEL x=<<EOF\nFROM busybox\nEOF\n`,
      [{ rule: 'unpinned-dockerfile-from', line: 3, ref: 'busybox' }],
    ],
    [
      'heredoc with CRLF line endings',
      `FROM alpine@${DIGEST}\r\nCOPY <<EOF /x\r\nFROM busybox\r\nEOF\r\nFROM node:20\r\n`,
      [{ rule: 'unpinned-dockerfile-from', line: 5, ref: 'node:20' }],
    ],
  ])('%s', (_name, text, expected) => {
    expect(check(text)).toEqual(expected);
  });

  it('reads a BuildKit Dockerfile with heredocs and chained ARGs (fixture)', () => {
    const text = readFileSync(
      join(__dirname, '../../../fixtures/pinning/tricky/Dockerfile'),
      'utf8',
    );
    expect(check(text)).toEqual([
      { rule: 'unpinned-dockerfile-from', line: 27, ref: 'debian:bookworm-slim' },
    ]);
  });

  it('builds a complete finding with rule help and a safe title', () => {
    const [finding] = checkDockerfile({
      path: 'docker/Dockerfile',
      text: 'FROM evil\u001b[31m:1\n',
      severity: 'MEDIUM',
    });
    expect(finding).toMatchObject({
      kind: 'pinning',
      ruleId: 'unpinned-dockerfile-from',
      severity: 'MEDIUM',
      tools: ['Security Gate pinning'],
      source: { tool: 'security-gate-pinning', scanner: 'pinning' },
      location: { path: 'docker/Dockerfile', startLine: 1 },
    });
    expect(finding?.title).toBe('Dockerfile base image not pinned to a digest: evil [31m:1');
    expect(finding?.rule?.helpMarkdown).toContain('docker buildx imagetools inspect');
  });
});

describe('Dockerfile helpers', () => {
  it.each([
    ['$A', { A: '1' }, '1'],
    ['${A}-${B}', { A: '1', B: '2' }, '1-2'],
    ['${A:-x}', { A: '' }, 'x'],
    ['${A:+set}', { A: 'y' }, 'set'],
    ['${A:+set}', {}, ''],
    ['${A}', {}, undefined],
  ])('substitutes %s', (text, args, expected) => {
    expect(substituteArgs(text, new Map(Object.entries(args)))).toBe(expected);
  });

  it.each([
    ['node:20', { image: 'node:20' }],
    ['--platform=x node:20 as Build', { image: 'node:20', stage: 'Build' }],
    ['', undefined],
  ])('parses FROM %j', (args, expected) => {
    expect(parseFrom(args)).toEqual(expected);
  });

  it('keeps a trailing continuation at end of file', () => {
    expect(readDockerInstructions('FROM a \\')).toEqual([{ keyword: 'FROM', args: 'a', line: 1 }]);
  });
});
