import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, makeProject, migration } from '../../helpers/project.js';

const V = 'migrations/versions/';
const RENAME = {
  [V + 'a1_x.py']: migration(
    'a1',
    null,
    "op.rename_table('customers', 'clients')",
    "op.rename_table('clients', 'customers')",
  ),
};

describeRule(
  'renamed-table-still-referenced',
  {
    bad: () =>
      makeProject({
        ...RENAME,
        'app/reports.py':
          'import sqlalchemy as sa\n\n\ndef top(conn):\n    return conn.execute(sa.text(\n        "SELECT name FROM customers ORDER BY name"\n    ))\n',
      }),
    // the new name, a longer name, a comment and a Python identifier are all fine
    good: () =>
      makeProject({
        ...RENAME,
        'app/reports.py':
          '# we used to read FROM customers here\ncustomers = 1\n\n\ndef top(conn):\n    return conn.execute("SELECT name FROM clients JOIN customers_archive USING (id)")\n',
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
    const rename = migration(
      'a1',
      'z0',
      "op.rename_table('customers', 'clients')",
      "op.rename_table('clients', 'customers')",
    );
    const dir = makeProject(
      { 'z0_x.py': earlier, 'a1_x.py': rename, 'app/reports.py': 'Q = "SELECT 1 FROM customers"\n' },
      '[alembic]\nscript_location = .\nversion_locations = %(here)s\n',
    );
    const r = await check(dir);
    expect(r.findings.filter((f) => f.code === 'renamed-table-still-referenced').map((f) => f.path)).toEqual([
      'app/reports.py',
    ]);
  });
});

describe('renamed-table-still-referenced: prose is not SQL', () => {
  it('ignores docstrings and other bare strings (Tracecat: "Update tag and regenerate ref"), and still reads SQL beside them', async () => {
    const app = [
      '"""Reports: select from customers by region."""',
      '',
      '',
      'def rename(conn, tag):',
      '    """Update customers and regenerate refs."""',
      '    "from customers, the old way"',
      '    return conn.execute("UPDATE customers SET ref = :r", {"r": tag})',
      '',
    ].join('\n');
    const r = await check(makeProject({ ...RENAME, 'app/reports.py': app }));
    expect(r.findings.filter((f) => f.code === 'renamed-table-still-referenced').map((f) => f.line)).toEqual([
      7,
    ]);
  });
});

describe('renamed-table-still-referenced: messages and names are not SQL', () => {
  it('skips prose in strings (open-event-server: "User {user} removed from role {role}", hooks named "… > Update User"), and keeps every statement', async () => {
    const lines = [
      "MESSAGES = {'left': 'User {user} removed from customers in event {event}'}",
      'HOOK = "Customers > Customer Details > Update Customers"',
      'NOTE = "delete from customers list before export"',
      'ASK = "Insert into customers table?"',
      'A = "SELECT name FROM customers"',
      'B = "UPDATE customers SET name = :n"',
      'C = "update customers c set name = :n"',
      'D = "DELETE FROM customers WHERE id = :id"',
      'E = "INSERT INTO customers (id) VALUES (:id)"',
      'F = ("SELECT name "',
      '     "FROM customers")',
      'G = "SELECT o.id FROM orders o JOIN customers ON o.cid = customers.id"',
      'H = "DELETE FROM customers"',
      'I = """',
      '    UPDATE customers',
      '    SET name = :n',
      '"""',
      '',
    ].join('\n');
    const r = await check(makeProject({ ...RENAME, 'app/sql.py': lines }));
    expect(r.findings.filter((f) => f.code === 'renamed-table-still-referenced').map((f) => f.line)).toEqual([
      5, 6, 7, 8, 9, 11, 12, 13, 15,
    ]);
  });
});

describe('renamed-table-still-referenced: a table made again under the old name', () => {
  const APP = { 'app/reports.py': 'Q = "SELECT key FROM config"\n' };
  const reported = async (upgrade: string, header?: string): Promise<boolean> => {
    const files = { [V + 'a1_x.py']: migration('a1', null, upgrade, 'pass', header), ...APP };
    return (await check(makeProject(files))).findings.some(
      (f) => f.code === 'renamed-table-still-referenced',
    );
  };
  const helpers = (body: string): string =>
    `import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n\n\ndef make_config():\n${body
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}\n`;

  it("follows the module's own helpers, and keeps quiet where a table of unreadable name is created (privacyIDEA: Config.__table__.create(bind))", async () => {
    expect(
      await reported(
        "op.rename_table('config', 'config_old')\nmake_config()",
        helpers("op.create_table('config', sa.Column('key', sa.String()))"),
      ),
    ).toBe(false);
    expect(
      await reported(
        "op.rename_table('config', 'config_old')\nmake_config()",
        helpers('Config.__table__.create(op.get_bind())'),
      ),
    ).toBe(false);
    expect(
      await reported("op.rename_table('config', 'config_old')\nBase.metadata.create_all(op.get_bind())"),
    ).toBe(false);
    expect(
      await reported(
        "op.rename_table('config', 'config_old')\nop.execute('CREATE TABLE IF NOT EXISTS config (key text)')",
      ),
    ).toBe(false);
    expect(
      await reported(
        "op.rename_table('config', 'config_old')\nop.execute(f'CREATE TABLE {NAME} (key text)')",
      ),
    ).toBe(false);
    expect(
      await reported(
        "op.rename_table('config', 'config_old')\nop.create_table(NAME, sa.Column('key', sa.String()))",
      ),
    ).toBe(false);
  });

  it('still reports when what is created is plainly something else', async () => {
    expect(
      await reported(
        "op.rename_table('config', 'config_old')\npostgresql.ENUM('a', 'b', name='kind').create(op.get_bind())",
      ),
    ).toBe(true);
    expect(
      await reported(
        "op.rename_table('config', 'config_old')\nkind = postgresql.ENUM('a', 'b', name='kind')\nkind.create(op.get_bind(), checkfirst=True)",
      ),
    ).toBe(true);
    expect(
      await reported(
        "op.rename_table('config', 'config_old')\nop.execute('CREATE TABLE settings (key text)')",
      ),
    ).toBe(true);
    expect(
      await reported(
        "op.rename_table('config', 'config_old')\nmake_config()",
        helpers("op.create_table('settings', sa.Column('key', sa.String()))"),
      ),
    ).toBe(true);
  });
});
