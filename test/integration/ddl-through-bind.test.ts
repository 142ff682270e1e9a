import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import { schemaOps } from '../../src/check/schema/schema-ops.js';
import { exampleAlembic } from '../helpers/example-db.js';
import { pgExec } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { projectWith } from '../helpers/probe-app.js';

/**
 * DDL a migration runs through the connection rather than op.*: a type or a table object's
 * create(bind), metadata.create_all(bind). The objects they make count, so a later pending step on
 * them is not reported missing on a new database (every review app's first deploy), which real Alembic
 * migrates; and what the reading cannot list leaves the schema unknown, never a block.
 */
const MODULE = [
  'from sqlalchemy.dialects import postgresql',
  'meta = sa.MetaData()',
  'things = sa.Table("things", meta, sa.Column("id", sa.Integer, primary_key=True))',
  'others = sa.Table("others", meta, sa.Column("id", sa.Integer, primary_key=True))',
  'mood = postgresql.ENUM("happy", "sad", name="mood", create_type=False)',
].join('\n');

/** The project `revisions` makes, each revision file with MODULE at its top. */
function project(revisions: readonly (readonly [string, string])[]): string {
  const root = projectWith(revisions);
  for (const [id] of revisions) {
    const file = path.join(root, 'migrations', 'versions', `${id}_step.py`);
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('import sqlalchemy as sa\n', `import sqlalchemy as sa\n${MODULE}\n`),
    );
  }
  return root;
}

const verified = (root: string, url: string) =>
  verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });

const codes = (out: Awaited<ReturnType<typeof verified>>): string[] =>
  out.result.findings.filter((f) => f.severity !== 'info').map((f) => f.code);

describe('DDL through the connection (SQLite, against real Alembic)', () => {
  const url = 'sqlite:///app.db';

  it('metadata.create_all(bind), then a step on one of its tables: OK on a new database, and Alembic migrates it', async () => {
    const root = project([
      ['a1000000', 'meta.create_all(op.get_bind())'],
      ['b2000000', 'op.add_column("others", sa.Column("note", sa.Text()))'],
    ]);
    new Database(path.join(root, 'app.db')).close();
    const out = await verified(root, url);
    expect(codes(out)).not.toContain('schema-object-missing');
    expect(out.exitCode).toBe(0);
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    const db = new Database(path.join(root, 'app.db'));
    expect(db.prepare("SELECT name FROM pragma_table_info('others')").all()).toEqual([
      { name: 'id' },
      { name: 'note' },
    ]);
    db.close();
  }, 60_000);

  it('control: the table dropped by hand after create_all ran, the step on it is blocked, and Alembic fails', async () => {
    const root = project([
      ['a1000000', 'meta.create_all(op.get_bind())'],
      ['b2000000', 'op.add_column("others", sa.Column("note", sa.Text()))'],
    ]);
    expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
    const db = new Database(path.join(root, 'app.db'));
    db.exec('DROP TABLE others');
    db.close();
    const out = await verified(root, url);
    expect(out.result.findings.find((f) => f.code === 'schema-object-missing')?.severity).toBe('error');
    expect(out.exitCode).toBe(1);
    expect(exampleAlembic(root, url, 'upgrade', 'head').error).toContain('no such table: others');
  }, 60_000);

  it('things.create(bind) without checkfirst over a table already there: blocked, as Alembic fails', async () => {
    const root = project([
      ['a1000000', 'op.create_table("keep", sa.Column("id", sa.Integer, primary_key=True))'],
      ['b2000000', 'things.create(op.get_bind())'],
    ]);
    expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
    const db = new Database(path.join(root, 'app.db'));
    db.exec('CREATE TABLE things (id INTEGER PRIMARY KEY)');
    db.close();
    const out = await verified(root, url);
    expect(
      codes(out),
      JSON.stringify(out.result.findings.map((f) => [f.code, f.severity, f.message])),
    ).toContain('schema-ahead-of-stamp');
    expect(out.exitCode).toBe(1);
    expect(exampleAlembic(root, url, 'upgrade', 'head').error).toContain('table things already exists');
  }, 60_000);
});

describe('DDL through the connection (PostgreSQL, against real Alembic)', () => {
  const pg = postgresForSuite();
  let n = 0;
  const database = async (): Promise<string> => {
    const name = `bind_${++n}`;
    await pgExec(pg().url, [`CREATE DATABASE ${name}`]);
    return pg().urlFor(name);
  };

  it('an enum and a table created through the bind, then renamed and altered: OK on a new database, and Alembic migrates it', async () => {
    const root = project([
      [
        'a1000000',
        'mood.create(op.get_bind(), checkfirst=True)\nthings.create(op.get_bind(), checkfirst=True)',
      ],
      [
        'b2000000',
        'op.execute("ALTER TYPE mood RENAME TO feeling")\nop.add_column("things", sa.Column("note", sa.Text()))',
      ],
    ]);
    const url = await database();
    const out = await verified(root, url);
    expect(codes(out)).not.toContain('schema-object-missing');
    expect(out.exitCode).toBe(0);
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    expect(await pgExec(url, "SELECT typname FROM pg_type WHERE typname IN ('mood', 'feeling')")).toEqual([
      ['feeling'],
    ]);
  }, 60_000);

  it('control: the type dropped by hand after it was made, the rename is blocked, and Alembic fails', async () => {
    const root = project([
      ['a1000000', 'mood.create(op.get_bind(), checkfirst=True)'],
      ['b2000000', 'op.execute("ALTER TYPE mood RENAME TO feeling")'],
    ]);
    const url = await database();
    expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
    await pgExec(url, 'DROP TYPE mood');
    const out = await verified(root, url);
    expect(out.result.findings.find((f) => f.code === 'schema-object-missing')?.severity).toBe('error');
    expect(exampleAlembic(root, url, 'upgrade', 'head').error).toContain('type "mood" does not exist');
  }, 60_000);
});

describe('DDL through the connection: checkfirst', () => {
  it('create_all checks first unless told not to, by name or by position; Table.create only when told to', () => {
    const head =
      'from alembic import op\nimport sqlalchemy as sa\nmeta = sa.MetaData()\nt = sa.Table("t", meta, sa.Column("id", sa.Integer))\ndef upgrade():\n    ';
    const strict = (call: string): boolean[] =>
      schemaOps(head + call).flatMap((o) => (o.op === 'create' && o.obj.kind === 'table' ? [o.strict] : []));
    expect(strict('meta.create_all(op.get_bind())')).toEqual([false]);
    expect(strict('meta.create_all(op.get_bind(), checkfirst=False)')).toEqual([true]);
    expect(strict('meta.create_all(op.get_bind(), None, False)')).toEqual([true]);
    expect(strict('t.create(op.get_bind())')).toEqual([true]);
    expect(strict('t.create(op.get_bind(), True)')).toEqual([false]);
  });
});

describe('DDL through the connection: what the reading cannot list', () => {
  it('a metadata with a table the file binds elsewhere, or one imported from the app, leaves everything unknown', () => {
    const head = 'from alembic import op\nimport sqlalchemy as sa\nmeta = sa.MetaData()\n';
    const inHelper = `${head}def helper():\n    sa.Table("c", meta)\ndef upgrade():\n    meta.create_all(op.get_bind())\n`;
    const imported =
      'from alembic import op\nfrom app.models import Base\ndef upgrade():\n    Base.metadata.create_all(op.get_bind())\n';
    for (const text of [inHelper, imported])
      expect(schemaOps(text)).toEqual([
        expect.objectContaining({ op: 'forget', kind: null, table: null, name: null }),
      ]);
  });
});
