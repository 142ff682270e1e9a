import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import { readEnvPy, searchPathSetting } from '../../src/alembic/env/env-py.js';
import type { PreflightError } from '../../src/errors/errors.js';
import {
  prepareDatabase,
  runAlembicUpgrade,
  writeScenarioProject,
  type Scenario,
} from '../helpers/db-scenario.js';

const LINEAR: Scenario['revs'] = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
];
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

async function setup(s: Scenario): Promise<{ root: string; url: string }> {
  const root = writeScenarioProject(s);
  roots.push(root);
  return { root, url: await prepareDatabase(s, 'sqlite', root) };
}

async function failure(p: Promise<unknown>): Promise<PreflightError> {
  try {
    await p;
  } catch (e) {
    return e as PreflightError;
  }
  throw new Error('expected an error');
}

describe('verify against SQLite', () => {
  it('lists every KeyError Alembic may raise first when several revisions depend on missing ones (its set order varies)', async () => {
    const revs: Scenario['revs'] = [
      { id: 'aaa111', down: null, depends: ['gone1'] },
      { id: 'bbb222', down: 'aaa111', depends: ['gone2'] },
    ];
    const { root, url } = await setup({ name: 'setorder', revs, rows: ['aaa111'] });
    const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    const doc = JSON.parse(out.stdout) as { alembicError: string; alembicErrorAlternatives: string[] };
    expect([doc.alembicError, ...doc.alembicErrorAlternatives].sort()).toEqual([
      "KeyError: 'gone1'",
      "KeyError: 'gone2'",
    ]);
  });

  it('opens the file read-only: the database file is byte-for-byte unchanged', async () => {
    const { root, url } = await setup({ name: 'ro', revs: LINEAR, rows: ['aaa111'] });
    const file = path.join(root, 'app.db');
    const before = readFileSync(file);
    const mtime = statSync(file).mtimeMs;
    const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    expect(out.exitCode).toBe(0);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(mtime);
  });

  it('reads the file a SQLite URI names (?uri=true), as SQLAlchemy hands it to sqlite3, and agrees with real Alembic', async () => {
    const stale = await setup({ name: 'uri-stale', revs: LINEAR, rows: ['guest_lockout_001'] });
    const healthy = await setup({ name: 'uri-ok', revs: LINEAR, rows: ['aaa111'] });
    for (const { root } of [stale, healthy]) {
      for (const url of [
        'sqlite:///file:app.db?uri=true',
        `sqlite:///file://${path.join(root, 'app.db')}?uri=true`,
        'sqlite:///app.db?uri=1',
        'sqlite:///file:app.db?mode=rw&uri=true',
      ]) {
        const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
        const doc = JSON.parse(out.stdout) as { database: { stamps: { value: string }[] } };
        expect(
          doc.database.stamps.map((x) => x.value),
          url,
        ).toEqual(root === stale.root ? ['guest_lockout_001'] : ['aaa111']);
        expect(out.exitCode, url).toBe(root === stale.root ? 1 : 0);
      }
    }
    // real Alembic with the same URL (env.py reads DATABASE_URL): fails on the stale stamp, upgrades the other
    const failed = runAlembicUpgrade(stale.root, 'sqlite:///file:app.db?uri=true', 'head');
    expect(failed.rc).not.toBe(0);
    expect(failed.stderr).toContain("Can't locate revision identified by 'guest_lockout_001'");
    expect(runAlembicUpgrade(healthy.root, 'sqlite:///file:app.db?uri=true', 'head').applied).toEqual([
      'bbb222',
    ]);
    // an in-memory URI holds nothing to check
    const e = await failure(
      verifyCommand({
        cwd: healthy.root,
        format: 'text',
        env: { DATABASE_URL: 'sqlite:///file:app.db?mode=memory&uri=true' },
      }),
    );
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('in-memory');
  });

  it('a missing file is a database error (exit 3), never a new empty database', async () => {
    const { root } = await setup({ name: 'missing', revs: LINEAR, rows: 'no-table' });
    const e = await failure(
      verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: 'sqlite:///nope.db' } }),
    );
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe('The SQLite database file nope.db does not exist.');
    expect(() => statSync(path.join(root, 'nope.db'))).toThrow();
  });

  it('a file that is not SQLite is a clear database error', async () => {
    const { root } = await setup({ name: 'junk', revs: LINEAR, rows: 'no-table' });
    writeFileSync(
      path.join(root, 'junk.db'),
      'this is not a database, just text that is long enough to have a header'.repeat(20),
    );
    const e = await failure(
      verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: 'sqlite:///junk.db' } }),
    );
    expect(e.exitCode).toBe(3);
    expect(e.hint).toMatch(/not a SQLite database/u);
  });

  it('no URL at all is a usage error naming the variable', async () => {
    const { root } = await setup({ name: 'nourl', revs: LINEAR, rows: [] });
    const e = await failure(
      verifyCommand({ cwd: root, format: 'text', env: {}, databaseUrlEnv: 'PROD_DB_URL' }),
    );
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('$PROD_DB_URL is not set');
  });

  it('a table without version_num is a database error, not an all-clear', async () => {
    const { root, url } = await setup({
      name: 'odd',
      revs: LINEAR,
      rows: 'no-table',
      pre: () => ['CREATE TABLE alembic_version (id INTEGER)'],
    });
    const e = await failure(verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } }));
    expect(e.exitCode).toBe(3);
    expect(e.message).toMatch(/version_num/u);
  });
});

