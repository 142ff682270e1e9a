import { expect } from 'vitest';
import { describeDbRule } from '../../helpers/verify.js';

const LABELLED = [
  { id: 'aaa111', down: null, labels: ['core'] },
  { id: 'bbb222', down: 'aaa111' },
];

describeDbRule(
  'stamp-is-symbolic',
  {
    bad: { name: 'bad', revs: LABELLED, rows: ['core'] },
    good: { name: 'good', revs: LABELLED, rows: ['aaa111'] },
  },
  (f) => {
    expect(f.severity).toBe('warning');
    expect(f.message).toContain('branch label');
    expect(f.message).toContain('resolves to aaa111');
    expect(f.hint).toContain("SET version_num = 'aaa111' WHERE version_num = 'core'");
  },
);
