/**
 * Issue 5 end to end through the bundled action (dist/index.js run the way
 * the runner runs it): installing Trivy when it is not on PATH (download
 * from `download-base-url`, SHA-256 verification before anything is
 * unpacked or run, the runner's tool cache), the DB cache outside GitHub,
 * the DB repository fallback of a Trivy that takes one repository, and the
 * pinning checker on `fixtures/supply-chain/repo` (whose `# expect: <rule>`
 * comments name the line after them).
 *
 * The release is a real tar.gz built here around a stand-in `trivy` (a node
 * script) that answers the probes with Trivy 0.44.1's own help text, writes
 * a real Trivy report, and logs every invocation (the "it ran" marker).
 * Expected counts come from the reports themselves.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runAction, type ActionRun } from '../helpers/run-action.js';
import {
  validateSarifFilesWithMultitool,
  validateSarifSchema,
} from '../helpers/sarif-validators.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const VERSION = '0.44.1';
const E2E = path.join(ROOT, '__tests__/fixtures/trivy-e2e');
const HELP = path.join(E2E, 'help');
const SECRET_CONFIG_REPORT = path.join(E2E, 'reports/trivy-0.44.1-project-secret-config.json');
const PINNING_REPO = path.join(ROOT, '__tests__/fixtures/supply-chain/repo');
const NPM_REPORT = path.join(ROOT, '__tests__/fixtures/shared/trivy/repo-npm-lockfile.json');
const SUFFIX: Partial<Record<string, string>> = { x64: 'Linux-64bit', arm64: 'Linux-ARM64' };
const ARCHIVE = `trivy_${VERSION}_${SUFFIX[process.arch] ?? 'unsupported'}.tar.gz`;
const CHECKSUMS = `trivy_${VERSION}_checksums.txt`;
const RELEASE = `/aquasecurity/trivy/releases/download/v${VERSION}`;
const EVENT = 'workflow_dispatch';
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;
type Severity = (typeof SEVERITIES)[number];
type Counts = Record<Severity, number>;

const tempDir = useTempDirs();

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function zero(): Counts {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
}

function countOutputs(run: ActionRun): Counts {
  const counts = zero();
  for (const s of SEVERITIES) counts[s] = Number(run.outputs[s.toLowerCase()]);
  return counts;
}

/** Severity counts of a Trivy JSON report: vulnerabilities, secrets and failed misconfigurations. */
function countTrivyJson(file: string): Counts {
  const report = JSON.parse(readFileSync(file, 'utf8')) as {
    Results?: Array<{
      Vulnerabilities?: Array<{ Severity: string }>;
      Secrets?: Array<{ Severity: string }>;
      Misconfigurations?: Array<{ Severity: string; Status: string }>;
    }>;
  };
  const counts = zero();
  for (const result of report.Results ?? []) {
    for (const v of result.Vulnerabilities ?? []) counts[v.Severity as Severity] += 1;
    for (const secret of result.Secrets ?? []) counts[secret.Severity as Severity] += 1;
    for (const m of result.Misconfigurations ?? [])
      if (m.Status === 'FAIL') counts[m.Severity as Severity] += 1;
  }
  return counts;
}

function commands(stdout: string, name: string): string[] {
  return stdout
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith(`::${name}::`) || line.startsWith(`::${name} `));
}

/** PATH without any directory holding a `trivy`, but with this node (the stand-ins' interpreter). */
function pathWithoutTrivy(): string {
  const dirs = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir !== '' && !existsSync(path.join(dir, 'trivy')));
  return [path.dirname(process.execPath), ...dirs].join(path.delimiter);
}

/**
 * The source of a stand-in `trivy`: logs its arguments to `callsFile`,
 * answers `--version` and `<subcommand> --help` like Trivy 0.44.1, and runs
 * `scan` (JS with `args`, `fs` and `output` in scope) for anything else.
 */
