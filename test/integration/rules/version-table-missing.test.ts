import { describe, expect, it } from 'vitest';
import { describeDbRule, verifySqlite } from '../../helpers/verify.js';

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

describe('version-table-missing: when the upgrade will not simply run', () => {
  const message = async (revs: { id: string; down: string | null }[], target?: string): Promise<string> => {
    const { result } = await verifySqlite({ name: 'new db', revs, rows: 'no-table', target });
    return result.findings.find((f) => f.code === 'version-table-missing')!.message;
  };

  it('never counts "0 migrations" for a failing prediction', async () => {
    expect(await message([...LINEAR, { id: 'ccc333', down: 'aaa111' }])).toContain(
      '(the upgrade is predicted to fail: see the error)',
    );
  });

  it('says so when the upgrade could not be predicted (a relative target spelt outside ASCII)', async () => {
    expect(await message(LINEAR, 'é@+1')).toContain('(the upgrade could not be predicted: see the error)');
    // a plain relative target is predicted
    expect(await message(LINEAR, '+1')).not.toContain('could not be predicted');
  });
});
