import { expect } from 'vitest';
import { describeDbRule } from '../helpers/verify.js';

const LINEAR = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
];

describeDbRule(
  'version-table-missing',
  { bad: { name: 'bad', revs: LINEAR, rows: 'no-table' }, good: { name: 'good', revs: LINEAR, rows: [] } },
  (f, r) => {
    expect(f.severity).toBe('info');
    expect(f.message).toContain('apply 2 migrations from base');
    expect(r.ok).toBe(true);
    expect(r.database.prediction.steps.map((s) => s.revision)).toEqual(['aaa111', 'bbb222']);
  },
);