function standInSource(options: { callsFile: string; version: string; scan: string }): string {
  const help = Object.fromEntries(
    ['fs', 'image', 'sbom'].map((sub) => [
      sub,
      readFileSync(path.join(HELP, `trivy-0.44.1-${sub}-help.txt`), 'utf8'),
    ]),
  );
  return `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(options.callsFile)}, JSON.stringify(args) + '\\n');
if (args[0] === '--version') { console.log(${JSON.stringify(`Version: ${options.version}`)}); process.exit(0); }
const help = ${JSON.stringify(help)};
if (args[1] === '--help') { process.stdout.write(help[args[0]] ?? ''); process.exit(0); }
const output = args[args.indexOf('--output') + 1];
${options.scan}
`;
}

function readCalls(file: string): string[][] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as string[]);
}

describe.runIf(process.platform === 'linux' && SUFFIX[process.arch] !== undefined)(
  'installing Trivy through the action (not on PATH, no trivy-path)',
  () => {
    let server: Server;
    let baseUrl: string;
    let requests: string[] = [];
    let served = new Map<string, Buffer>();
    let archive: Buffer;
    /** The stand-in appends its arguments here whenever it runs. */
    let callsFile: string;

    beforeAll(async () => {
      const root = tempDir('sg-release-');
      callsFile = path.join(root, 'stand-in-calls.jsonl');
      const content = path.join(root, 'content');
      mkdirSync(content);
      writeFileSync(
        path.join(content, 'trivy'),
        standInSource({
          callsFile,
          version: VERSION,
          scan: `fs.copyFileSync(${JSON.stringify(SECRET_CONFIG_REPORT)}, output);`,
        }),
      );
      chmodSync(path.join(content, 'trivy'), 0o755);
      writeFileSync(path.join(content, 'LICENSE'), 'Apache-2.0\n');
      writeFileSync(path.join(content, 'README.md'), '# trivy\n');
      execFileSync('tar', [
        '-czf',
        path.join(root, ARCHIVE),
        '-C',
        content,
        'trivy',
        'LICENSE',
        'README.md',
      ]);
      archive = readFileSync(path.join(root, ARCHIVE));
      server = createServer((request, response) => {
        requests.push(request.url ?? '');
        const body = served.get(request.url ?? '');
        response.writeHead(body === undefined ? 404 : 200).end(body ?? 'Not Found');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    /** The release as published: the archive and a checksums file listing it among others. */
    function publish(archiveBody: Buffer): void {
      requests = [];
      rmSync(callsFile, { force: true });
      served = new Map([
        [`${RELEASE}/${ARCHIVE}`, archiveBody],
        [
          `${RELEASE}/${CHECKSUMS}`,
          Buffer.from(
            [
              `${sha256('mac')}  trivy_${VERSION}_macOS-64bit.tar.gz`,
              `${sha256(archive)}  ${ARCHIVE}`,
              `${sha256('deb')}  trivy_${VERSION}_Linux-64bit.deb`,
              '',
            ].join('\n'),
          ),
        ],
      ]);
    }

    function runInstalling(options: {
      toolCache: string;
      inputs?: Record<string, string>;
    }): Promise<ActionRun> {
      const ws = tempDir('sg-ws-');
      cpSync(path.join(E2E, 'project'), ws, { recursive: true });
      return runAction({
        workspace: ws,
        eventName: EVENT,
        inputs: {
          'trivy-version': VERSION,
          'download-base-url': baseUrl,
          ...options.inputs,
        },
        env: {
          PATH: pathWithoutTrivy(),
          HOME: tempDir('sg-home-'),
          RUNNER_TOOL_CACHE: options.toolCache,
        },
      });
    }

    it('downloads, verifies, installs and runs the release; the second run is a tool cache hit', async () => {
      publish(archive);
      const toolCache = tempDir('sg-toolcache-');
      const first = await runInstalling({ toolCache });

      expect(requests.sort()).toEqual([`${RELEASE}/${ARCHIVE}`, `${RELEASE}/${CHECKSUMS}`].sort());
      expect(first.stdout).toContain(`Verified ${ARCHIVE}: SHA-256 ${sha256(archive)}.`);
      const installed = path.join(toolCache, 'security-gate-trivy', VERSION, process.arch, 'trivy');
      expect(existsSync(installed)).toBe(true);
      // It ran: the version and help probes, then one scan with what 0.44.1 lists.
      const calls = readCalls(callsFile);
      expect(calls.slice(0, 2)).toEqual([['--version'], ['fs', '--help']]);
      expect(calls).toHaveLength(3);
      const scan = calls[2] ?? [];
      expect(scan.slice(0, 2)).toEqual(['fs', '.']);
      expect(scan).toEqual(
        expect.arrayContaining(['--scanners', 'vuln,secret,config', '--skip-policy-update']),
      );
      // 0.44 takes one DB repository: the first of the default list.
      expect(scan.slice(-2)).toEqual(['--db-repository', 'mirror.gcr.io/aquasec/trivy-db']);

      const expected = countTrivyJson(SECRET_CONFIG_REPORT);
      expect(expected.CRITICAL).toBeGreaterThan(0);
      expect(countOutputs(first)).toEqual(expected);
      expect(first.outputs.verdict).toBe('fail');
      expect(first.exitCode).toBe(1);
      // The report and the summary name the version that ran.
      expect(first.summary).toMatch(
        new RegExp(`\\| Trivy \\| ${VERSION.replace(/\./g, '\\.')} \\|`),
      );

      // Outside GitHub there is no cache service: the DB cache is skipped with an info line.
      expect(first.stdout).toContain(
        'Could not restore the trivy database cache: the Actions cache service is not available',
      );
      expect(first.stdout).toContain('Could not save the trivy database cache');
      expect(commands(first.stdout, 'warning')).toEqual([]);
      const errors = commands(first.stdout, 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/Security Gate fail/);

      requests = [];
      rmSync(callsFile, { force: true });
      const second = await runInstalling({ toolCache });
      expect(requests).toEqual([]);
      expect(second.stdout).toContain(`Using trivy ${VERSION} from the tool cache.`);
      expect(readCalls(callsFile)).toHaveLength(3);
      expect(countOutputs(second)).toEqual(expected);
    });

    const refusals: Array<{
      name: string;
      body: () => Buffer;
      inputs: () => Record<string, string>;
      expected: () => string;
      origin: string;
    }> = [
      {
        name: 'a tampered archive (not the one the checksums file lists)',
        body: () => Buffer.concat([archive, Buffer.from('tampered')]),
        inputs: () => ({}),
        expected: () => sha256(archive),
        origin: `from ${CHECKSUMS}`,
      },
      {
        name: 'an archive that is not the one trivy-sha256 pins',
        body: () => archive,
        inputs: () => ({ 'trivy-sha256': sha256('another release') }),
        expected: () => sha256('another release'),
        origin: 'from the trivy-sha256 input',
      },
    ];

    it.each(refusals)('refuses $name: error, exit 1, nothing ran', async (refusal) => {
      const body = refusal.body();
      publish(body);
      const toolCache = tempDir('sg-toolcache-');
      const run = await runInstalling({ toolCache, inputs: refusal.inputs() });
      expect(run.exitCode).toBe(1);
      expect(run.outputs.verdict).toBe('error');
      const errors = commands(run.stdout, 'error');
      expect(errors).toHaveLength(1);
      const message = errors[0] ?? '';
      expect(message).toContain(ARCHIVE);
      expect(message).toContain(`expected ${refusal.expected()} (${refusal.origin})`);
      expect(message).toContain(`got ${sha256(body)}`);
      expect(message).toContain('Nothing was unpacked or run.');
      expect(existsSync(callsFile)).toBe(false);
      expect(existsSync(path.join(toolCache, 'security-gate-trivy'))).toBe(false);
    });
  },
);

describe('Trivy DB repository fallback (0.44 takes one --db-repository)', () => {
  const MIRROR = 'mirror.gcr.io/aquasec/trivy-db';
  const GHCR = 'ghcr.io/aquasecurity/trivy-db';

  /** Trivy 0.44.1 (help text, `Version: dev`) whose DB download fails from `failing` repositories. */
  async function runWithDbFailures(options: {
    failing: string[];
    inputs?: Record<string, string>;
  }): Promise<{ run: ActionRun; scans: string[][] }> {
    const bin = tempDir('sg-bin-');
    const callsFile = path.join(bin, 'calls.jsonl');
    const trivy = path.join(bin, 'trivy');
    // Trivy 0.44.1's wording when the DB download fails (pkg/db, pkg/oci).
    const dbFailure = (repo: string): string =>
      `2024-05-01T10:00:00.000Z\tFATAL\tinit error: DB error: failed to download vulnerability DB: database download error: OCI repository error: 1 error occurred:\n\t* GET https://${repo.split('/')[0]}/v2/${repo.split('/').slice(1).join('/')}/manifests/2: TOOMANYREQUESTS: rate limit exceeded\n`;
    const failures = Object.fromEntries(options.failing.map((repo) => [repo, dbFailure(repo)]));
    writeFileSync(
      trivy,
      standInSource({
        callsFile,
        version: 'dev',
        scan: `const failures = ${JSON.stringify(failures)};
const repo = args[args.indexOf('--db-repository') + 1];
if (failures[repo] !== undefined) { process.stderr.write(failures[repo]); process.exit(1); }
fs.copyFileSync(${JSON.stringify(NPM_REPORT)}, output);`,
      }),
    );
    chmodSync(trivy, 0o755);
    const ws = tempDir('sg-ws-');
    copyFileSync(
      path.join(ROOT, '__tests__/fixtures/sbom-project/package-lock.json'),
      path.join(ws, 'package-lock.json'),
    );
    const home = tempDir('sg-home-');
    const run = await runAction({
      workspace: ws,
      eventName: EVENT,
      inputs: { 'trivy-path': trivy, 'trivy-scanners': 'vuln', ...options.inputs },
      env: { HOME: home },
    });
    const scans = readCalls(callsFile).filter((args) => args[0] === 'fs' && args[1] !== '--help');
    // Every attempt uses the DB directory the action caches (not Trivy's OS-dependent default).
    for (const args of scans) {
      expect(args.slice(args.indexOf('--cache-dir'), args.indexOf('--cache-dir') + 2)).toEqual([
        '--cache-dir',
        path.join(home, '.cache', 'trivy'),
      ]);
    }
    return { run, scans };
  }

  it('retries, then reruns the same scan with the next repository', async () => {
    const { run, scans } = await runWithDbFailures({ failing: [MIRROR] });
    expect(scans.map((args) => args.slice(args.indexOf('--db-repository')))).toEqual([
      ['--db-repository', MIRROR],
      ['--db-repository', MIRROR],
      ['--db-repository', GHCR],
    ]);
    // Each attempt is the same scan apart from the repository.
    const withoutRepo = scans.map((args) => args.slice(0, args.indexOf('--db-repository')));
    expect(new Set(withoutRepo.map((args) => JSON.stringify(args))).size).toBe(1);
    expect(run.outputs.verdict).toBe('pass');
    expect(run.exitCode).toBe(0);
    expect(countOutputs(run)).toEqual(countTrivyJson(NPM_REPORT));
    expect(Number(run.outputs.total)).toBeGreaterThan(0);
    // One annotation for the switch of repository; the retry is only logged.
    const warnings = commands(run.stdout, 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`from ${MIRROR} (attempt 2 of 2); trying ${GHCR}.`);
    expect(run.stdout).toContain(`from ${MIRROR} (attempt 1 of 2); retrying.`);
    expect(run.summary).toMatch(/\| Trivy \| dev \|/);
  }, 60_000);

  it('is an error naming the DB download when no repository works', async () => {
    const { run, scans } = await runWithDbFailures({
      failing: [MIRROR],
      inputs: { 'trivy-db-repositories': MIRROR },
    });
    expect(scans).toHaveLength(2);
    expect(run.outputs.verdict).toBe('error');
    expect(run.exitCode).toBe(1);
    const errors = commands(run.stdout, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/trivy: exited with code 1\..*failed to download vulnerability DB/);
    expect(commands(run.stdout, 'warning')).toEqual([]);
  }, 60_000);
});

interface SarifLog {
  runs: Array<{
    tool: { driver: { name: string; version?: string } };
    automationDetails?: { id?: string };
    results?: Array<{
      ruleId?: string;
      level?: string;
      properties?: Record<string, unknown>;
      locations?: Array<{
        physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } };
      }>;
    }>;
  }>;
}

describe('the pinning checker through the action', () => {
  /** `rule file:line` for every `# expect: <rule>` marker: the line after it. */
  function expectedFindings(): string[] {
    const expected: string[] = [];
    for (const rel of readdirSync(PINNING_REPO, { recursive: true, encoding: 'utf8' })) {
      const file = path.join(PINNING_REPO, rel);
      if (!statSync(file).isFile()) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          const rule = /^\s*# expect: (\S+)\s*$/.exec(line)?.[1];
          if (rule !== undefined)
            expected.push(`${rule} ${rel.split(path.sep).join('/')}:${index + 2}`);
        });
    }
    return expected.sort();
  }

  function sarifFindings(log: SarifLog): string[] {
    return log.runs
      .flatMap((run) => run.results ?? [])
      .map((r) => {
        const physical = r.locations?.[0]?.physicalLocation;
        return `${r.ruleId} ${physical?.artifactLocation?.uri}:${physical?.region?.startLine}`;
      })
      .sort();
  }

  async function runPinning(
    inputs: Record<string, string>,
  ): Promise<{ run: ActionRun; sarif: string }> {
    const ws = tempDir('sg-pin-');
    cpSync(PINNING_REPO, ws, { recursive: true });
    const run = await runAction({
      workspace: ws,
      eventName: EVENT,
      inputs: { scanners: 'pinning', ...inputs },
      env: { HOME: tempDir('sg-home-') },
    });
    return { run, sarif: path.join(ws, 'security-gate.sarif') };
  }

  it('finds each unpinned reference at its file and line; pinning-severity sets severity and gate', async () => {
    const expected = expectedFindings();
    // Guard: one marker per kind the spec lists (Dockerfile, Compose, Kubernetes, workflow ×2, pip).
    expect(expected.map((e) => e.split(' ')[0])).toHaveLength(6);
    const [high, medium] = await Promise.all([
      runPinning({}),
      runPinning({ 'pinning-severity': 'medium' }),
    ]);

    for (const { sarif } of [high, medium]) {
      const log = JSON.parse(readFileSync(sarif, 'utf8')) as SarifLog;
      expect(validateSarifSchema(log)).toEqual([]);
      expect(sarifFindings(log)).toEqual(expected);
      expect(log.runs.map((r) => r.automationDetails?.id)).toEqual(['security-gate/pinning/']);
    }
    const reports = await validateSarifFilesWithMultitool([high.sarif, medium.sarif]);
    expect(reports.get(high.sarif)?.errors).toEqual([]);
    expect(reports.get(medium.sarif)?.errors).toEqual([]);

    // Default `high`: six HIGH findings reach the HIGH threshold (5) and fail the gate.
    expect(high.run.outputs.high).toBe(String(expected.length));
    expect(high.run.outputs.medium).toBe('0');
    expect(high.run.outputs.verdict).toBe('fail');
    expect(high.run.exitCode).toBe(1);
    const highLog = JSON.parse(readFileSync(high.sarif, 'utf8')) as SarifLog;
    expect(new Set(highLog.runs[0]?.results?.map((r) => r.level))).toEqual(new Set(['error']));

    // `medium`: the same findings as MEDIUM, reported but not gating.
    expect(medium.run.outputs.high).toBe('0');
    expect(medium.run.outputs.medium).toBe(String(expected.length));
    expect(medium.run.outputs.verdict).toBe('pass');
    expect(medium.run.exitCode).toBe(0);
    const mediumLog = JSON.parse(readFileSync(medium.sarif, 'utf8')) as SarifLog;
    expect(new Set(mediumLog.runs[0]?.results?.map((r) => r.level))).toEqual(new Set(['warning']));
    expect(medium.run.summary).toContain('Dockerfile:3');
  }, 120_000);
});
