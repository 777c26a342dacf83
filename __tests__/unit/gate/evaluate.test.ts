import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../../src/gate/evaluate.js';
import { findingsOf } from '../../helpers/findings.js';

const DEFAULTS = { CRITICAL: 1, HIGH: 5, MEDIUM: 0, LOW: 0 };

describe('evaluateGate', () => {
  it.each([
    // critical, high, medium, low, verdict, reasons
    [0, 0, 0, 0, 'pass', []],
    [0, 0, 40, 900, 'pass', []],
    [0, 4, 0, 0, 'warn', []],
    [0, 5, 0, 0, 'fail', ['5 HIGH ≥ threshold 5']],
    [1, 0, 0, 0, 'fail', ['1 CRITICAL ≥ threshold 1']],
    [3, 7, 1, 1, 'fail', ['3 CRITICAL ≥ threshold 1', '7 HIGH ≥ threshold 5']],
  ] as const)('default policy: %i C, %i H, %i M, %i L → %s', (c, h, m, l, verdict, reasons) => {
    const findings = [
      ...findingsOf('CRITICAL', c),
      ...findingsOf('HIGH', h),
      ...findingsOf('MEDIUM', m),
      ...findingsOf('LOW', l),
    ];
    const result = evaluateGate({
      findings,
      thresholds: DEFAULTS,
      countOnlyNew: false,
      scannerErrors: [],
      failOnScannerError: true,
    });
    expect(result.verdict).toBe(verdict);
    expect(result.reasons).toEqual(reasons);
    expect(result.total).toBe(c + h + m + l);
    expect(result.counts).toEqual({ CRITICAL: c, HIGH: h, MEDIUM: m, LOW: l, UNKNOWN: 0 });
  });

  it('a zero threshold means reported only, and UNKNOWN never gates', () => {
    const findings = [...findingsOf('CRITICAL', 9), ...findingsOf('UNKNOWN', 9)];
    const result = evaluateGate({
      findings,
      thresholds: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0 },
      countOnlyNew: false,
      scannerErrors: [],
      failOnScannerError: true,
    });
    expect(result.verdict).toBe('pass');
    expect(result.outcomes.CRITICAL).toBe('report');
    expect(result.outcomes.UNKNOWN).toBe('report');
  });

  it('waived findings are not counted but are reported as waived', () => {
    const findings = findingsOf('CRITICAL', 2, {
      waiver: { origin: 'w.yml#0', reason: 'accepted', expires: '2030-01-01' },
    });
    const result = evaluateGate({
      findings,
      thresholds: DEFAULTS,
      countOnlyNew: false,
      scannerErrors: [],
      failOnScannerError: true,
    });
    expect(result.verdict).toBe('pass');
    expect(result.waived).toBe(2);
    expect(result.counts.CRITICAL).toBe(0);
  });

  it('under gate-scope new only new findings count, but every finding is counted in counts', () => {
    const findings = [
      ...findingsOf('CRITICAL', 3, { baselineState: 'existing' }),
      ...findingsOf('HIGH', 1, { baselineState: 'new' }),
    ];
    const result = evaluateGate({
      findings,
      thresholds: DEFAULTS,
      countOnlyNew: true,
      scannerErrors: [],
      failOnScannerError: true,
    });
    expect(result.verdict).toBe('warn');
    expect(result.counts.CRITICAL).toBe(3);
    expect(result.gatedCounts.CRITICAL).toBe(0);
    expect(result.newCount).toBe(1);
  });

  it('a scanner error makes the verdict error, or warn when fail-on-scanner-error is false', () => {
    const base = {
      findings: findingsOf('HIGH', 1),
      thresholds: DEFAULTS,
      countOnlyNew: false,
      scannerErrors: ['trivy: timed out after 600s'],
    };
    const strict = evaluateGate({ ...base, failOnScannerError: true });
    expect(strict.verdict).toBe('error');
    expect(strict.reasons).toEqual(['trivy: timed out after 600s']);
    const lenient = evaluateGate({ ...base, failOnScannerError: false });
    expect(lenient.verdict).toBe('warn');
    expect(lenient.warnings.at(-1)).toMatch(/timed out.*fail-on-scanner-error is false/);
  });

  it('error outranks fail', () => {
    const result = evaluateGate({
      findings: findingsOf('CRITICAL', 4),
      thresholds: DEFAULTS,
      countOnlyNew: false,
      scannerErrors: ['grype: crashed'],
      failOnScannerError: true,
    });
    expect(result.verdict).toBe('error');
    expect(result.reasons).toEqual(['4 CRITICAL ≥ threshold 1', 'grype: crashed']);
  });
});
