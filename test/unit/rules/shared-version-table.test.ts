import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, codes, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';
const env = (kw: string): string =>
  `from alembic import context\n\n\ndef run():\n    context.configure(connection=None${kw})\n`;
const project = (otherKw: string): string =>
  makeProject({
    [V + 'a1_x.py']: rev('a1', null),
    'migrations/env.py': env(''),
    'analytics/alembic.ini': '[alembic]\nscript_location = %(here)s/migrations\n',
    'analytics/migrations/env.py': env(otherKw),
    'analytics/migrations/versions/b1_x.py': rev('b1', null),
  });

describeRule(
  'shared-version-table',
  {
    bad: () => project(''),
    good: () => project(', version_table="analytics_version"'),
  },
  (f) => {
    expect(f.message).toContain('alembic.ini [alembic]');
    expect(f.message).toContain('analytics/alembic.ini [alembic]');
    expect(f.message).toContain('alembic_version');
    expect(f.hint).toContain('version_table=');
  },
);

describe('shared-version-table reads env.py as verify does', () => {
  it('says nothing when a configure() call also takes **kwargs, which may name another table', async () => {
    const r = await check(project(', **extra'));
    expect(r.findings.map((f) => f.code)).not.toContain('shared-version-table');
  });

  it('compares schema and table: the same table name in another schema is another table', async () => {
    const r = await check(project(', version_table_schema="analytics"'));
    expect(r.findings.map((f) => f.code)).not.toContain('shared-version-table');
    const same = await check(project(', version_table="alembic_version", version_table_schema=None'));
    expect(same.findings.map((f) => f.code)).toContain('shared-version-table');
  });

  it("follows a search_path env.py sets itself: another schema's table when it names one, and nothing to compare when it is computed (deepchecks)", async () => {
    const withSearchPath = (statement: string): string =>
      makeProject({
        [V + 'a1_x.py']: rev('a1', null),
        'migrations/env.py': env(''),
        'analytics/alembic.ini': '[alembic]\nscript_location = %(here)s/migrations\n',
        'analytics/migrations/env.py': `from alembic import context\nfrom sqlalchemy import text\n\n\ndef run(c, schema):\n    ${statement}\n    context.configure(connection=c)\n`,
        'analytics/migrations/versions/b1_x.py': rev('b1', null),
      });
    const reported = async (statement: string): Promise<boolean> =>
      codes(await check(withSearchPath(statement))).includes('shared-version-table');
    expect(await reported('c.execute(f"SET search_path TO {schema}")')).toBe(false);
    expect(await reported('c.execute(text(\'set search_path to "%s"\' % schema))')).toBe(false);
    expect(await reported('c.execute(text("SET search_path TO analytics"))')).toBe(false);
    // public is not taken for the other's unqualified table: the server's default search_path may put another schema first
    expect(await reported('c.execute(text("SET search_path TO public"))')).toBe(false);
    // a comment, or the word in a message, sets nothing: both tables are the unqualified alembic_version
    expect(await reported('# c.execute(f"SET search_path TO {schema}")')).toBe(true);
    expect(await reported('print("the search_path is left alone")')).toBe(true);
  });
});

describe('shared-version-table follows env.py that hands the run to a module of the repository', () => {
  // env.py of the second location only imports and calls; the module it names configures (as verify follows it)
  const handingOver = (kw: string): string =>
    makeProject({
      [V + 'a1_x.py']: rev('a1', null),
      'migrations/env.py': env(''),
      'analytics/alembic.ini': '[alembic]\nscript_location = %(here)s/migrations\nprepend_sys_path = .\n',
      'analytics/migrations/env.py': 'from analytics_db.migrate import run_migrations\n\nrun_migrations()\n',
      'analytics/analytics_db/__init__.py': '',
      'analytics/analytics_db/migrate.py': env(kw).replace('def run():', 'def run_migrations():'),
      'analytics/migrations/versions/b1_x.py': rev('b1', null),
    });

  it("reads that module's version_table: the default collides, its own table does not", async () => {
    const bad = await check(handingOver(''));
    const f = bad.findings.find((x) => x.code === 'shared-version-table');
    expect(f?.message).toContain('analytics/analytics_db/migrate.py');
    expect(f?.path).toBe('analytics/analytics_db/migrate.py');
    expect(codes(await check(handingOver(', version_table="analytics_version"')))).not.toContain(
      'shared-version-table',
    );
  });

  // the module lives in lib/, which only prepend_sys_path (given whole in `ini`) puts on the path
  const viaLib = (ini: string): string =>
    makeProject({
      [V + 'a1_x.py']: rev('a1', null),
      'migrations/env.py': env(''),
      'analytics/alembic.ini': `[alembic]\nscript_location = %(here)s/migrations\n${ini}`,
      'analytics/migrations/env.py': 'from analytics_db.migrate import run_migrations\n\nrun_migrations()\n',
      'lib/analytics_db/__init__.py': '',
      'lib/analytics_db/migrate.py': env('').replace('def run():', 'def run_migrations():'),
      'analytics/migrations/versions/b1_x.py': rev('b1', null),
    });

  it("finds the module through prepend_sys_path split as Alembic splits it (':' too)", async () => {
    expect(codes(await check(viaLib('prepend_sys_path = .:lib\n')))).toContain('shared-version-table');
  });

  it('splits prepend_sys_path on path_separator where Alembic reads it (1.16 on), and not before', async () => {
    const separated = viaLib('prepend_sys_path = .;lib\npath_separator = ;\n');
    // Alembic 1.19.2 imports the module from lib/; 1.8.1 reads ".;lib" as one folder and fails to import it
    expect(codes(await check(separated))).toContain('shared-version-table');
    expect(codes(await check(separated, '1.8.1'))).not.toContain('shared-version-table');
    expect(codes(await check(viaLib('prepend_sys_path = .;lib\n')))).not.toContain('shared-version-table');
    // a separator Alembic refuses leaves the path unknown: nothing to compare
    expect(
      codes(await check(viaLib('prepend_sys_path = .;lib\npath_separator = constructor\n'))),
    ).not.toContain('shared-version-table');
  });

  it('says nothing when the module is not in the repository: its table cannot be known', async () => {
    const elsewhere = makeProject({
      [V + 'a1_x.py']: rev('a1', null),
      'migrations/env.py': env(''),
      'analytics/alembic.ini': '[alembic]\nscript_location = %(here)s/migrations\n',
      'analytics/migrations/env.py': 'from tenant_lib.alembic import run_shared\n\nrun_shared()\n',
      'analytics/migrations/versions/b1_x.py': rev('b1', null),
    });
    expect(codes(await check(elsewhere))).not.toContain('shared-version-table');
  });
});
