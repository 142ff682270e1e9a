import { expect } from 'vitest';
import { describeDbRule } from '../../helpers/verify.js';

const LINEAR = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
];

describeDbRule(
  'database-at-head',
  {
    bad: { name: 'at head', revs: LINEAR, rows: ['bbb222'] },
    good: { name: 'behind', revs: LINEAR, rows: ['aaa111'] },
  },
  (f, r) => {
    expect(f.message).toBe('The database is at bbb222; `alembic upgrade head` has nothing to apply.');
    expect(r.ok).toBe(true);
  },
);
