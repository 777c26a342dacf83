/**
 * The one schema that owns the action's configuration: input names, defaults,
 * types and cross-field rules. It takes the raw strings of the inputs (from
 * the runner's INPUT_* variables or the CLI's flags) and returns a typed
 * `Config`, or a `ConfigError` whose one line names the input, quotes the
 * value and lists what is accepted. Pure: no @actions/*, no fs.
 */
import { z } from 'zod';
import { SEVERITIES, type ScannerName, type Severity } from '../findings/finding.js';
import { ConfigError } from './errors.js';

/** Default of every input, exactly as action.yml declares it. */
export const INPUT_DEFAULTS = {
  scanners: 'trivy',
  'scan-type': 'fs',
  'scan-ref': '.',
  dockerfile: '',
  'skip-dirs': '',
  timeout: '10m',
  'trivy-scanners': 'vuln,secret,misconfig',
  reports: '',
  severities: 'CRITICAL,HIGH,MEDIUM,LOW,UNKNOWN',
  'ignore-unfixed': 'false',
  'critical-threshold': '1',
  'high-threshold': '5',
  'medium-threshold': '0',
  'low-threshold': '0',
  'waivers-file': '.github/security-waivers.yml',
  'pinning-severity': 'high',
  'sarif-file': 'security-gate.sarif',
  'upload-sarif': 'true',
  'sarif-category': 'security-gate',
  comment: 'always',
  'check-run': 'true',
  'check-name': 'Security Gate',
  'sbom-format': 'none',
  'sbom-file': 'sbom.json',
  'report-file': 'security-gate.md',
  'trivy-version': '0.72.0',
  'grype-version': '0.116.0',
  'trivy-sha256': '',
  'grype-sha256': '',
  'download-base-url': 'https://github.com',
  'trivy-db-repositories': 'mirror.gcr.io/aquasec/trivy-db, ghcr.io/aquasecurity/trivy-db',
  'gate-scope': 'all',
  baseline: 'auto',
  'fail-on-scanner-error': 'true',
  'github-token': '',
  'trivy-path': '',
  'grype-path': '',
} as const;

export type InputName = keyof typeof INPUT_DEFAULTS;
export const INPUT_NAMES = Object.keys(INPUT_DEFAULTS) as InputName[];

/** Raw input strings as the runner or CLI gives them; missing ones take their default. */
export type RawInputs = Partial<Record<InputName, string>>;

export const SCANNER_NAMES = [
  'trivy',
  'grype',
  'pinning',
] as const satisfies readonly ScannerName[];
export const SCAN_TYPES = ['fs', 'image', 'sbom'] as const;
export const TRIVY_SCANNERS = ['vuln', 'secret', 'misconfig', 'license'] as const;
export const COMMENT_MODES = ['always', 'on-failure', 'never'] as const;
export const SBOM_FORMATS = ['none', 'spdx-json', 'cyclonedx'] as const;
export const GATE_SCOPES = ['all', 'new'] as const;

export type ScanType = (typeof SCAN_TYPES)[number];
export type TrivyScanner = (typeof TRIVY_SCANNERS)[number];
export type CommentMode = (typeof COMMENT_MODES)[number];
export type SbomFormat = (typeof SBOM_FORMATS)[number];
export type GateScope = (typeof GATE_SCOPES)[number];
export type ThresholdSeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';
export type Baseline = { kind: 'auto' } | { kind: 'none' } | { kind: 'file'; path: string };

/** Splits a comma- and/or newline-separated list, dropping blanks and `#` comments. */
export function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '' && !item.startsWith('#'));
}

/** Splits a newline-separated list (globs may contain commas). */
export function splitLines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((item) => item.trim())
    .filter((item) => item !== '' && !item.startsWith('#'));
}

function fail(
  ctx: z.RefinementCtx,
  input: InputName,
  value: string,
  accepted: string,
): typeof z.NEVER {
  ctx.addIssue({
    code: 'custom',
    message: `Input '${input}' has an invalid value ${JSON.stringify(value)}: ${accepted}.`,
  });
  return z.NEVER;
}

function oneOf<T extends string>(input: InputName, allowed: readonly T[]) {
  return z.string().transform((raw, ctx): T => {
    const value = raw.trim().toLowerCase();
    if ((allowed as readonly string[]).includes(value)) return value as T;
    return fail(ctx, input, raw, `expected one of ${allowed.join(', ')}`);
  });
}

interface ListOptions {
  normalise?: (item: string) => string;
  /**
   * An empty list is refused unless it has a meaning of its own: an empty
   * `severities` would filter out every finding and pass the gate (fail-open).
   */
  allowEmpty?: boolean;
}

