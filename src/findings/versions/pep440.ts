/**
 * Python versions (PEP 440: epochs, pre/post/dev releases, local labels)
 * through `@renovatebot/pep440`; what it cannot read falls back to the
 * generic order.
 */
import { compare, valid } from '@renovatebot/pep440';
import { compareGeneric } from './generic.js';

/** Compares two PEP 440 versions; negative, 0 or positive. */
export function comparePep440(a: string, b: string): number {
  const left = a.trim();
  const right = b.trim();
  if (valid(left) === null || valid(right) === null) return compareGeneric(left, right);
  return Math.sign(compare(left, right));
}
