/**
 * The two SARIF validators of SPEC section 8, for tests:
 *
 * - `validateSarifSchema`: the official OASIS SARIF 2.1.0 JSON schema
 *   (draft-04) through ajv-draft-04 + ajv-formats.
 * - `validateSarifWithMultitool`: Microsoft's SARIF Multitool
 *   `validate --rule-kind "Sarif;Gh"` (the GitHub ingestion rules). The
 *   Multitool exits 0 even when it finds errors, so its own output SARIF log
 *   is read and its results are grouped by level and by input file.
 *
 * The Multitool is a .NET app that takes ~1-4 s to start, so calls made in
 * the same tick are batched into one invocation (it accepts many files), and
 * `validateSarifFilesWithMultitool` validates a whole list at once.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import AjvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCHEMA_FILE = path.join(ROOT, '__tests__', 'fixtures', 'sarif-schema-2.1.0.json');
const MULTITOOL = path.join(
  ROOT,
  'node_modules',
  '@microsoft',
  'sarif-multitool-linux',
  'Sarif.Multitool',
);

const MULTITOOL_ARGS = [
  'validate',
  '--rule-kind',
  'Sarif;Gh',
  '--log',
  'ForceOverwrite',
  '--max-file-size-in-kb',
  '1048576',
];

/**
 * SARIF2006 (UrisShouldBeReachable) requests every URL in the file: network
 * traffic our tests must not make (and ~15 s of DNS time-outs offline). It
 * checks reachability, not the format, so it is switched off.
 */
const MULTITOOL_CONFIG = `<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" />
  </Properties>
</Properties>
`;

// Both are CommonJS with `exports.default`; under NodeNext the default import is the module object.
const Ajv = AjvDraft04.default;
const addFormats = ajvFormats.default;

let schemaValidator: ValidateFunction | undefined;

/** Validates a SARIF log against the SARIF 2.1.0 JSON schema; returns one string per error (empty = valid). */
export function validateSarifSchema(log: unknown): string[] {
  if (schemaValidator === undefined) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    schemaValidator = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
  }
  const validate = schemaValidator;
  if (validate(log)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}

/** What the Multitool said about one file. */
export interface MultitoolReport {
  errors: string[];
  warnings: string[];
  /** Every message about the file, one per line, as `file(line,col): level RULE: text`. */
  raw: string;
}

interface MultitoolMessage {
  text?: string;
  id?: string;
  arguments?: string[];
}
interface MultitoolResult {
  ruleId?: string;
  ruleIndex?: number;
  level?: string;
  message: MultitoolMessage;
  locations?: Array<{
    physicalLocation?: {
      artifactLocation?: { uri?: string };
      region?: { startLine?: number; startColumn?: number };
    };
  }>;
}
interface MultitoolRule {
  id: string;
  messageStrings?: Record<string, { text: string }>;
  defaultConfiguration?: { level?: string };
}
interface MultitoolLog {
  runs: Array<{
    tool: { driver: { rules?: MultitoolRule[] } };
    results?: MultitoolResult[];
    invocations?: Array<{
      toolExecutionNotifications?: Array<{ message: MultitoolMessage; level?: string }>;
    }>;
  }>;
}

function formatMessage(message: MultitoolMessage, rule: MultitoolRule | undefined): string {
  if (message.text !== undefined) return message.text;
  const template =
    (message.id !== undefined && rule?.messageStrings?.[message.id]?.text) || message.id || '';
  return template.replace(/\{(\d+)\}/g, (_, i: string) => message.arguments?.[Number(i)] ?? '');
}

function emptyReport(): MultitoolReport {
  return { errors: [], warnings: [], raw: '' };
}

