import { expect } from 'vitest';
import { describeDbRule } from '../../helpers/verify.js';

const LINEAR = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
];

describeDbRule(
  'stamp-resolves-by-prefix',
  {
    bad: { name: 'bad', revs: LINEAR, rows: ['aaa1'] },
    good: { name: 'good', revs: LINEAR, rows: ['aaa111'] },
  },
  (f, r) => {
    expect(f.severity).toBe('warning');
    expect(f.revision).toBe('aaa111');
    expect(f.message).toContain("'aaa1', 'bbb222'");
    expect(f.hint).toBe(
      "Write the full id: UPDATE alembic_version SET version_num = 'aaa111' WHERE version_num = 'aaa1';",
    );
    expect(r.ok).toBe(true);
  },
);
