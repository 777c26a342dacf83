import { describe, expect, it } from 'vitest';
import { hardenMaskedExcerpt } from '../../../../src/scanners/trivy/masked-excerpt.js';

describe('hardenMaskedExcerpt', () => {
  it.each([
    // Exactly as Trivy 0.44.1 printed it for a Slack token (see fixtures/trivy-e2e/reports).
    [
      "const slackToken = '******************-1234567890123-aB3dE5fG7hJ9kL1mN3pQ5rS7';",
      `const slackToken = '${'*'.repeat('******************-1234567890123-aB3dE5fG7hJ9kL1mN3pQ5rS7'.length)}';`,
    ],
    [
      'export AWS_ACCESS_KEY_ID=********************',
      'export AWS_ACCESS_KEY_ID=********************',
    ],
    ['echo ********', 'echo ********'],
    ['token: abc****xyz, other', 'token: **********, other'],
    ['url = "https://user:****@host"', `url = "${'*'.repeat('https://user:****@host'.length)}"`],
    ['no mask here', 'no mask here'],
    ['line\nbreak ****', 'line break ****'],
  ])('%j → %j', (input, expected) => {
    expect(hardenMaskedExcerpt(input)).toBe(expected);
  });

  it('clips a minified line around the mask, never showing the secret', () => {
    const line = `${'a'.repeat(500)} key="SECRETVALUE****TAIL" ${'b'.repeat(500)}`;
    const excerpt = hardenMaskedExcerpt(line);
    expect(excerpt.length).toBeLessThanOrEqual(202);
    expect(excerpt).toContain('****');
    expect(excerpt).not.toMatch(/SECRET|TAIL/);
    expect(excerpt.startsWith('…') && excerpt.endsWith('…')).toBe(true);
  });
});
