import type { Finding, Severity } from '../../src/findings/finding.js';

/** A minimal finding for tests of counting logic; real-data tests use the parsers. */
export function makeFinding(overrides: Partial<Finding> & { severity: Severity }): Finding {
  return {
    id: overrides.id ?? `f-${Math.random().toString(16).slice(2)}`,
    kind: 'vulnerability',
    ruleId: 'CVE-2021-0001',
    aliases: [],
    title: 'test finding',
    description: '',
    tools: ['Trivy'],
    source: { tool: 'Trivy', scanner: 'trivy' },
    references: [],
    ...overrides,
  };
}

/** `n` findings of one severity. */
export function findingsOf(severity: Severity, n: number, extra: Partial<Finding> = {}): Finding[] {
  return Array.from({ length: n }, (_, i) =>
    makeFinding({ severity, id: `${severity}-${i}`, ...extra }),
  );
}
