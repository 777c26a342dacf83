/**
 * Imports the report files listed in `reports`: expands globs, reads each
 * file, detects its format from the content and hands it to that format's
 * parser (a strategy table, one entry per format).
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { ConfigError, ReportFormatError } from '../config/errors.js';
import type { ImportOutcome, ReportFormat } from '../scanners/types.js';
import { parseTrivyReport } from '../scanners/trivy/parse.js';
import { parseGrypeReport } from '../scanners/grype/parse.js';
import { importGitleaksReport } from './gitleaks.js';
import { importSarif } from './sarif.js';
import { detectReportFormat } from './detect.js';
import { toRepositoryPath } from '../report/location.js';

/** How imported reports are read: where, and how far they are trusted. */
export interface ImportPolicy {
  /** False for a `workflow_run` artifact: SARIF suppressions are ignored (the findings count). */
  trustSuppressions: boolean;
  /** `sarif-category` that imported SARIF runs' `automationDetails.id` must start with. */
  categoryPrefix?: string;
}

interface ImportContext {
  workspace: string;
  /** Repository-relative folder the report's paths are relative to (`''` for the root). */
  pathPrefix: string;
  policy: ImportPolicy;
}

type Importer = (json: unknown, file: string, context: ImportContext) => ImportOutcome;

const IMPORTERS: Record<ReportFormat, Importer> = {
  'trivy-json': (json, file, { pathPrefix }) => {
    const parsed = parseTrivyReport(json, {
      source: { tool: 'Trivy', reportFile: file },
      pathPrefix,
    });
    return {
      file,
      format: 'trivy-json',
      findings: parsed.findings,
      scan: {
        tool: 'Trivy',
        toolVersion: parsed.version,
        informationUri: 'https://github.com/aquasecurity/trivy',
        target: parsed.target,
      },
    };
  },
  'grype-json': (json, file) => {
    const parsed = parseGrypeReport(json, {
      source: { tool: 'Grype', reportFile: file },
      pathPrefix: '',
    });
    return {
      file,
      format: 'grype-json',
      findings: parsed.findings,
      scan: {
        tool: 'Grype',
        toolVersion: parsed.version,
        informationUri: 'https://github.com/anchore/grype',
        target: parsed.target,
      },
    };
  },
  'gitleaks-json': (json, file) => importGitleaksReport(json, file),
  sarif: (json, file, { workspace, policy }) => importSarif(json, file, { workspace, ...policy }),
};

const TRIVY_FILE_ARTIFACTS = new Set(['filesystem', 'repository']);

/**
 * The folder a Trivy JSON report of `trivy fs <dir>` was made of: its
 * `ArtifactName`, when that is a folder inside the workspace (relative, or
 * absolute under it). Its results' paths are relative to it. Anything else
 * (an image, a remote repository, a path outside the workspace or one that
 * does not exist here) gives `''`: its paths are taken as they are.
 */
export async function readTrivyPathPrefix(json: unknown, workspace: string): Promise<string> {
  if (typeof json !== 'object' || json === null) return '';
  const { ArtifactName: name, ArtifactType: type } = json as Record<string, unknown>;
  if (typeof name !== 'string' || (type !== undefined && !TRIVY_FILE_ARTIFACTS.has(String(type))))
    return '';
  const root = path.resolve(workspace);
  const absolute = path.resolve(root, name);
  const relative = path.relative(root, absolute).split(path.sep).join('/');
  const inside = toRepositoryPath(relative);
  if (inside === undefined || /^[a-z][a-z0-9+.-]*:/i.test(name)) return '';
  try {
    // Through symlinks too: a link out of the workspace is not a folder of it.
    const real = await realpath(absolute);
    const realRoot = await realpath(root);
    const within = path.relative(realRoot, real);
    if (within.startsWith('..') || path.isAbsolute(within)) return '';
    return (await stat(real)).isDirectory() ? inside : '';
  } catch {
    return '';
  }
}

const GLOB_CHARS = /[*?[\]{}]/;

async function walk(root: string, dir: string, out: string[]): Promise<void> {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name === '.git' || entry.name === 'node_modules') continue;
    const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) await walk(root, rel, out);
    else if (entry.isFile()) out.push(rel);
  }
}

/**
 * Expands the `reports` entries into workspace-relative files. A plain path
 * that does not exist, or a glob that matches nothing, is the user's mistake.
 */
export async function expandReportPatterns(
  workspace: string,
  patterns: string[],
): Promise<string[]> {
  const files = new Set<string>();
  let allFiles: string[] | undefined;
  for (const pattern of patterns) {
    const normalised = pattern.replace(/\\/g, '/').replace(/^\.\//, '');
    if (!GLOB_CHARS.test(normalised)) {
      files.add(normalised);
      continue;
    }
    allFiles ??= await collectFiles(workspace);
    const isMatch = picomatch(normalised, { dot: true });
    const matched = allFiles.filter((file) => isMatch(file));
    if (matched.length === 0) {
      throw new ConfigError(
        `Input 'reports' has a pattern ${JSON.stringify(pattern)} that matches no file under ${workspace}: check the path, or that the step producing the report ran (and downloaded its artifact) before this one.`,
      );
    }
    matched.sort().forEach((file) => files.add(file));
  }
  return [...files];
}

async function collectFiles(workspace: string): Promise<string[]> {
  const out: string[] = [];
  await walk(workspace, '', out);
  return out;
}

/** Reads and parses a report file; the text is not kept once parsed (reports reach 100 MB). */
async function readJsonReport(workspace: string, file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path.resolve(workspace, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ReportFormatError(file, `cannot be read (${code}); check the 'reports' input`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ReportFormatError(
      file,
      text.trim() === ''
        ? 'is empty: the step that should have written it probably failed'
        : 'is not valid JSON, so it is neither a Trivy/Grype/gitleaks JSON report nor a SARIF file',
    );
  }
}

/**
 * Reads, detects and parses one report. Throws ReportFormatError naming the
 * file. Without a policy, reports are trusted (the CLI, push and pull_request runs).
 */
export async function importReport(
  workspace: string,
  file: string,
  policy: ImportPolicy = { trustSuppressions: true },
): Promise<ImportOutcome> {
  const json = await readJsonReport(workspace, file);
  const format = detectReportFormat(json, file);
  const pathPrefix = format === 'trivy-json' ? await readTrivyPathPrefix(json, workspace) : '';
  return IMPORTERS[format](json, file, { workspace, pathPrefix, policy });
}

/** Checks that plain report paths exist before anything is scanned. */
export async function checkReportsExist(workspace: string, files: string[]): Promise<void> {
  for (const file of files) {
    try {
      if (!(await stat(path.resolve(workspace, file))).isFile()) throw new Error('not a file');
    } catch {
      throw new ConfigError(
        `Input 'reports' names ${JSON.stringify(file)}, which does not exist under ${workspace}: check the path, or that the step producing the report ran before this one.`,
      );
    }
  }
}
