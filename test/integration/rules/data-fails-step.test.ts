import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { cellProject, quoteMatches, seedSql, upgradeCells, stepProject } from '../../helpers/data-matrix.js';
import { sqliteRows, sqliteWith } from '../../helpers/data-cell-db.js';
import { pgExec } from '../../helpers/pg-cluster.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';
import { mariadbForSuite } from '../../helpers/mariadb-suite.js';

const project = stepProject;

const VERSION = [
  'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)',
  "INSERT INTO alembic_version VALUES ('a0')",
];

describe('data-fails-step', () => {
  it('blocks a NOT NULL over NULLs with the count, the integer keys and the error Alembic then prints; the rows are untouched', async () => {
    const cell = { kind: 'not-null', rows: 'fails' } as const;
    const root = cellProject(cell, 'sqlite');
    const db = sqliteWith(seedSql(cell));
    const before = sqliteRows(db.file);
    const { exitCode, result } = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: db.url },
    });
    expect(sqliteRows(db.file)).toBe(before);
    expect(exitCode).toBe(1);
    const f = result.findings.find((x) => x.code === 'data-fails-step')!;
    expect(f.severity).toBe('error');
    expect(f.title).toBe('pending b1 fails: t.c is NULL in 1 row');
    expect(f.message).toContain('Keys: 1.');
    expect(`${f.path}:${f.line}`).toBe('migrations/versions/b1_step.py:17');
    const alembic = upgradeCells([{ dir: root, url: db.url }])[0]!;
    expect(alembic.ok).toBe(false);
    expect(f.alembicError).toBe(alembic.error);
    expect(result.verdict.willSucceed).toBe(false);
  });

  it('still reads the rows under --no-schema-probes: the catalog is not what they depend on', async () => {
    const cell = { kind: 'not-null', rows: 'fails' } as const;
    const db = sqliteWith(seedSql(cell));
    const { exitCode, result } = await verifyCommand({
      cwd: cellProject(cell, 'sqlite'),
      format: 'json',
      env: { DATABASE_URL: db.url },
      schemaProbes: false,
    });
    expect(result.findings.map((f) => f.code)).toContain('data-fails-step');
    expect(exitCode).toBe(1);
  });

  it('stays quiet when the same step runs over rows with no NULL, and Alembic agrees', async () => {
    const cell = { kind: 'not-null', rows: 'passes' } as const;
    const root = cellProject(cell, 'sqlite');
    const db = sqliteWith(seedSql(cell));
    const { exitCode, result } = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: db.url },
    });
    expect(result.findings.map((f) => f.code)).not.toContain('data-fails-step');
    expect(exitCode).toBe(0);
    expect(upgradeCells([{ dir: root, url: db.url }])[0]!.ok).toBe(true);
  });

  it('names no value of the rows, and no key that is not an integer or a UUID', async () => {
    const root = project("op.create_index('ix_u_email', 'u', ['email'], unique=True)");
    const db = sqliteWith([
      'CREATE TABLE u (name TEXT PRIMARY KEY, email TEXT)',
      "INSERT INTO u VALUES ('ann', 'shared-secret@example.com'), ('bob', 'shared-secret@example.com')",
      ...VERSION,
    ]);
    const { exitCode, stdout } = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: db.url },
    });
    expect(exitCode).toBe(1);
    expect(stdout).toContain('data-fails-step');
    expect(stdout).toContain('u has 2 rows sharing a value of email');
    for (const secret of ['shared-secret', 'ann', 'bob']) expect(stdout).not.toContain(secret);
    expect(upgradeCells([{ dir: root, url: db.url }])[0]!.ok).toBe(false);
  });

  it('says "may fail" as a warning for a step under if', async () => {
    const root = project("if True:\n    op.create_index('ix_t_c', 't', ['c'], unique=True)");
    const db = sqliteWith(seedSql({ kind: 'unique-index', rows: 'fails' }));
    const { result } = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: db.url } });
    const f = result.findings.find((x) => x.code === 'data-fails-step')!;
    expect(f.severity).toBe('warning');
    expect(f.title).toBe('pending b1 may fail: t.c repeats in 2 rows');
  });

  it('counts at least 4 rows, and shows three keys', async () => {
    const root = project("op.create_index('ix_t_c', 't', ['c'], unique=True)");
    const db = sqliteWith([
      'CREATE TABLE t (id INTEGER PRIMARY KEY, c INTEGER)',
      'INSERT INTO t VALUES (10, 1), (11, 1), (12, 1), (13, 1), (14, 1), (15, 2)',
      ...VERSION,
    ]);
    const { result } = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: db.url } });
    const f = result.findings.find((x) => x.code === 'data-fails-step')!;
    expect(f.title).toBe('pending b1 fails: t.c repeats in at least 4 rows');
    expect(f.message).toMatch(/Keys: 1[0-4], 1[0-4], 1[0-4], …\./u);
  });
});

