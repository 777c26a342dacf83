import { describe, expect, it } from 'vitest';
import { failureMessage } from '../../src/conclusion.js';

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