describe('version table settings from env.py', () => {
  it('reads literal version_table= and version_table_schema= in context.configure()', () => {
    const src = `context.configure(\n    connection=connection,\n    version_table="app_versions",  # ours\n    version_table_schema=None,\n)\n`;
    expect(readEnvPy(src)).toEqual({
      calls: [
        {
          line: 1,
          versionTable: { value: 'app_versions', line: 3 },
          versionTableSchema: { value: null, line: 4 },
        },
      ],
    });
    expect(readEnvPy('context.configure(url=url, version_table=TABLE)').calls).toEqual([
      { line: 1, versionTable: { value: undefined, line: 1, expression: 'TABLE' } },
    ]);
    expect(
      readEnvPy('# context.configure(version_table="x")\ns = "context.configure(version_table=\'y\')"').calls,
    ).toEqual([]);
  });

  it('finds where env.py sets the search_path, and the schema when a literal names one', () => {
    expect(searchPathSetting('c.execute(text("SET search_path TO tenant_a"))')).toEqual({
      line: 1,
      expression: '"SET search_path TO tenant_a"',
      schema: 'tenant_a',
    });
    expect(searchPathSetting('x = 1\nc.execute(\'set search_path = "acme";\')')).toEqual({
      line: 2,
      expression: '\'set search_path = "acme";\'',
      schema: 'acme',
    });
    expect(
      searchPathSetting('engine = create_engine(url, connect_args={"options": "-csearch_path=app"})'),
    ).toMatchObject({ line: 1, schema: 'app' });
    // computed, or more than one schema: no schema
    expect(searchPathSetting('c.execute(text(\'set search_path to "%s"\' % tenant))')).toEqual({
      line: 1,
      expression: '\'set search_path to "%s"\'',
    });
    expect(searchPathSetting('c.execute(f"SET search_path TO {schema}")')).toEqual({
      line: 1,
      expression: 'f"SET search_path TO {schema}"',
    });
    expect(searchPathSetting('c.execute("SET search_path TO {}".format(s))')?.schema).toBeUndefined();
    expect(searchPathSetting('c.execute("SET search_path TO a, public")')?.schema).toBeUndefined();
    expect(
      searchPathSetting("c.execute(\"SELECT set_config('search_path', :s, false)\", {'s': s})"),
    ).toMatchObject({ line: 1 });
    expect(searchPathSetting('c.execute("SET SCHEMA \'tenant\'")')).toMatchObject({ line: 1 });
    expect(
      searchPathSetting('engine = engine.execution_options(\n    schema_translate_map={None: tenant},\n)'),
    ).toEqual({ line: 2, expression: 'schema_translate_map' });
    // comments and prose set nothing
    expect(
      searchPathSetting(
        '# c.execute("SET search_path TO x")\nlog.info("the search_path stays")\nSHOW = "SHOW search_path"',
      ),
    ).toBeUndefined();
  });

  it('leaves the search_path out on SQLite, which has none', async () => {
    const { root, url } = await setup({ name: 'sqlite-search-path', revs: LINEAR, rows: ['bbb222'] });
    const envPath = path.join(root, 'migrations', 'env.py');
    writeFileSync(
      envPath,
      readFileSync(envPath, 'utf8').replace(
        'context.configure(connection=connection',
        'if connection.dialect.name == "postgresql":\n            connection.exec_driver_sql(f"SET search_path TO {tenant}")\n        context.configure(connection=connection',
      ),
    );
    const doc = JSON.parse(
      (await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } })).stdout,
    );
    expect(doc.prediction).toMatchObject({ willSucceed: true, pending: [] });
    expect(doc.database.settings).toEqual([]);
  });

  it("finds **kwargs passed to context.configure(), as Flask-Migrate's env.py does, and says what it assumed", async () => {
    const flask = `context.configure(\n    connection=connection,\n    target_metadata=get_metadata(),\n    **current_app.extensions['migrate'].configure_args\n)\n`;
    expect(readEnvPy(flask)).toEqual({
      calls: [
        { line: 1, unpacked: { expression: "**current_app.extensions['migrate'].configure_args", line: 4 } },
      ],
    });
    expect(readEnvPy('f(**kw)\ncontext.configure(url=url, opts={**a})').calls).toEqual([{ line: 2 }]);

    const { root, url } = await setup({ name: 'kwargs', revs: LINEAR, rows: ['bbb222'] });
    const envPath = path.join(root, 'migrations', 'env.py');
    writeFileSync(
      envPath,
      readFileSync(envPath, 'utf8').replace(
        'context.configure(connection=connection',
        'context.configure(**extra, connection=connection',
      ),
    );
    const doc = JSON.parse(
      (await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } })).stdout,
    );
    expect(doc.database.settings).toEqual([
      "version_table='alembic_version' assumed: migrations/env.py:19 passes **extra to context.configure(), which may set another table; pass --version-table if it does",
    ]);
    const flagged = JSON.parse(
      (
        await verifyCommand({
          cwd: root,
          format: 'json',
          env: { DATABASE_URL: url },
          versionTable: 'alembic_version',
        })
      ).stdout,
    );
    expect(flagged.database.settings).toEqual([]);
  });

  it("uses env.py's table, and says so", async () => {
    const { root, url } = await setup({
      name: 'custom',
      revs: LINEAR,
      rows: ['bbb222'],
      table: 'my_versions',
    });
    const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    const doc = JSON.parse(out.stdout);
    expect(doc.database.versionTable).toBe('my_versions');
    expect(doc.database.settings).toEqual(["version_table='my_versions' from migrations/env.py:19"]);
    expect(doc.prediction).toMatchObject({ willSucceed: true, pending: [] });
  });

  it('flags win over env.py, and the override is reported', async () => {
    const { root, url } = await setup({ name: 'flag', revs: LINEAR, rows: ['bbb222'], table: 'my_versions' });
    const out = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      versionTable: 'alembic_version',
    });
    expect(out.stdout).toContain(
      "--version-table alembic_version overrides version_table='my_versions' in migrations/env.py:19",
    );
    expect(out.result.database.state.exists).toBe(false);
  });

  it('follows env.py into the repository module it hands over to, whose context.configure() names the table; real Alembic agrees', async () => {
    // fastapi-tenant style: env.py only calls a function of another module
    const { root, url } = await setup({
      name: 'handover',
      revs: LINEAR,
      rows: ['zzz999'],
      table: 'shared_version',
    });
    mkdirSync(path.join(root, 'deploy_tools'));
    writeFileSync(path.join(root, 'deploy_tools', '__init__.py'), '');
    writeFileSync(
      path.join(root, 'deploy_tools', 'migrate.py'),
      [
        'import os',
        'from alembic import context',
        'from sqlalchemy import create_engine',
        '',
        '',
        'def run():',
        '    engine = create_engine(os.environ["DATABASE_URL"])',
        '    with engine.connect() as connection:',
        "        context.configure(connection=connection, version_table='shared_version')",
        '        with context.begin_transaction():',
        '            context.run_migrations()',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(root, 'migrations', 'env.py'),
      'from alembic import context\nfrom deploy_tools.migrate import run as run_all\n\nrun_all()\n',
    );
    const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    const doc = JSON.parse(out.stdout);
    expect(doc.database.versionTable).toBe('shared_version');
    expect(doc.database.settings).toEqual([
      'migrations/env.py:4 hands over to deploy_tools.migrate, whose context.configure() is read (deploy_tools/migrate.py)',
      "version_table='shared_version' from deploy_tools/migrate.py:9",
    ]);
    expect(out.exitCode).toBe(1);
    expect(out.result.findings.map((f) => f.code)).toContain('stamped-revision-missing');
    const alembic = runAlembicUpgrade(root, url, 'head');
    expect(alembic.rc).not.toBe(0);
    expect(`${alembic.stdout}${alembic.stderr}`).toContain("Can't locate revision identified by 'zzz999'");

    // the module outside the repository: no guess, a configuration error asking for the table; the flag then decides
    rmSync(path.join(root, 'deploy_tools'), { recursive: true });
    const e = await failure(verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(
      'env.py never calls context.configure() itself but hands over to deploy_tools.migrate here',
    );
    expect(e.line).toBe(4);
    const flagged = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: url },
      versionTable: 'shared_version',
    });
    expect(flagged.exitCode).toBe(1);
    expect(JSON.parse(flagged.stdout).database.versionTable).toBe('shared_version');
  });

  it('a computed version_table stops with a configuration error asking for the flag', async () => {
    const { root, url } = await setup({ name: 'dyn', revs: LINEAR, rows: [] });
    const envPath = path.join(root, 'migrations', 'env.py');
    writeFileSync(
      envPath,
      readFileSync(envPath, 'utf8').replace(
        'context.configure(connection=connection',
        'context.configure(connection=connection, version_table=os.environ["VT"]',
      ),
    );
    const e = await failure(verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('is not a literal');
    expect(e.hint).toBe('Pass the value with --version-table.');
    expect(e.line).toBe(19);
  });
});
