import { expect } from 'vitest';
import { describeDbRule } from '../helpers/verify.js';

const LINEAR = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
];

describeDbRule(
  'stamped-revision-missing',
  { bad: { name: 'bad', revs: LINEAR, rows: ['guest_lockout_001'] }, good: { name: 'good', revs: LINEAR, rows: ['aaa111'] } },
  (f, r) => {
    expect(f.severity).toBe('error');
    expect(f.revision).toBe('guest_lockout_001');
    expect(f.alembicError).toBe("FAILED: Can't locate revision identified by 'guest_lockout_001'");
    expect(f.hint).toContain('alembic stamp --purge bbb222');
    expect(r.ok).toBe(false);
  },
);
