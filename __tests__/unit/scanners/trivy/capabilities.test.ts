import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/config/schema.js';
import { rebaseSkipDirs } from '../../../../src/scanners/skip-dirs.js';
import {
  buildTrivyArgs,
  trivyIsolationArgs,
  trivySkipDirArgs,
} from '../../../../src/scanners/trivy/args.js';
import {
  parseTrivyHelp,
  parseTrivyVersion,
  selectTrivyScanners,
} from '../../../../src/scanners/trivy/capabilities.js';

const HELP_DIR = join(import.meta.dirname, '../../../fixtures/trivy-e2e/help');
const realHelp = (name: string): string => readFileSync(join(HELP_DIR, name), 'utf8');

/** The flag layout of newer releases (cobra, `misconfig`, `--skip-check-update`, list-valued DB repository). */
const NEWER_HELP = `Scan local filesystem

Usage:
  trivy filesystem [flags] PATH

Flags:
      --db-repository strings             OCI repositories of the vulnerability DB, in order (default [mirror.gcr.io/aquasec/trivy-db:2])
      --exit-code int                     exit code when issues are found
  -f, --format string                     output format (table,json,sarif) (default "table")
      --no-progress                       suppress progress bar
  -o, --output string                     output file name
      --scanners strings                  comma-separated list of what security issues to detect
                                          (vuln,misconfig,secret,license) (default [vuln,secret])
      --skip-check-update                 skip fetching rego check updates
      --skip-db-update                    skip updating vulnerability database
      --skip-dirs strings                 directories or glob patterns to skip
  -q, --quiet                             suppress progress bar and log output
      --timeout duration                  timeout (default 5m0s)
`;

/** The urfave/cli layout of releases before 0.27 (`--security-checks`). */
const OLD_HELP = `OPTIONS:
   --format value, -f value                       format (table, json, template) (default: "table") [$TRIVY_FORMAT]
   --output value, -o value                       output file name [$TRIVY_OUTPUT]
   --skip-db-update, --skip-update                skip updating vulnerability database (default: false)
   --skip-policy-update                           skip updating built-in policies (default: false)
   --security-checks value                        comma-separated list of what security issues to detect (vuln,config) (default: "vuln") [$TRIVY_SECURITY_CHECKS]
   --db-repository value                          OCI repository to retrieve trivy-db from (default: "ghcr.io/aquasecurity/trivy-db")
`;

describe('parseTrivyHelp', () => {
  it.each([
    [
      'real 0.44.1 fs',
      realHelp('trivy-0.44.1-fs-help.txt'),
      '--scanners',
      ['vuln', 'config', 'secret', 'license'],
      false,
    ],
    [
      'real 0.44.1 image',
      realHelp('trivy-0.44.1-image-help.txt'),
      '--scanners',
      ['vuln', 'config', 'secret', 'license'],
      false,
    ],
    [
      'real 0.44.1 sbom (no scanner flag: vuln only)',
      realHelp('trivy-0.44.1-sbom-help.txt'),
      undefined,
      ['vuln'],
      false,
    ],
    ['newer layout', NEWER_HELP, '--scanners', ['vuln', 'misconfig', 'secret', 'license'], true],
    ['urfave layout', OLD_HELP, '--security-checks', ['vuln', 'config'], false],
  ])('%s', (_name, help, flag, names, dbList) => {
    const capabilities = parseTrivyHelp(help);
    expect(capabilities.scannersFlag).toBe(flag);
    expect(capabilities.scannerNames).toEqual(names);
    expect(capabilities.dbRepositoryList).toBe(dbList);
    expect(capabilities.flags.has('--format')).toBe(true);
  });

  it.each([
    [
      '      --db-repository string        OCI repository to retrieve trivy-db from (default "ghcr.io/aquasecurity/trivy-db")',
      false,
    ],
    [
      '      --db-repository strings       OCI repository(ies) to retrieve trivy-db in order of priority',
      true,
    ],
  ])('reads whether --db-repository takes a list from %j', (help, expected) => {
    expect(parseTrivyHelp(help).dbRepositoryList).toBe(expected);
  });

  it('reads the short-and-long form of the global --config flag', () => {
    const flags = parseTrivyHelp(realHelp('trivy-0.44.1-fs-help.txt')).flags;
    expect(
      ['--config', '--secret-config', '--ignorefile', '--severity', '--cache-dir'].map((f) =>
        flags.has(f),
      ),
    ).toEqual([true, true, true, true, true]);
  });

  it('lists the update flags each layout has', () => {
    const real = parseTrivyHelp(realHelp('trivy-0.44.1-fs-help.txt')).flags;
    expect([
      real.has('--skip-policy-update'),
      real.has('--skip-check-update'),
      real.has('--no-progress'),
    ]).toEqual([true, false, true]);
    const newer = parseTrivyHelp(NEWER_HELP).flags;
    expect([newer.has('--skip-policy-update'), newer.has('--skip-check-update')]).toEqual([
      false,
      true,
    ]);
  });
});