/** Groups the Multitool's output log by input file (absolute path). */
function groupMultitoolLog(log: MultitoolLog, files: string[]): Map<string, MultitoolReport> {
  const reports = new Map(files.map((f) => [f, emptyReport()]));
  for (const run of log.runs) {
    const rules = run.tool.driver.rules ?? [];
    for (const result of run.results ?? []) {
      const rule = rules.find((r) => r.id === result.ruleId) ?? rules[result.ruleIndex ?? -1];
      // SARIF: an absent level defaults to the rule's configured level, else `warning`.
      const level = result.level ?? rule?.defaultConfiguration?.level ?? 'warning';
      const physical = result.locations?.[0]?.physicalLocation;
      const uri = physical?.artifactLocation?.uri;
      const file = uri?.startsWith('file:') ? fileURLToPath(uri) : (uri ?? '');
      const report = reports.get(file) ?? reports.get(files[0] ?? '') ?? emptyReport();
      const where = `${path.basename(file)}(${physical?.region?.startLine ?? 0},${physical?.region?.startColumn ?? 0})`;
      const line = `${where}: ${level} ${result.ruleId ?? '?'}: ${formatMessage(result.message, rule)}`;
      report.raw += `${line}\n`;
      if (level === 'error') report.errors.push(line);
      else if (level === 'warning') report.warnings.push(line);
    }
    // A tool-level failure (crash, unreadable input) is an error for every file of the batch.
    for (const note of run.invocations?.flatMap((i) => i.toolExecutionNotifications ?? []) ?? []) {
      if (note.level !== 'error') continue;
      for (const report of reports.values())
        report.errors.push(`multitool: ${formatMessage(note.message, undefined)}`);
    }
  }
  return reports;
}

/** Runs the Multitool once over several SARIF files; returns a report per file (keyed by the given path). */
export async function validateSarifFilesWithMultitool(
  files: string[],
): Promise<Map<string, MultitoolReport>> {
  const absolute = files.map((f) => path.resolve(f));
  const dir = await mkdtemp(path.join(tmpdir(), 'multitool-'));
  const out = path.join(dir, 'validation.sarif');
  const config = path.join(dir, 'multitool.xml');
  try {
    await writeFile(config, MULTITOOL_CONFIG);
    const { stdout } = await execFileAsync(
      MULTITOOL,
      // It silently skips files over 10,000 KB by default; GitHub's 10 MB limit is on the gzipped file.
      [...MULTITOOL_ARGS, '--config', config, '-o', out, ...absolute],
      {
        // .NET needs ICU unless told to run without it; the runner images may not have libicu.
        env: {
          ...process.env,
          DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1',
          DOTNET_CLI_TELEMETRY_OPTOUT: '1',
        },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 380_000,
      },
    ).catch((error: { stdout?: string; stderr?: string; message?: string }) => {
      const output = `${error.stdout ?? ''}${error.stderr ?? ''}`
        .trim()
        .split('\n')
        .slice(-15)
        .join('\n');
      throw new Error(`Sarif.Multitool failed: ${error.message ?? ''}\n${output}`);
    });
    const log = JSON.parse(await readFile(out, 'utf8')) as MultitoolLog;
    const grouped = groupMultitoolLog(log, absolute);
    // A skipped file would otherwise look like a clean one.
    if (/WRN997|skipped/i.test(stdout)) {
      for (const report of grouped.values())
        report.errors.push(`multitool skipped files: ${stdout.trim()}`);
    }
    return new Map(files.map((f, i) => [f, grouped.get(absolute[i] ?? '') ?? emptyReport()]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let pending: Array<{
  file: string;
  resolve: (r: MultitoolReport) => void;
  reject: (e: unknown) => void;
}> = [];

function flushPending(): void {
  const batch = pending;
  pending = [];
  const files = [...new Set(batch.map((p) => p.file))];
  validateSarifFilesWithMultitool(files).then(
    (reports) => batch.forEach((p) => p.resolve(reports.get(p.file) ?? emptyReport())),
    (error: unknown) => batch.forEach((p) => p.reject(error)),
  );
}

/**
 * Validates one SARIF file with the Multitool (`Sarif;Gh` rules). Calls made
 * in the same tick share one Multitool process.
 */
export function validateSarifWithMultitool(file: string): Promise<MultitoolReport> {
  return new Promise((resolve, reject) => {
    if (pending.length === 0) setImmediate(flushPending);
    pending.push({ file, resolve, reject });
  });
}
