import { expect } from 'vitest';
import { describeDbRule } from '../../helpers/verify.js';

const LINEAR = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
  { id: 'ccc333', down: 'bbb222' },
];

describeDbRule(
  'pending-migrations',
  {
    bad: { name: 'bad', revs: LINEAR, rows: ['aaa111'] },
    good: { name: 'good', revs: LINEAR, rows: ['ccc333'] },
  },
  (f) => {
    expect(f.message).toBe('`alembic upgrade head` will apply 2 migrations. In order: bbb222 -> ccc333.');
    expect(f.hint).toContain('ends at ccc333');
  },
);
