import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type RawInputs } from '../../../../src/config/schema.js';
import { createTrivyScanner } from '../../../../src/scanners/trivy/run.js';
import { createTrivyProber } from '../../../../src/scanners/trivy/probe.js';
import type { ScanContext } from '../../../../src/scanners/types.js';
import { createCommandRunner } from '../../../../src/util/command.js';
import { createMemoryLogger } from '../../../../src/util/logger.js';

const SHARED = join(import.meta.dirname, '../../../fixtures/shared/trivy');
const HELP_044 = readFileSync(
  join(import.meta.dirname, '../../../fixtures/trivy-e2e/help/trivy-0.44.1-fs-help.txt'),
  'utf8',
);
const HELP_NEWER = `Flags:
  -f, --format string      format (table,json) (default "table")
      --no-progress        suppress progress bar
  -o, --output string      output file name
      --scanners strings   comma-separated list of what security issues to detect (vuln,misconfig,secret,license) (default [vuln,secret])
      --skip-check-update  skip fetching rego check updates
`;

type Behaviour =
  | { kind: 'report'; fixture: string }
  | { kind: 'exit'; code: number; stderr: string }
  | { kind: 'hang' }
  | { kind: 'hang-probes' }
  | { kind: 'write'; content: string }
  | { kind: 'nothing' };