describe('data-fails-step on PostgreSQL: type changes', () => {
  const pg = postgresForSuite();
  let n = 0;
  async function database(rows: 'fails' | 'passes' | 'empty'): Promise<string> {
    const name = `dfs_${n++}`;
    await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`]);
    await pgExec(pg().urlFor(name), seedSql({ kind: 'type-cast', rows }));
    return pg().urlFor(name);
  }

  it('blocks a string column changed to Integer with no postgresql_using, on an empty table too, as Alembic fails', async () => {
    const url = await database('empty');
    const root = project("op.alter_column('t', 's', type_=sa.Integer(), existing_type=sa.String(50))");
    const { exitCode, result } = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: url },
    });
    expect(exitCode).toBe(1);
    const f = result.findings.find((x) => x.code === 'data-fails-step')!;
    expect(f.title).toBe('pending b1 fails: t.s needs postgresql_using to become integer');
    const alembic = upgradeCells([{ dir: root, url }])[0]!;
    expect(alembic.ok).toBe(false);
    expect(f.alembicError).toBe(alembic.error);
  });

  it('blocks a unique index built CONCURRENTLY (in autocommit_block) over duplicates, as Alembic fails; without them it passes', async () => {
    for (const rows of ['fails', 'passes'] as const) {
      const url = await database(rows);
      const root = project(
        "with op.get_context().autocommit_block():\n    op.create_index('ix_t_c', 't', ['c'], unique=True, postgresql_concurrently=True)",
      );
      const { exitCode, result } = await verifyCommand({
        cwd: root,
        format: 'json',
        env: { DATABASE_URL: url },
      });
      judge(root, url, exitCode, result, rows === 'fails' && 'pending b1 fails: t.c repeats in 2 rows');
    }
  });

  it("quotes the cast's own error with its value as …, and shows no key", async () => {
    const url = await database('fails');
    const root = project(
      "op.alter_column('t', 's', type_=sa.Integer(), existing_type=sa.String(50), postgresql_using='s::integer')",
    );
    const { result, stdout } = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    const f = result.findings.find((x) => x.code === 'data-fails-step')!;
    expect(f.title).toBe('pending b1 fails: t.s does not cast to integer in at least 1 row');
    expect(f.alembicError).toBe(
      'sqlalchemy.exc.DataError: (psycopg2.errors.InvalidTextRepresentation) invalid input syntax for type integer: "…"',
    );
    expect(stdout).not.toContain('abc');
    expect(f.message).not.toContain('Keys');
    expect(upgradeCells([{ dir: root, url }])[0]!.error).toBe(
      'sqlalchemy.exc.DataError: (psycopg2.errors.InvalidTextRepresentation) invalid input syntax for type integer: "abc"',
    );
  });
});

// the usual PostgreSQL recipe to drop an enum label: the old type renamed, the new one made under its
// name, the column cast by its text
const recreate = (using: string): string =>
  [
    'op.execute("ALTER TYPE mood RENAME TO mood_old")',
    "sa.Enum('happy', 'sad', name='mood').create(op.get_bind())",
    `op.alter_column('t', 'm', type_=sa.Enum('happy', 'sad', name='mood'), existing_type=sa.Enum('happy', 'sad', 'meh', name='mood_old'), postgresql_using=${using})`,
    'op.execute("DROP TYPE mood_old")',
  ].join('\n');

/** A case: a database of its own (`tables`, then alembic_version at a0), b1 running `upgrade`, and the title verify must block with (false: it passes). */
interface Case {
  readonly name: string;
  readonly tables: readonly string[];
  readonly upgrade: string;
  readonly title: string | false;
}

describe('data-fails-step on PostgreSQL: numbers and enums', () => {
  const pg = postgresForSuite();

  async function judgeCases(cases: readonly Case[]): Promise<void> {
    for (const c of cases) {
      await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${c.name}`, `CREATE DATABASE ${c.name}`]);
      const url = pg().urlFor(c.name);
      await pgExec(url, [...c.tables, ...VERSION]);
      const root = project(c.upgrade);
      const { exitCode, result, stdout } = await verifyCommand({
        cwd: root,
        format: 'json',
        env: { DATABASE_URL: url },
      });
      // no row value in any output
      for (const v of ['12345', 'meh']) if (c.title) expect(stdout).not.toContain(v);
      judge(root, url, exitCode, result, c.title);
    }
  }

  it('blocks Numeric(5, 2) over a value of 1000 or more, quoting the overflow Alembic then meets; smaller values pass', async () => {
    const numeric = (name: string, value: string, title: string | false): Case => ({
      name,
      tables: [
        'CREATE TABLE t (id INTEGER PRIMARY KEY, amount NUMERIC(10, 2))',
        `INSERT INTO t VALUES (1, 1.5), (2, ${value}), (3, NULL)`,
      ],
      upgrade: "op.alter_column('t', 'amount', type_=sa.Numeric(5, 2), existing_type=sa.Numeric(10, 2))",
      title,
    });
    await judgeCases([
      numeric(
        'numeric_over',
        '12345.67',
        'pending b1 fails: t.amount does not cast to numeric(5,2) in at least 1 row',
      ),
      numeric('numeric_fits', '999.99', false),
    ]);
  });

  it("blocks the enum recipe while a row holds the dropped label, quoting the cast's error; without such a row it passes", async () => {
    const held = (name: string, rows: string, title: string | false): Case => ({
      name,
      tables: [
        "CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh')",
        'CREATE TABLE t (id INTEGER PRIMARY KEY, m mood)',
        `INSERT INTO t VALUES ${rows}`,
      ],
      upgrade: recreate("'m::text::mood'"),
      title,
    });
    await judgeCases([
      held(
        'enum_held',
        "(1, 'happy'), (2, 'meh'), (3, NULL)",
        'pending b1 fails: t.m holds a dropped label in 1 row',
      ),
      held('enum_free', "(1, 'happy'), (2, 'sad'), (3, NULL)", false),
    ]);
  });

  it('a USING that is not a plain cast of the column is not checked, named as such', async () => {
    const name = 'enum_case';
    await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`]);
    const url = pg().urlFor(name);
    await pgExec(url, [
      "CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh')",
      'CREATE TABLE t (id INTEGER PRIMARY KEY, m mood)',
      "INSERT INTO t VALUES (1, 'meh')",
      ...VERSION,
    ]);
    const root = project(recreate(`"CASE WHEN m = 'meh' THEN 'sad' ELSE m::text END::mood"`));
    const { exitCode, result } = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: url },
    });
    const f = result.findings.find((x) => x.code === 'data-not-checked')!;
    expect(f.message).toContain('postgresql_using= is not a plain cast of the column');
    expect(exitCode).toBe(0);
    expect(upgradeCells([{ dir: root, url }])[0]!.ok).toBe(true);
  });
});

describe('data-fails-step on MariaDB: AUTO_INCREMENT in a CHECK, enums, DECIMAL', () => {
  const maria = mariadbForSuite();

  async function judgeCases(cases: readonly Case[]): Promise<void> {
    for (const c of cases) {
      maria().exec(`CREATE DATABASE ${c.name}; USE ${c.name}; ${[...c.tables, ...VERSION].join('; ')}`);
      const url = maria().urlFor(c.name);
      const root = project(c.upgrade);
      const { exitCode, result } = await verifyCommand({
        cwd: root,
        format: 'json',
        env: { DATABASE_URL: url },
      });
      judge(root, url, exitCode, result, c.title);
    }
  }

  it('blocks a CHECK naming an AUTO_INCREMENT column on an empty table, quoting the error Alembic then prints; a CHECK on another column passes', async () => {
    const check = (name: string, condition: string, title: string | false): Case => ({
      name,
      tables: ['CREATE TABLE t (id INTEGER AUTO_INCREMENT PRIMARY KEY, c INTEGER)'],
      upgrade: `op.create_check_constraint('${name}', 't', '${condition}')`,
      title,
    });
    await judgeCases([
      check('ck_auto', 'id > 0', 'pending b1 fails: the CHECK names AUTO_INCREMENT t.id'),
      check('ck_plain', 'c > 0', false),
    ]);
  });

  it("blocks ENUM('a', 'b') over a row holding 'c'; a row holding 'B' converts by its collation and passes", async () => {
    const labels = (name: string, rows: string, title: string | false): Case => ({
      name,
      tables: ['CREATE TABLE t (id INTEGER PRIMARY KEY, m VARCHAR(10))', `INSERT INTO t VALUES ${rows}`],
      upgrade: "op.alter_column('t', 'm', type_=sa.Enum('a', 'b'), existing_type=sa.String(10))",
      title,
    });
    await judgeCases([
      labels(
        'enum_held',
        "(1, 'a'), (2, 'c'), (3, NULL)",
        'pending b1 fails: t.m holds a dropped label in 1 row',
      ),
      labels('enum_case', "(1, 'a'), (2, 'B'), (3, NULL)", false),
    ]);
  });

  it('blocks DECIMAL(5, 2) over a value that rounds to 1000, quoting the 1264 Alembic then meets; 999.994 passes', async () => {
    const decimal = (name: string, value: string, title: string | false): Case => ({
      name,
      tables: [
        'CREATE TABLE t (id INTEGER PRIMARY KEY, amount DECIMAL(10, 3))',
        `INSERT INTO t VALUES (1, 1.5), (2, ${value}), (3, -999.994), (4, NULL)`,
      ],
      upgrade: "op.alter_column('t', 'amount', type_=sa.Numeric(5, 2), existing_type=sa.Numeric(10, 3))",
      title,
    });
    await judgeCases([
      decimal('decimal_over', '999.995', 'pending b1 fails: t.amount is beyond DECIMAL(5,2) in 1 row'),
      decimal('decimal_fits', '999.994', false),
    ]);
  });
});

/**
 * A step the tool decides without rows or with them, against real Alembic: where `title` is given,
 * verify blocked with it and Alembic failed with the line it quoted; where it is false, neither.
 */
function judge(
  root: string,
  url: string,
  exitCode: number,
  result: Awaited<ReturnType<typeof verifyCommand>>['result'],
  title: string | false,
): void {
  const f = result.findings.find((x) => x.code === 'data-fails-step');
  const alembic = upgradeCells([{ dir: root, url }])[0]!;
  if (title) {
    expect(exitCode).toBe(1);
    expect(f?.title).toBe(title);
    expect(alembic.ok).toBe(false);
    // the quote is Alembic's line, each value in it as …
    expect(
      quoteMatches(f?.alembicError ?? '', alembic.error ?? ''),
      `${f?.alembicError} / ${alembic.error}`,
    ).toBe(true);
    return;
  }
  expect(f, f?.message).toBeUndefined();
  expect(exitCode).toBe(0);
  expect(alembic.ok).toBe(true);
}