describe('parseTrivyVersion', () => {
  it.each([
    [realHelp('trivy-0.44.1-version.txt'), 'dev'],
    ['Version: 0.72.0\nVulnerability DB:\n  Version: 2\n', '0.72.0'],
    ['Version: v0.50.1', '0.50.1'],
    ['trivy something else', undefined],
  ])('%j → %j', (text, expected) => {
    expect(parseTrivyVersion(text)).toBe(expected);
  });
});

describe('selectTrivyScanners', () => {
  it.each([
    [NEWER_HELP, ['vuln', 'secret', 'misconfig'], ['vuln', 'secret', 'misconfig'], []],
    [
      realHelp('trivy-0.44.1-fs-help.txt'),
      ['vuln', 'secret', 'misconfig', 'license'],
      ['vuln', 'secret', 'config', 'license'],
      [],
    ],
    [OLD_HELP, ['secret', 'misconfig'], ['config'], ['secret']],
    [realHelp('trivy-0.44.1-sbom-help.txt'), ['license'], [], ['license']],
  ] as const)('maps what the binary lists (%#)', (help, requested, names, unsupported) => {
    const selection = selectTrivyScanners(requested, parseTrivyHelp(help));
    expect(selection.names).toEqual(names);
    // The config → misconfig renaming is an adaptation; only a scanner the binary lacks is reported.
    expect(selection.unsupported).toEqual(unsupported);
  });
});

const ISOLATION = {
  config: '/tmp/iso/trivy.yaml',
  secretConfig: '/tmp/iso/trivy-secret.yaml',
  ignoreFile: '/tmp/iso/trivyignore',
};

