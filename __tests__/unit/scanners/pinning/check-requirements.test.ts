import { describe, expect, it } from 'vitest';
import {
  checkRequirements,
  readRequirementLines,
} from '../../../../src/scanners/pinning/check-requirements.js';

const HASH = `--hash=sha256:${'c'.repeat(64)}`;

function check(text: string) {
  return checkRequirements({ path: 'requirements.txt', text, severity: 'LOW' }).map((f) => [
    f.location?.startLine,
    f.properties?.['reference'],
  ]);
}

describe('checkRequirements', () => {
  it.each([
    ['pinned without hash', 'requests==2.31.0\n', [[1, 'requests==2.31.0']]],
    ['hash on the same line', `requests==2.31.0 ${HASH}\n`, []],
    [
      'hash on continuation lines',
      `# comment\nrequests==2.31.0 \\\n    ${HASH} \\\n    ${HASH}\nflask==3.0.0\n`,
      [[5, 'flask==3.0.0']],
    ],
    [
      'options and includes skipped',
      '-r base.txt\n-c constraints.txt\n-e git+https://github.com/o/r#egg=r\n--index-url https://pypi.org/simple\n-i https://x\n--require-hashes\n',
      [],
    ],
    [
      'comments stripped, # inside a URL kept',
      'pkg @ https://x/pkg.whl#sha256=abc  # comment\n# only a comment\n\n',
      [[1, 'pkg']],
    ],
    ['environment markers', 'tomli==2.0.1; python_version < "3.11"\n', [[1, 'tomli==2.0.1;']]],
    [
      'CRLF continuation',
      `django==5.0 \\\r\n  ${HASH}\r\nnumpy==1.26.4\r\n`,
      [[3, 'numpy==1.26.4']],
    ],
    [
      'comment ends a continuation (as pip does)',
      'a==1 \\\n# note \\\nb==2\n',
      [
        [1, 'a==1'],
        [3, 'b==2'],
      ],
    ],
    ['empty file', '', []],
  ])('%s', (_name, text, expected) => {
    expect(check(text)).toEqual(expected);
  });

  it('reports at the first physical line of a joined requirement', () => {
    expect(readRequirementLines('\n\nx==1 \\\n  --no-binary :all:\n')).toEqual([
      { line: 3, text: 'x==1   --no-binary :all:' },
    ]);
  });
});
