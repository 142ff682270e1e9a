import { expect } from 'vitest';
import { describeDbRule } from '../../helpers/verify.js';

const LINEAR = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
  { id: 'ccc333', down: 'bbb222' },
];

describeDbRule(
  'stamps-overlap',
  {
    bad: { name: 'bad', revs: LINEAR, rows: ['aaa111', 'bbb222'] },
    good: { name: 'good', revs: LINEAR, rows: ['bbb222'] },
  },
  (f) => {
    expect(f.alembicError).toBe(
      'FAILED: Requested revision bbb222 overlaps with other requested revisions aaa111',
    );
    expect(f.hint).toBe(
      "Keep only the newest row: DELETE FROM alembic_version WHERE version_num = 'aaa111';",
    );
  },
);
