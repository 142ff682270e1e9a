import { expect } from 'vitest';
import { describeDbRule } from '../helpers/verify.js';

const LINEAR = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
];

describeDbRule(
  'upgrade-will-fail',
  {
    bad: { name: 'unknown target', revs: LINEAR, rows: ['aaa111'], target: 'zzzz9999' },
    good: { name: 'known target', revs: LINEAR, rows: ['aaa111'], target: 'bbb222' },
  },
  (f, r) => {
    expect(f.alembicError).toBe("FAILED: Can't locate revision identified by 'zzzz9999'");
    expect(f.hint).toContain("Check the target 'zzzz9999'");
    expect(r.ok).toBe(false);
  },
);