describe('buildTrivyArgs', () => {
  const config = (inputs: Record<string, string>) =>
    parseConfig({ 'trivy-scanners': 'secret,misconfig', ...inputs });

  it('fs scan with the 0.44.1 binary: config scanner, policy update skipped, rebased skip-dirs', () => {
    const built = buildTrivyArgs({
      config: config({
        'scan-ref': 'examples/app',
        timeout: '2m',
        'skip-dirs': 'examples/app/node_modules\nvendor/**\n-odd',
      }),
      capabilities: parseTrivyHelp(realHelp('trivy-0.44.1-fs-help.txt')),
      outputFile: '/tmp/out.json',
      pathPrefix: 'examples/app',
      isolation: ISOLATION,
      cacheDir: '/home/runner/.cache/trivy',
    });
    expect(built.args).toEqual([
      'fs',
      'examples/app',
      '--format',
      'json',
      '--output',
      '/tmp/out.json',
      '--exit-code',
      '0',
      '--timeout',
      '120s',
      '--scanners',
      'secret,config',
      // None of the workspace's trivy.yaml, trivy-secret.yaml, .trivyignore applies.
      '--config',
      ISOLATION.config,
      '--secret-config',
      ISOLATION.secretConfig,
      '--ignorefile',
      ISOLATION.ignoreFile,
      '--cache-dir',
      '/home/runner/.cache/trivy',
      '--severity',
      'UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL',
      '--no-progress',
      '--skip-dirs=node_modules',
      '--skip-dirs=vendor/**',
      '--skip-dirs=-odd',
      '--skip-policy-update',
    ]);
    expect(built.unsupported).toEqual([]);
  });

  it('passes only the isolation flags the binary lists, and no --cache-dir unless given', () => {
    // NEWER_HELP lists none of --config, --secret-config, --ignorefile, --severity, --cache-dir.
    const built = buildTrivyArgs({
      config: config({}),
      capabilities: parseTrivyHelp(NEWER_HELP),
      outputFile: 'o.json',
      pathPrefix: '',
      isolation: ISOLATION,
      cacheDir: '/c',
    });
    for (const flag of ['--config', '--secret-config', '--ignorefile', '--severity', '--cache-dir'])
      expect(built.args).not.toContain(flag);
    const real = parseTrivyHelp(realHelp('trivy-0.44.1-image-help.txt'));
    expect(trivyIsolationArgs(real, ISOLATION)).toEqual([
      '--config',
      ISOLATION.config,
      '--secret-config',
      ISOLATION.secretConfig,
      '--ignorefile',
      ISOLATION.ignoreFile,
    ]);
  });

  it('a binary without a requested scanner leaves it unsupported', () => {
    const built = buildTrivyArgs({
      config: config({ 'trivy-scanners': 'vuln,license' }),
      capabilities: parseTrivyHelp(OLD_HELP),
      outputFile: 'o.json',
      pathPrefix: '',
      isolation: ISOLATION,
    });
    expect(built.scanners).toEqual(['vuln']);
    expect(built.unsupported).toEqual(['license']);
  });

  it('vuln scan never skips the DB; newer binaries get every DB repository', () => {
    const built = buildTrivyArgs({
      config: config({ 'trivy-scanners': 'vuln,misconfig' }),
      capabilities: parseTrivyHelp(NEWER_HELP),
      outputFile: 'o.json',
      pathPrefix: '',
      isolation: ISOLATION,
    });
    expect(built.args).not.toContain('--skip-db-update');
    expect(built.args).toContain('--skip-check-update');
    expect(built.args.slice(-2)).toEqual([
      '--db-repository',
      'mirror.gcr.io/aquasec/trivy-db,ghcr.io/aquasecurity/trivy-db',
    ]);
  });

  it('older binaries take one DB repository', () => {
    const built = buildTrivyArgs({
      config: config({ 'trivy-scanners': 'vuln' }),
      capabilities: parseTrivyHelp(realHelp('trivy-0.44.1-fs-help.txt')),
      outputFile: 'o.json',
      pathPrefix: '',
      isolation: ISOLATION,
    });
    expect(built.args.slice(-2)).toEqual(['--db-repository', 'mirror.gcr.io/aquasec/trivy-db']);
    expect(built.args).not.toContain('--skip-policy-update');
  });

  it.each([
    ['docker-archive:build/img.tar', ['image', '--input', 'build/img.tar']],
    ['oci-dir:out/oci', ['image', '--input', 'out/oci']],
    ['ghcr.io/acme/app:1.2', ['image', 'ghcr.io/acme/app:1.2']],
    ['-evil', ['image', './-evil']],
  ])('image reference %j', (ref, start) => {
    const built = buildTrivyArgs({
      config: config({ 'scan-type': 'image', 'scan-ref': ref }),
      capabilities: parseTrivyHelp(realHelp('trivy-0.44.1-image-help.txt')),
      outputFile: 'o.json',
      pathPrefix: '',
      isolation: ISOLATION,
    });
    expect(built.args.slice(0, start.length)).toEqual(start);
  });

  it('sbom scan looks for vulnerabilities only', () => {
    const built = buildTrivyArgs({
      config: config({
        'scan-type': 'sbom',
        'scan-ref': 'sbom.cdx.json',
        'trivy-scanners': 'vuln,secret,misconfig',
      }),
      capabilities: parseTrivyHelp(NEWER_HELP),
      outputFile: 'o.json',
      pathPrefix: '',
      isolation: ISOLATION,
    });
    expect(built.scanners).toEqual(['vuln']);
    expect(built.args).toContain('vuln');
    expect(built.args).not.toContain('--skip-check-update');
  });
});

describe('trivySkipDirArgs', () => {
  it.each([
    ['fs', ['app/vendor', '**/testdata', '-x'], 'app', ['vendor', '**/testdata', '-x']],
    ['image', ['app/vendor'], 'app', ['app/vendor']],
  ] as const)('%s %j under %j', (scanType, dirs, prefix, expected) => {
    expect(trivySkipDirArgs(scanType, dirs, prefix)).toEqual(
      expected.map((dir) => `--skip-dirs=${dir}`),
    );
  });
});

describe('rebaseSkipDirs', () => {
  it.each([
    [['a/b/c', 'x/**', './a/b/d'], 'a/b', ['c', 'x/**', 'd']],
    [['fixtures'], '', ['fixtures']],
  ])('%j under %j', (dirs, prefix, expected) => {
    expect(rebaseSkipDirs(dirs, prefix)).toEqual(expected);
  });
});
