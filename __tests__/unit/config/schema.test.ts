import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../../../src/config/errors.js';
import {
  INPUT_DEFAULTS,
  INPUT_NAMES,
  parseConfig,
  parseDuration,
} from '../../../src/config/schema.js';
import { readConfigFromInputs } from '../../../src/inputs.js';

describe('parseConfig', () => {
  it('gives the documented defaults', () => {
    const config = parseConfig({});
    expect(config.scanners).toEqual(['trivy']);
    expect(config.thresholds).toEqual({ CRITICAL: 1, HIGH: 5, MEDIUM: 0, LOW: 0 });
    expect(config.trivyScanners).toEqual(['vuln', 'secret', 'misconfig']);
    expect(config.timeoutMs).toBe(600_000);
    expect(config.severities).toEqual(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN']);
    expect(config.pinningSeverity).toBe('HIGH');
    expect(config.baseline).toEqual({ kind: 'auto' });
    expect(config.waiversFileExplicit).toBe(false);
  });

  it.each([
    [
      'scanners',
      'trivy,clamav',
      /Input 'scanners' has an invalid value "trivy,clamav": "clamav" is not one of trivy, grype, pinning/,
    ],
    [
      'scan-type',
      'repo',
      /Input 'scan-type' has an invalid value "repo": expected one of fs, image, sbom/,
    ],
    [
      'high-threshold',
      'five',
      /Input 'high-threshold' has an invalid value "five": expected a whole number/,
    ],
    ['high-threshold', '-1', /Input 'high-threshold'.*"-1"/],
    ['critical-threshold', '1.5', /Input 'critical-threshold'.*"1.5"/],
    [
      'timeout',
      '10 minutes',
      /Input 'timeout' has an invalid value "10 minutes": expected a duration such as 90s, 10m or 1h30m/,
    ],
    [
      'ignore-unfixed',
      'yes',
      /Input 'ignore-unfixed' has an invalid value "yes": expected true or false/,
    ],
    [
      'severities',
      'CRITICAL,SEVERE',
      /Input 'severities'.*"SEVERE" is not one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN/,
    ],
    ['trivy-scanners', 'vuln,rootkit', /Input 'trivy-scanners'.*"rootkit"/],
    ['comment', 'sometimes', /Input 'comment'.*expected one of always, on-failure, never/],
    ['sbom-format', 'spdx', /Input 'sbom-format'.*none, spdx-json, cyclonedx/],
    ['trivy-sha256', 'abc', /Input 'trivy-sha256'.*64 hexadecimal/],
    ['trivy-version', 'latest', /Input 'trivy-version'.*0\.44\.1/],
    ['download-base-url', 'ftp://mirror', /Input 'download-base-url'/],
    ['gate-scope', 'changed', /Input 'gate-scope'.*all, new/],
    ['sarif-category', 'has space', /Input 'sarif-category'/],
    ['pinning-severity', 'high,low', /Input 'pinning-severity'.*exactly one/],
    ['scan-ref', '  ', /Input 'scan-ref'.*non-empty/],
    // An empty list would filter out every finding and pass the gate.
    [
      'severities',
      '',
      /Input 'severities' has an invalid value "": expected one or more of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN/,
    ],
    ['severities', ' ,\n# none', /Input 'severities'.*expected one or more of CRITICAL/],
    ['pinning-severity', '', /Input 'pinning-severity'.*expected one or more of CRITICAL/],
    [
      'download-base-url',
      'http://mirror.example.com',
      /Input 'download-base-url' has an invalid value "http:\/\/mirror\.example\.com": expected an https URL.*plain http only for localhost, 127\.0\.0\.1 or \[::1\]/,
    ],
    ['download-base-url', 'http://127.0.0.2:8080', /Input 'download-base-url'.*https URL/],
    ['download-base-url', 'https://mirror.example/?token=x', /Input 'download-base-url'.*query/],
    ['download-base-url', 'github.com', /Input 'download-base-url'.*https URL/],
    [
      'trivy-db-repositories',
      'https://ghcr.io/aquasecurity/trivy-db',
      /Input 'trivy-db-repositories'.*"https:\/\/ghcr\.io\/aquasecurity\/trivy-db" is not an OCI repository.*no scheme/,
    ],
    [
      'trivy-db-repositories',
      'ghcr.io/a/trivy db',
      /Input 'trivy-db-repositories'.*"ghcr\.io\/a\/trivy db"/,
    ],
    [
      'trivy-db-repositories',
      'mirror.gcr.io/aquasec/trivy-db, -x',
      /Input 'trivy-db-repositories'.*"-x"/,
    ],
    ['trivy-db-repositories', ' , ', /Input 'trivy-db-repositories'.*at least one/],
  ])(
    'rejects %s=%j with one line naming the input and the accepted values',
    (name, value, message) => {
      const attempt = () => parseConfig({ [name]: value });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(message);
      try {
        attempt();
      } catch (error) {
        expect((error as Error).message).not.toContain('\n');
      }
    },
  );

  it.each([
    'https://github.com',
    'https://ghe.example.com/mirror/',
    'http://127.0.0.1:8080',
    'http://localhost:3000/releases',
    'http://[::1]:9000',
  ])('accepts download-base-url %s (https, or http on loopback)', (url) => {
    expect(parseConfig({ 'download-base-url': url }).downloadBaseUrl).toBe(url.replace(/\/+$/, ''));
  });

  it('never echoes a credential in download-base-url', () => {
    const attempt = () =>
      parseConfig({ 'download-base-url': 'https://bot:s3cr3t@mirror.example/x' });
    expect(attempt).toThrow(
      /Input 'download-base-url'.*"https:\/\/\*\*\*@mirror\.example\/x".*without user name or password/,
    );
    expect(attempt).not.toThrow(/s3cr3t|bot/);
  });

  it.each([
    [
      INPUT_DEFAULTS['trivy-db-repositories'],
      ['mirror.gcr.io/aquasec/trivy-db', 'ghcr.io/aquasecurity/trivy-db'],
    ],
    [
      'localhost:5000/trivy-db:2\n127.0.0.1:5000/aquasec/trivy-db',
      ['localhost:5000/trivy-db:2', '127.0.0.1:5000/aquasec/trivy-db'],
    ],
    [
      `ghcr.io/aquasecurity/trivy-db@sha256:${'a'.repeat(64)}`,
      [`ghcr.io/aquasecurity/trivy-db@sha256:${'a'.repeat(64)}`],
    ],
  ])('accepts trivy-db-repositories %j', (value, expected) => {
    expect(parseConfig({ 'trivy-db-repositories': value }).trivyDbRepositories).toEqual(expected);
  });

  it('accepts an empty trivy-scanners only when Trivy does not run', () => {
    expect(parseConfig({ scanners: 'grype', 'trivy-scanners': '' }).trivyScanners).toEqual([]);
    expect(() => parseConfig({ scanners: 'trivy', 'trivy-scanners': '' })).toThrow(
      /Input 'trivy-scanners' is empty while 'scanners' includes trivy/,
    );
  });

  it('refuses a run with no scanner and no report', () => {
    expect(() => parseConfig({ scanners: '', reports: '' })).toThrow(
      /'scanners' and 'reports' are both empty/,
    );
  });

  it('accepts import-only runs and list separators', () => {
    const config = parseConfig({ scanners: '', reports: 'a.json\n# comment\nreports/*.sarif\n' });
    expect(config.scanners).toEqual([]);
    expect(config.reports).toEqual(['a.json', 'reports/*.sarif']);
  });

  it('normalises case, v-prefixed versions and the old config scanner name', () => {
    const config = parseConfig({
      scanners: 'Trivy\ngrype, pinning',
      'trivy-scanners': 'secret,config',
      severities: 'critical,high',
      'trivy-version': 'v0.44.1',
      'pinning-severity': 'medium',
      'waivers-file': 'security/waivers.yml',
    });
    expect(config.scanners).toEqual(['trivy', 'grype', 'pinning']);
    expect(config.trivyScanners).toEqual(['secret', 'misconfig']);
    expect(config.severities).toEqual(['CRITICAL', 'HIGH']);
    expect(config.trivyVersion).toBe('0.44.1');
    expect(config.pinningSeverity).toBe('MEDIUM');
    expect(config.waiversFileExplicit).toBe(true);
  });

  it.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['0s', undefined],
    ['10', undefined],
  ])('parses duration %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('action.yml', () => {
  const action = parse(readFileSync('action.yml', 'utf8')) as {
    inputs: Record<string, { default?: string; description?: string }>;
    outputs: Record<string, { description?: string }>;
    runs: { using: string; main: string };
  };

  it('declares exactly the inputs the schema reads, with the same defaults', () => {
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUT_NAMES].sort());
    for (const name of INPUT_NAMES) {
      const expected = name === 'github-token' ? '${{ github.token }}' : INPUT_DEFAULTS[name];
      expect(action.inputs[name]?.default, name).toBe(expected);
      expect(action.inputs[name]?.description?.length, name).toBeGreaterThan(10);
    }
  });

  it('runs the bundle on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });
});

describe('readConfigFromInputs', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    for (const key of Object.keys(process.env))
      if (key.startsWith('INPUT_')) delete process.env[key];
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads INPUT_ variables with hyphens kept, through the real getInput', () => {
    process.env['INPUT_HIGH-THRESHOLD'] = '3';
    process.env['INPUT_SCAN-REF'] = 'examples/app';
    process.env.INPUT_SCANNERS = '';
    process.env.INPUT_REPORTS = 'a.json';
    const config = readConfigFromInputs();
    expect(config.thresholds.HIGH).toBe(3);
    expect(config.scanRef).toBe('examples/app');
    expect(config.scanners).toEqual([]);
  });

  it('fails on a bad INPUT_ value', () => {
    process.env['INPUT_CRITICAL-THRESHOLD'] = 'many';
    expect(() => readConfigFromInputs()).toThrow(
      /Input 'critical-threshold' has an invalid value "many"/,
    );
  });
});
