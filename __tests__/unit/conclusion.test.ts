import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  conclusionOf,
  failureMessage,
  logRunReport,
  warningMessage,
} from '../../src/conclusion.js';
import { evaluateGate } from '../../src/gate/evaluate.js';
import type { PipelineResult } from '../../src/pipeline.js';
import { renderConsoleTable, waiverWarnings } from '../../src/report/console.js';
import type { ReportView, WaiverEntry } from '../../src/report/view.js';
import { createMemoryLogger } from '../../src/util/logger.js';
import { findingsOf } from '../helpers/findings.js';

const THRESHOLDS = { CRITICAL: 1, HIGH: 5, MEDIUM: 0, LOW: 0 };

function gateOf(high: number, scannerErrors: string[] = [], failOnScannerError = true) {
  return evaluateGate({
    findings: findingsOf('HIGH', high),
    thresholds: THRESHOLDS,
    countOnlyNew: false,
    scannerErrors,
    failOnScannerError,
  });
}

describe('failureMessage', () => {
  it('is a header line, then one line per reason', () => {
    expect(failureMessage('fail', ['3 CRITICAL ≥ threshold 1', 'trivy: exited with code 1.'])).toBe(
      'Security Gate fail:\n3 CRITICAL ≥ threshold 1\ntrivy: exited with code 1.',
    );
  });

  it('keeps a reason on its one line, whatever text it carries', () => {
    expect(failureMessage('error', ['grype: boom\r\n  ::error::forged\n', ' '])).toBe(
      'Security Gate error:\ngrype: boom ::error::forged',
    );
  });
});

describe('warningMessage', () => {
  it('is a header line, then one line per warning, each kept on its line', () => {
    expect(
      warningMessage(['2 HIGH (fails at 5)', 'grype: timed\nout (fail-on-scanner-error is false)']),
    ).toBe(
      'Security Gate passed with warnings:\n2 HIGH (fails at 5)\ngrype: timed out (fail-on-scanner-error is false)',
    );
  });
});

describe('conclusionOf', () => {
  it.each([
    ['pass', gateOf(0), 'info', 'Security Gate passed.'],
    [
      'warn',
      gateOf(2, ['grype: timed out after 600s'], false),
      'warning',
      'Security Gate passed with warnings:\n2 HIGH (fails at 5)\ngrype: timed out after 600s (fail-on-scanner-error is false)',
    ],
    ['fail', gateOf(5), 'failed', 'Security Gate fail:\n5 HIGH ≥ threshold 5'],
    [
      'error',
      gateOf(0, ['trivy: exited with code 2.']),
      'failed',
      'Security Gate error:\ntrivy: exited with code 2.',
    ],
  ])('%s: one message at the verdict’s level', (verdict, gate, level, message) => {
    expect(gate.verdict).toBe(verdict);
    expect(conclusionOf(gate)).toEqual({ level, message });
  });
});

describe('logRunReport', () => {
  const workspace = path.resolve('/tmp/sg-workspace');
  const expired: WaiverEntry = {
    id: 'CVE-2019-1549',
    package: 'libssl1.1',
    reason: 'not reachable',
    expires: '2026-01-01',
    origin: '.github/security-waivers.yml#0',
    matched: 2,
  };
  const gate = gateOf(2);
  const view: ReportView = {
    gate,
    findings: findingsOf('HIGH', 2),
    scanners: [],
    imports: [
      {
        file: 'pr/trivy.sarif',
        format: 'sarif',
        findingCount: 2,
        notes: ['1 result(s) suppressed in this report were counted anyway.'],
      },
    ],
    filtered: { bySeverity: 0, unfixed: 0 },
    waivers: { used: [], expired: [expired], expiring: [], unused: [], needsReview: [] },
    sarifTruncation: [],
    sarifCategory: 'security-gate',
    links: {},
    generatedAt: '2026-11-22T00:00:00.000Z',
  };
  const result: PipelineResult = {
    view,
    gate,
    sarif: {
      path: path.join(workspace, 'out/gate.sarif'),
      log: { version: '2.1.0', runs: [] },
      text: '',
    },
    reportFile: path.join(workspace, 'security-gate.md'),
    outcomes: [],
    imports: [],
    location: { fileExists: () => false },
  };

  it('logs the table, one warning per waiver needing action, and where the files went', () => {
    const logger = createMemoryLogger();
    logRunReport({ ...result, sbomFile: path.join(workspace, 'sbom.json') }, logger, workspace);
    expect(logger.lines).toEqual([
      ...renderConsoleTable(view).map((line) => `info: ${line}`),
      ...waiverWarnings(view.waivers).map((line) => `warning: ${line}`),
      `info: SARIF: ${path.join('out', 'gate.sarif')}`,
      'info: Report: security-gate.md',
      'info: SBOM: sbom.json',
    ]);
    expect(logger.lines).toContain(
      'info:   note: 1 result(s) suppressed in this report were counted anyway.',
    );
    expect(logger.lines.filter((l) => l.startsWith('warning: '))).toHaveLength(1);
  });

  it('names no SBOM when none was written', () => {
    const logger = createMemoryLogger();
    logRunReport(result, logger, workspace);
    expect(logger.lines.some((l) => l.startsWith('info: SBOM:'))).toBe(false);
  });
});