function listOf<T extends string>(
  input: InputName,
  allowed: readonly T[],
  options: ListOptions = {},
) {
  const normalise = options.normalise ?? ((item: string) => item.toLowerCase());
  return z.string().transform((raw, ctx): T[] => {
    const items = splitList(raw).map(normalise);
    if (items.length === 0 && options.allowEmpty !== true) {
      return fail(ctx, input, raw, `expected one or more of ${allowed.join(', ')}`);
    }
    const bad = items.filter((item) => !(allowed as readonly string[]).includes(item));
    if (bad.length > 0) {
      return fail(ctx, input, raw, `${JSON.stringify(bad[0])} is not one of ${allowed.join(', ')}`);
    }
    return [...new Set(items)] as T[];
  });
}

function boolean(input: InputName) {
  return z.string().transform((raw, ctx): boolean => {
    const value = raw.trim().toLowerCase();
    if (value === 'true') return true;
    if (value === 'false') return false;
    return fail(ctx, input, raw, 'expected true or false');
  });
}

function threshold(input: InputName) {
  return z.string().transform((raw, ctx): number => {
    const value = raw.trim();
    if (/^\d{1,9}$/.test(value)) return Number(value);
    return fail(ctx, input, raw, 'expected a whole number ≥ 0 (0 = this severity never fails)');
  });
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses Go-style durations as Trivy takes them: `90s`, `10m`, `1h30m`. */
export function parseDuration(value: string): number | undefined {
  const text = value.trim();
  if (!/^(\d+(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+)(ms|s|m|h)/g)) {
    total += Number(match[1]) * (DURATION_UNITS_MS[match[2] ?? 's'] ?? 0);
  }
  return total > 0 ? total : undefined;
}

function text(input: InputName, options: { required?: boolean } = {}) {
  return z.string().transform((raw, ctx): string => {
    const value = raw.trim();
    if (options.required && value === '')
      return fail(ctx, input, raw, 'expected a non-empty value');
    if (/[\0]/.test(value)) return fail(ctx, input, raw, 'expected text without NUL characters');
    return value;
  });
}

function sha256(input: InputName) {
  return z.string().transform((raw, ctx): string | undefined => {
    const value = raw.trim().toLowerCase();
    if (value === '') return undefined;
    if (/^[0-9a-f]{64}$/.test(value)) return value;
    return fail(ctx, input, raw, 'expected 64 hexadecimal characters (a SHA-256) or nothing');
  });
}

function version(input: InputName) {
  return z.string().transform((raw, ctx): string => {
    const value = raw.trim().replace(/^v/, '');
    if (/^\d+\.\d+\.\d+$/.test(value)) return value;
    return fail(ctx, input, raw, 'expected a release version such as 0.44.1 or v0.44.1');
  });
}

/** Hosts a plaintext download may come from: only this machine, which tests serve from. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * `download-base-url`: https, or http on a loopback host. The archive and the
 * checksums file come from the same origin, so over plain http a network
 * attacker could swap both and the verification would pass.
 */
function parseDownloadBaseUrl(raw: string, ctx: z.RefinementCtx): string {
  const value = raw.trim().replace(/\/+$/, '');
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (url !== undefined && (url.username !== '' || url.password !== '')) {
    // Never echo the value: it holds a credential.
    return fail(
      ctx,
      'download-base-url',
      `${url.protocol}//***@${url.host}${url.pathname}`,
      'expected a URL without user name or password (a mirror that needs credentials is not supported)',
    );
  }
  if (url !== undefined && url.search === '' && url.hash === '') {
    if (url.protocol === 'https:') return value;
    if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return value;
  }
  return fail(
    ctx,
    'download-base-url',
    raw,
    'expected an https URL without query or fragment, such as https://github.com (plain http only for localhost, 127.0.0.1 or [::1]: the archive and its checksums come from the same origin)',
  );
}

/** One OCI repository reference as Trivy takes it: `host[:port]/path[:tag|@digest]`, no scheme. */
const OCI_REPOSITORY = new RegExp(
  [
    '^(?:(?:\\[[0-9a-fA-F:]+\\]|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::[0-9]{1,5})?/)?',
    '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*',
    '(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$',
  ].join(''),
);

/** `trivy-db-repositories`: one or more OCI repositories, tried in order. */
function parseDbRepositories(raw: string, ctx: z.RefinementCtx): string[] {
  const items = splitList(raw);
  if (items.length === 0)
    return fail(ctx, 'trivy-db-repositories', raw, 'expected at least one OCI repository');
  const bad = items.find((item) => !OCI_REPOSITORY.test(item));
  if (bad === undefined) return items;
  return fail(
    ctx,
    'trivy-db-repositories',
    raw,
    `${JSON.stringify(bad)} is not an OCI repository; expected references such as mirror.gcr.io/aquasec/trivy-db (no scheme, no spaces), separated by commas or newlines`,
  );
}

const rawSchema = z.object({
  scanners: z.string().transform((raw, ctx): ScannerName[] => {
    const items = splitList(raw).map((item) => item.toLowerCase());
    const bad = items.find((item) => !(SCANNER_NAMES as readonly string[]).includes(item));
    if (bad !== undefined) {
      return fail(
        ctx,
        'scanners',
        raw,
        `${JSON.stringify(bad)} is not one of ${SCANNER_NAMES.join(', ')} (empty = import only)`,
      );
    }
    return [...new Set(items)] as ScannerName[];
  }),
  'scan-type': oneOf('scan-type', SCAN_TYPES),
  'scan-ref': text('scan-ref', { required: true }),
  dockerfile: text('dockerfile'),
  'skip-dirs': z.string().transform(splitLines),
  timeout: z.string().transform((raw, ctx): number => {
    const ms = parseDuration(raw);
    if (ms !== undefined) return ms;
    return fail(ctx, 'timeout', raw, 'expected a duration such as 90s, 10m or 1h30m');
  }),
  'trivy-scanners': listOf('trivy-scanners', TRIVY_SCANNERS, {
    normalise: (item) => (item.toLowerCase() === 'config' ? 'misconfig' : item.toLowerCase()),
    // Empty is fine when Trivy does not run; the cross-field rule below refuses it when it does.
    allowEmpty: true,
  }),
  reports: z.string().transform(splitLines),
  severities: listOf('severities', SEVERITIES, { normalise: (item) => item.toUpperCase() }),
  'ignore-unfixed': boolean('ignore-unfixed'),
  'critical-threshold': threshold('critical-threshold'),
  'high-threshold': threshold('high-threshold'),
  'medium-threshold': threshold('medium-threshold'),
  'low-threshold': threshold('low-threshold'),
  'waivers-file': text('waivers-file'),
  'pinning-severity': listOf('pinning-severity', SEVERITIES, {
    normalise: (item) => item.toUpperCase(),
  }),
  'sarif-file': text('sarif-file', { required: true }),
  'upload-sarif': boolean('upload-sarif'),
  'sarif-category': z.string().transform((raw, ctx): string => {
    const value = raw.trim();
    if (/^[A-Za-z0-9._\-/]{1,100}$/.test(value)) return value.replace(/\/+$/, '');
    return fail(
      ctx,
      'sarif-category',
      raw,
      'expected 1–100 characters of letters, digits, . _ - /',
    );
  }),
  comment: oneOf('comment', COMMENT_MODES),
  'check-run': boolean('check-run'),
  'check-name': text('check-name', { required: true }),
  'sbom-format': oneOf('sbom-format', SBOM_FORMATS),
  'sbom-file': text('sbom-file', { required: true }),
  'report-file': text('report-file', { required: true }),
  'trivy-version': version('trivy-version'),
  'grype-version': version('grype-version'),
  'trivy-sha256': sha256('trivy-sha256'),
  'grype-sha256': sha256('grype-sha256'),
  'download-base-url': z.string().transform(parseDownloadBaseUrl),
  'trivy-db-repositories': z.string().transform(parseDbRepositories),
  'gate-scope': oneOf('gate-scope', GATE_SCOPES),
  baseline: z.string().transform((raw): Baseline => {
    const value = raw.trim();
    if (value === '' || value.toLowerCase() === 'auto') return { kind: 'auto' };
    if (value.toLowerCase() === 'none') return { kind: 'none' };
    return { kind: 'file', path: value };
  }),
  'fail-on-scanner-error': boolean('fail-on-scanner-error'),
  'github-token': z.string().transform((raw) => raw.trim()),
  'trivy-path': text('trivy-path'),
  'grype-path': text('grype-path'),
});

/** The validated configuration every later stage reads. */
export interface Config {
  scanners: ScannerName[];
  scanType: ScanType;
  scanRef: string;
  /** Empty = `Dockerfile` in the workspace when it exists (resolved at load time). */
  dockerfile: string;
  skipDirs: string[];
  timeoutMs: number;
  trivyScanners: TrivyScanner[];
  /** File paths or globs, as given; expanded against the workspace at load time. */
  reports: string[];
  severities: Severity[];
  ignoreUnfixed: boolean;
  thresholds: Record<ThresholdSeverity, number>;
  waiversFile: string;
  /** True when `waivers-file` was set to something other than its default. */
  waiversFileExplicit: boolean;
  pinningSeverity: Severity;
  sarifFile: string;
  uploadSarif: boolean;
  sarifCategory: string;
  comment: CommentMode;
  checkRun: boolean;
  checkName: string;
  sbomFormat: SbomFormat;
  sbomFile: string;
  reportFile: string;
  trivyVersion: string;
  grypeVersion: string;
  trivySha256?: string;
  grypeSha256?: string;
  downloadBaseUrl: string;
  trivyDbRepositories: string[];
  gateScope: GateScope;
  baseline: Baseline;
  failOnScannerError: boolean;
  githubToken: string;
  /** Explicit scanner binaries (skip PATH lookup and installation). */
  trivyPath: string;
  grypePath: string;
}

/**
 * Validates raw inputs into a `Config`. Throws a `ConfigError` naming the
 * first bad input; checks every input before anything runs.
 */
export function parseConfig(raw: RawInputs): Config {
  const withDefaults = Object.fromEntries(
    INPUT_NAMES.map((name) => [name, raw[name] ?? INPUT_DEFAULTS[name]]),
  );
  const result = rawSchema.safeParse(withDefaults);
  if (!result.success) {
    throw new ConfigError(result.error.issues[0]?.message ?? 'Invalid input.');
  }
  const v = result.data;
  const pinning = v['pinning-severity'];
  if (pinning.length !== 1) {
    throw new ConfigError(
      `Input 'pinning-severity' has an invalid value ${JSON.stringify(raw['pinning-severity'] ?? '')}: expected exactly one of ${SEVERITIES.join(', ')}.`,
    );
  }
  if (v.scanners.length === 0 && v.reports.length === 0) {
    throw new ConfigError(
      "Inputs 'scanners' and 'reports' are both empty: nothing would be scanned. Set 'scanners' (trivy, grype, pinning) or list report files in 'reports'.",
    );
  }
  if (v.scanners.includes('trivy') && v['trivy-scanners'].length === 0) {
    throw new ConfigError(
      `Input 'trivy-scanners' is empty while 'scanners' includes trivy: expected one or more of ${TRIVY_SCANNERS.join(', ')}.`,
    );
  }
  if (v['scan-type'] === 'sbom' && v.scanners.includes('pinning')) {
    throw new ConfigError(
      "Input 'scanners' includes pinning, which reads files, but 'scan-type' is sbom: use scan-type fs for the pinning checker, or drop it from 'scanners'.",
    );
  }
  if (v['scan-type'] === 'sbom' && v['sbom-format'] !== 'none') {
    throw new ConfigError(
      `Input 'sbom-format' is ${JSON.stringify(v['sbom-format'])} but 'scan-type' is sbom: the scanned file is an SBOM already; use scan-type fs or image, or sbom-format none.`,
    );
  }
  return {
    scanners: v.scanners,
    scanType: v['scan-type'],
    scanRef: v['scan-ref'],
    dockerfile: v.dockerfile,
    skipDirs: v['skip-dirs'],
    timeoutMs: v.timeout,
    trivyScanners: v['trivy-scanners'],
    reports: v.reports,
    severities: v.severities,
    ignoreUnfixed: v['ignore-unfixed'],
    thresholds: {
      CRITICAL: v['critical-threshold'],
      HIGH: v['high-threshold'],
      MEDIUM: v['medium-threshold'],
      LOW: v['low-threshold'],
    },
    waiversFile: v['waivers-file'] === '' ? INPUT_DEFAULTS['waivers-file'] : v['waivers-file'],
    waiversFileExplicit:
      v['waivers-file'] !== '' && v['waivers-file'] !== INPUT_DEFAULTS['waivers-file'],
    pinningSeverity: pinning[0] as Severity,
    sarifFile: v['sarif-file'],
    uploadSarif: v['upload-sarif'],
    sarifCategory: v['sarif-category'],
    comment: v.comment,
    checkRun: v['check-run'],
    checkName: v['check-name'],
    sbomFormat: v['sbom-format'],
    sbomFile: v['sbom-file'],
    reportFile: v['report-file'],
    trivyVersion: v['trivy-version'],
    grypeVersion: v['grype-version'],
    trivySha256: v['trivy-sha256'],
    grypeSha256: v['grype-sha256'],
    downloadBaseUrl: v['download-base-url'],
    trivyDbRepositories: v['trivy-db-repositories'],
    gateScope: v['gate-scope'],
    baseline: v.baseline,
    failOnScannerError: v['fail-on-scanner-error'],
    githubToken: v['github-token'],
    trivyPath: v['trivy-path'],
    grypePath: v['grype-path'],
  };
}
