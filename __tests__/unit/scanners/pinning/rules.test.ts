import { describe, expect, it } from 'vitest';
import {
  PINNING_RULE_IDS,
  PINNING_RULES,
  describeRule,
  type PinningRuleId,
} from '../../../../src/scanners/pinning/rules.js';

/** What the help of each rule must tell a reviewer: how to find the pin, and what to write. */
const HOW_TO_PIN: Record<PinningRuleId, RegExp[]> = {
  'unpinned-dockerfile-from': [/docker buildx imagetools inspect/, /IMAGE:TAG@sha256:<digest>/],
  'unresolved-dockerfile-from': [
    /docker buildx imagetools inspect/,
    /ARG BASE=IMAGE:TAG@sha256:<digest>/,
  ],
  'unpinned-compose-image': [/docker buildx imagetools inspect/, /@sha256:<digest>/],
  'unpinned-kubernetes-image': [/docker buildx imagetools inspect/, /@sha256:<digest>/],
  'unpinned-action-ref': [/git ls-remote/, /<40-hex-commit-sha>/],
  'unpinned-docker-action': [
    /docker buildx imagetools inspect/,
    /uses: docker:\/\/IMAGE:TAG@sha256:<digest>/,
  ],
  'unhashed-pip-requirement': [
    /pip-compile --generate-hashes/,
    /--require-hashes/,
    /--hash=sha256:/,
  ],
};

describe('pinning rules', () => {
  it('has one table entry per rule id, keyed by its own id', () => {
    expect(Object.keys(PINNING_RULES).sort()).toEqual([...PINNING_RULE_IDS].sort());
    for (const id of PINNING_RULE_IDS) expect(PINNING_RULES[id].id).toBe(id);
  });

  it.each(PINNING_RULE_IDS.map((id) => [id]))(
    '%s has a title, an https help link and help saying how to pin',
    (id) => {
      const rule = PINNING_RULES[id];
      expect(rule.title.length).toBeGreaterThan(10);
      expect(rule.name).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(new URL(rule.helpUri).protocol).toBe('https:');
      for (const pattern of HOW_TO_PIN[id]) expect(rule.helpMarkdown).toMatch(pattern);
      const info = describeRule(id);
      expect(info.helpText).toBe(rule.helpMarkdown);
      expect(info.helpMarkdown).toBe(rule.helpMarkdown);
      expect(info.shortDescription).toBe(rule.title);
      expect(info.tags).toContain('pinning');
    },
  );
});
