import { describe, expect, it } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { check, makeProject, migration } from '../helpers/project.js';

const V = 'migrations/versions/';
const RENAME = { [V + 'a1_x.py']: migration('a1', null, "op.rename_table('customers', 'clients')", "op.rename_table('clients', 'customers')") };

describeRule(
  'renamed-table-still-referenced',
  {
    bad: () =>
      makeProject({
        ...RENAME,
        'app/reports.py': 'import sqlalchemy as sa\n\n\ndef top(conn):\n    return conn.execute(sa.text(\n        "SELECT name FROM customers ORDER BY name"\n    ))\n',
      }),
    // the new name, a longer name, a comment and a Python identifier are all fine
    good: () =>
      makeProject({
        ...RENAME,
        'app/reports.py': '# we used to read FROM customers here\ncustomers = 1\n\n\ndef top(conn):\n    return conn.execute("SELECT name FROM clients JOIN customers_archive USING (id)")\n',
      }),
  },
  (f) => {
    expect(f.path).toBe('app/reports.py');
    expect(f.line).toBe(6);
    expect(f.message).toContain('renames customers to clients (revision a1)');
    expect(f.hint).toContain('FROM clients');
  },
);

describe('renamed-table-still-referenced: migrations are not application code', () => {
  it('ignores SQL in revision files, even when the versions folder is the project root', async () => {
    const earlier = migration('z0', null, 'op.execute("UPDATE customers SET name = lower(name)")', 'pass');
    const rename = migration('a1', 'z0', "op.rename_table('customers', 'clients')", "op.rename_table('clients', 'customers')");
    const dir = makeProject({ 'z0_x.py': earlier, 'a1_x.py': rename, 'app/reports.py': 'Q = "SELECT 1 FROM customers"\n' }, '[alembic]\nscript_location = .\nversion_locations = %(here)s\n');
    const r = await check(dir);
    expect(r.findings.filter((f) => f.code === 'renamed-table-still-referenced').map((f) => f.path)).toEqual(['app/reports.py']);
  });
});