let dir: string;
let workspace: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'trivy-run-'));
  workspace = join(dir, 'ws');
  mkdirSync(join(workspace, 'app'), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in `trivy`: a node script that records its arguments and behaves as told. */
function writeFakeTrivy(behaviour: Behaviour, help = HELP_044, version = 'Version: dev'): string {
  const path = join(dir, 'trivy');
  const script = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
const b = ${JSON.stringify(behaviour)};
// The stand-ins of the workspace's config files, read while they exist (they are removed after the run).
const read = (flag) => args.includes(flag) ? fs.readFileSync(args[args.indexOf(flag) + 1], 'utf8') : null;
const files = { config: read('--config'), secret: read('--secret-config'), ignore: read('--ignorefile') };
const runnerToken = process.env['ACTIONS_RUNTIME_TOKEN'] ?? null;
fs.appendFileSync(${JSON.stringify(join(dir, 'calls.jsonl'))}, JSON.stringify({ args, cwd: process.cwd(), token: process.env['INPUT_GITHUB-TOKEN'] ?? null, runnerToken, files }) + '\\n');
if (b.kind === 'hang-probes') setInterval(() => {}, 1000);
else if (args[0] === '--version') { console.log(${JSON.stringify(version)}); process.exit(0); }
else if (args[1] === '--help') { process.stdout.write(${JSON.stringify(help)}); process.exit(0); }
const out = args[args.indexOf('--output') + 1];
if (b.kind === 'report') fs.copyFileSync(b.fixture, out);
if (b.kind === 'write') fs.writeFileSync(out, b.content);
if (b.kind === 'exit') { process.stderr.write(b.stderr); process.exit(b.code); }
if (b.kind === 'hang') setInterval(() => {}, 1000);
`;
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return path;
}

interface Call {
  args: string[];
  cwd: string;
  token: string | null;
  runnerToken: string | null;
  files: { config: string | null; secret: string | null; ignore: string | null };
}

function calls(): Call[] {
  return readFileSync(join(dir, 'calls.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

function makeContext(inputs: RawInputs): ScanContext {
  const tempDir = join(dir, 'tmp');
  mkdirSync(tempDir, { recursive: true });
  return {
    config: parseConfig({ 'trivy-scanners': 'secret,misconfig', ...inputs }),
    workspace,
    runner: createCommandRunner(),
    logger: createMemoryLogger(),
    tempDir,
  };
}

describe('createTrivyScanner: a working run', () => {
  const savedEnv = { ...process.env };
  afterEach(() => {
    process.env = { ...savedEnv };
  });

  it('runs fs with the capabilities the binary lists and parses its report', async () => {
    process.env['INPUT_GITHUB-TOKEN'] = 'ghs_not_for_scanners';
    process.env['ACTIONS_RUNTIME_TOKEN'] = 'runner-credential';
    const fixture = join(SHARED, 'repo-secrets.json');
    const trivy = writeFakeTrivy({ kind: 'report', fixture });
    const context = makeContext({
      'trivy-path': trivy,
      'scan-ref': 'app',
      timeout: '90s',
      'skip-dirs': 'app/vendor',
    });
    const outcome = await createTrivyScanner().scan(context);
    expect(outcome.error).toBeUndefined();
    expect(outcome).toMatchObject({
      scanner: 'trivy',
      tool: 'Trivy',
      version: 'dev',
      target: 'testdata/fixtures/repo/secrets',
    });
    expect(outcome.findings.map((f) => [f.ruleId, f.location?.path])).toEqual([
      ['aws-access-key-id', 'app/deploy.sh'],
      ['mysecret', 'app/deploy.sh'],
    ]);
    expect(outcome.findings[0]?.source).toMatchObject({
      tool: 'Trivy',
      scanner: 'trivy',
      toolVersion: 'dev',
    });
    const [versionCall, helpCall, scanCall] = calls();
    expect(versionCall?.args).toEqual(['--version']);
    expect(helpCall?.args).toEqual(['fs', '--help']);
    const args = scanCall?.args ?? [];
    expect(args.slice(0, 2)).toEqual(['fs', 'app']);
    expect(args).toEqual(
      expect.arrayContaining([
        '--scanners',
        'secret,config',
        '--skip-policy-update',
        '--timeout',
        '90s',
        '--skip-dirs=vendor',
      ]),
    );
    expect(scanCall?.cwd).toBe(workspace);
    expect(calls().every((call) => call.token === null && call.runnerToken === null)).toBe(true);
    // The workspace's trivy.yaml, trivy-secret.yaml and .trivyignore are replaced by empty ones.
    const isolation = join(context.tempDir, 'trivy-isolation-');
    for (const flag of ['--config', '--secret-config', '--ignorefile']) {
      expect(args[args.indexOf(flag) + 1]?.startsWith(isolation), flag).toBe(true);
    }
    expect(scanCall?.files).toEqual({ config: '{}\n', secret: '{}\n', ignore: '' });
    expect(args.slice(args.indexOf('--severity'), args.indexOf('--severity') + 2)).toEqual([
      '--severity',
      'UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL',
    ]);
    expect(args).not.toContain('--cache-dir');
    // The report (with Trivy's unmasked code context) does not outlive the scan.
    expect(readdirSync(context.tempDir)).toEqual([]);
  });

  it('uses misconfig and --skip-check-update when the binary lists them', async () => {
    const trivy = writeFakeTrivy(
      { kind: 'report', fixture: join(SHARED, 'repo-dockerfile-misconfig.json') },
      HELP_NEWER,
      'Version: 0.72.0',
    );
    const outcome = await createTrivyScanner().scan(makeContext({ 'trivy-path': trivy }));
    expect(outcome.error).toBeUndefined();
    expect(outcome.version).toBe('0.72.0');
    expect(outcome.findings).toHaveLength(1);
    const args = calls()[2]?.args ?? [];
    expect(args).toEqual(
      expect.arrayContaining(['--scanners', 'secret,misconfig', '--skip-check-update']),
    );
    expect(args).not.toContain('--skip-policy-update');
  });

  it('a VEX-suppressed finding is noted, not reported', async () => {
    const trivy = writeFakeTrivy({
      kind: 'report',
      fixture: join(SHARED, 'fs-npm-with-vex-suppressed.json'),
    });
    const outcome = await createTrivyScanner().scan(makeContext({ 'trivy-path': trivy }));
    expect(outcome.findings.map((f) => f.ruleId)).toEqual(['CVE-2017-20165']);
    expect(outcome.notes).toEqual(['Trivy suppressed 1 finding(s) by VEX statements.']);
  });

  it('points --cache-dir at the cached directory; a shared prober asks the binary once', async () => {
    const trivy = writeFakeTrivy({
      kind: 'report',
      fixture: join(SHARED, 'repo-npm-lockfile.json'),
    });
    const scanner = createTrivyScanner({
      resolveBinary: async () => trivy,
      cacheDir: join(dir, 'cache', 'trivy'),
      probe: createTrivyProber(),
    });
    expect((await scanner.scan(makeContext({}))).error).toBeUndefined();
    expect((await scanner.scan(makeContext({}))).error).toBeUndefined();
    const all = calls();
    expect(all.map((call) => call.args[0])).toEqual(['--version', 'fs', 'fs', 'fs']);
    const scan = all[3]?.args ?? [];
    expect(scan.slice(scan.indexOf('--cache-dir'), scan.indexOf('--cache-dir') + 2)).toEqual([
      '--cache-dir',
      join(dir, 'cache', 'trivy'),
    ]);
  });

  it('uses an injected binary resolver', async () => {
    const trivy = writeFakeTrivy({
      kind: 'report',
      fixture: join(SHARED, 'repo-npm-lockfile.json'),
    });
    const outcome = await createTrivyScanner({ resolveBinary: async () => trivy }).scan(
      makeContext({}),
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.findings).toHaveLength(1);
  });
});

describe('createTrivyScanner: fail-closed', () => {
  it.each<[string, Behaviour, RegExp]>([
    [
      'non-zero exit',
      { kind: 'exit', code: 3, stderr: '\u001b[31mFATAL\u001b[0m db error\n::error::boom' },
      /^trivy: exited with code 3\. Trivy said: FATAL db error :\u200b:error:\u200b:boom$/,
    ],
    [
      'non-zero exit without output',
      { kind: 'exit', code: 1, stderr: '' },
      /^trivy: exited with code 1\. It wrote no error output\.$/,
    ],
    [
      'no report written',
      { kind: 'nothing' },
      /^trivy: exited successfully but wrote no report file\.$/,
    ],
    ['empty report', { kind: 'write', content: '  \n' }, /^trivy: wrote an empty report file\.$/],
    [
      'invalid JSON',
      { kind: 'write', content: '{"SchemaVersion": 2,' },
      /^trivy: wrote a report that is not valid JSON/,
    ],
    [
      'unrecognised schema',
      {
        kind: 'write',
        content: readFileSync(join(SHARED, 'image-fluentd-short.cdx.json'), 'utf8'),
      },
      /^trivy: wrote a report .* not understand: is a CycloneDX SBOM/,
    ],
  ])('%s → error, no findings', async (_name, behaviour, message) => {
    const trivy = writeFakeTrivy(behaviour);
    const outcome = await createTrivyScanner().scan(makeContext({ 'trivy-path': trivy }));
    expect(outcome.error).toMatch(message);
    expect(outcome.findings).toEqual([]);
    expect(outcome.version).toBe('dev');
  });

  it('long stderr is cut to its last 300 characters', async () => {
    const trivy = writeFakeTrivy({
      kind: 'exit',
      code: 2,
      stderr: `${'x'.repeat(1000)} the real cause`,
    });
    const outcome = await createTrivyScanner().scan(makeContext({ 'trivy-path': trivy }));
    const said = outcome.error?.split('Trivy said: ')[1] ?? '';
    expect(said.length).toBe(300);
    expect(said.endsWith('the real cause')).toBe(true);
  });

  it('a hanging trivy is killed after the timeout', async () => {
    const trivy = writeFakeTrivy({ kind: 'hang' });
    const started = Date.now();
    const outcome = await createTrivyScanner({ timeoutGraceMs: 200 }).scan(
      makeContext({ 'trivy-path': trivy, timeout: '1s' }),
    );
    expect(outcome.error).toMatch(/^trivy: timed out after 1s \(the 'timeout' input\)/);
    expect(outcome.findings).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a missing trivy-path names the input', async () => {
    const outcome = await createTrivyScanner().scan(
      makeContext({ 'trivy-path': join(dir, 'nope') }),
    );
    expect(outcome.error).toMatch(
      /^trivy: the 'trivy-path' input points to ".*nope", which is not an executable file\.$/,
    );
  });

  it('trivy missing from PATH says how to fix it', async () => {
    const saved = process.env.PATH;
    process.env.PATH = join(dir, 'empty-bin');
    try {
      const outcome = await createTrivyScanner().scan(makeContext({}));
      expect(outcome.error).toMatch(
        /^trivy: the trivy binary was not found on PATH\. Install Trivy .*'trivy-path'/,
      );
      expect(outcome.findings).toEqual([]);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('finds trivy on PATH', async () => {
    const trivy = writeFakeTrivy({
      kind: 'report',
      fixture: join(SHARED, 'repo-npm-lockfile.json'),
    });
    const saved = process.env.PATH;
    process.env.PATH = `${join(dir, 'missing')}:relative/bin:${dir}:${saved ?? ''}`;
    try {
      const outcome = await createTrivyScanner().scan(makeContext({}));
      expect(outcome.error).toBeUndefined();
      expect(calls()[0]?.args).toEqual(['--version']);
      expect(trivy.startsWith(dir)).toBe(true);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('a binary that is not Trivy is refused before scanning', async () => {
    const trivy = writeFakeTrivy({ kind: 'nothing' }, 'usage: something else\n');
    const outcome = await createTrivyScanner().scan(makeContext({ 'trivy-path': trivy }));
    expect(outcome.error).toMatch(
      /^trivy: `fs --help` did not list the options of a Trivy fs scan/,
    );
    expect(calls()).toHaveLength(2);
  });

  it('a scan-ref that does not exist is an error', async () => {
    const trivy = writeFakeTrivy({ kind: 'nothing' });
    const outcome = await createTrivyScanner().scan(
      makeContext({ 'trivy-path': trivy, 'scan-ref': 'no/such/dir' }),
    );
    expect(outcome.error).toBe(
      'trivy: the scan-ref "no/such/dir" does not exist in the workspace.',
    );
  });

  it.each([
    [
      'secret,license',
      "trivy: this Trivy binary (version dev) cannot run the 'license' scanner asked for in 'trivy-scanners': its fs scan lists vuln, secret. Install a Trivy release that has it (a newer 'trivy-version', or 'trivy-path'), or remove 'license' from 'trivy-scanners'.",
    ],
    [
      'misconfig,license',
      "trivy: this Trivy binary (version dev) cannot run the 'misconfig', 'license' scanners asked for in 'trivy-scanners': its fs scan lists vuln, secret. Install a Trivy release that has them (a newer 'trivy-version', or 'trivy-path'), or remove 'misconfig', 'license' from 'trivy-scanners'.",
    ],
  ])('a trivy-scanners entry the binary cannot run fails closed (%s)', async (scanners, error) => {
    const trivy = writeFakeTrivy(
      { kind: 'report', fixture: join(SHARED, 'repo-secrets.json') },
      '  -f, --format string   format\n      --scanners strings   what to detect (vuln,secret) (default [vuln])\n',
    );
    const outcome = await createTrivyScanner().scan(
      makeContext({ 'trivy-path': trivy, 'trivy-scanners': scanners }),
    );
    expect(outcome.error).toBe(error);
    expect(outcome.findings).toEqual([]);
    // Refused before scanning: only the two probes ran.
    expect(calls()).toHaveLength(2);
  });

  it('probes never wait longer than the timeout input', async () => {
    const trivy = writeFakeTrivy({ kind: 'hang-probes' });
    const started = Date.now();
    const outcome = await createTrivyScanner().scan(
      makeContext({ 'trivy-path': trivy, timeout: '1s' }),
    );
    expect(outcome.error).toMatch(/^trivy: `fs --help` did not list the options/);
    // Two probes of 1 s each, not 60 s.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
