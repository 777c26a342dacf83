import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { loadWaivers } from '../../../src/waivers/load.js';

const WORKSPACE = path.resolve(__dirname, '../../fixtures/waivers/workspace');
const DEFAULT = '.github/security-waivers.yml';
let empty: string;

beforeAll(async () => {
  empty = await mkdtemp(path.join(os.tmpdir(), 'waivers-load-'));
});
afterAll(async () => {
  await rm(empty, { recursive: true, force: true });
});

describe('loadWaivers', () => {
  it('reads the waivers file, then .trivyignore, then .grype.yaml', async () => {
    const waivers = await loadWaivers({
      workspace: WORKSPACE,
      waiversFile: DEFAULT,
      explicit: false,
    });
    expect(waivers.map((w) => w.origin)).toEqual([
      `${DEFAULT}#0`,
      `${DEFAULT}#1`,
      `${DEFAULT}#2`,
      `${DEFAULT}#3`,
      '.trivyignore:2',
      '.trivyignore:5',
      '.trivyignore:6',
      '.grype.yaml#0',
      '.grype.yaml#1',
      '.grype.yaml#2',
    ]);
  });

  it('names an absolute waivers-file path inside the workspace by its relative path', async () => {
    const waivers = await loadWaivers({
      workspace: WORKSPACE,
      waiversFile: path.join(WORKSPACE, DEFAULT),
      explicit: true,
    });
    expect(waivers.slice(0, 4).map((w) => w.origin)).toEqual(
      [0, 1, 2, 3].map((i) => `${DEFAULT}#${i}`),
    );
  });

  it('is fine when the default file is missing', async () => {
    expect(await loadWaivers({ workspace: empty, waiversFile: DEFAULT, explicit: false })).toEqual(
      [],
    );
  });

  it('fails when a named file is missing, quoting the input', async () => {
    await expect(
      loadWaivers({ workspace: empty, waiversFile: 'security/accepted.yml', explicit: true }),
    ).rejects.toThrow(
      new ConfigError(
        `Input 'waivers-file' has an invalid value "security/accepted.yml": the file does not exist in the workspace (leave the input out to use the optional default ".github/security-waivers.yml").`,
      ),
    );
  });

  it('fails on a malformed entry, naming the file', async () => {
    await writeFile(path.join(empty, 'bad.yml'), 'waivers:\n  - id: CVE-1\n    reason: r\n');
    await expect(
      loadWaivers({ workspace: empty, waiversFile: 'bad.yml', explicit: true }),
    ).rejects.toThrow(/^bad\.yml: waivers\[0\] \(CVE-1\) at line 2: 'expires' is required/);
  });

  it('uses the first grype config grype itself would read', async () => {
    const files: Record<string, string> = {
      [path.join(empty, '.grype.yml')]: 'ignore:\n  - vulnerability: CVE-1\n',
      [path.join(empty, '.grype/config.yaml')]: 'ignore:\n  - vulnerability: CVE-2\n',
    };
    const waivers = await loadWaivers({
      workspace: empty,
      waiversFile: DEFAULT,
      explicit: false,
      readFile: (file) => Promise.resolve(files[file]),
    });
    expect(waivers.map((w) => [w.id, w.origin])).toEqual([['CVE-1', '.grype.yml#0']]);
  });
});
