import { cpSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import { modeOfPgLocks, type LockMode } from '../../src/check/schema/lock-grade.js';
import { alembicCommand, REPO } from '../helpers/oracle.js';
import { upgrade } from '../helpers/lock-matrix.js';
import { tempDir } from '../helpers/temp-dir.js';
import { pgExec, pidOf } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { makeProject, migration, onlineEnvPy, rev } from '../helpers/project.js';

// Each operation kind's predicted lock and rewrite against what real Alembic does on PostgreSQL, on a
// table of 300,000 rows. The observer holds SHARE UPDATE EXCLUSIVE on the table (every lock a schema
// change takes conflicts with it), so the migration's request waits in pg_locks with its mode; the
// table's relfilenode before and after says whether it was rewritten.

const ROWS = 300_000;
const SETUP = [
  'CREATE TABLE customers (id integer PRIMARY KEY, name varchar(50))',
  "INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 1000) g",
  'CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, amount integer, note varchar(50), code integer)',
  `INSERT INTO orders SELECT g, 1 + g % 1000, g % 97, 'n' || g, g FROM generate_series(1, ${ROWS}) g`,
  'CREATE INDEX ix_orders_note ON orders (note)',
  'ALTER TABLE orders ADD CONSTRAINT ck_orders_amount CHECK (amount >= 0)',
  'ANALYZE',
];

interface Case {
  readonly name: string;
  readonly upgrade: string;
  /** The table the observer blocks the migration on (the referenced one for a foreign key). */
  readonly blockOn?: string;
  readonly lock: LockMode;
  readonly rewrite: boolean;
}

const CASES: readonly Case[] = [
  {
    name: 'add_column, nullable',
    upgrade: "op.add_column('orders', sa.Column('extra', sa.Integer(), nullable=True))",
    lock: 'ACCESS EXCLUSIVE',
    rewrite: false,
  },
  {
    name: 'add_column, constant default',
    upgrade: "op.add_column('orders', sa.Column('flag', sa.Integer(), nullable=False, server_default='0'))",
    lock: 'ACCESS EXCLUSIVE',
    rewrite: false,
  },
  {
    name: 'add_column, volatile default',
    upgrade: "op.add_column('orders', sa.Column('r', sa.Float(), server_default=sa.text('random()')))",
    lock: 'ACCESS EXCLUSIVE',
    rewrite: true,
  },
  {
    name: 'alter_column type',
    upgrade: "op.alter_column('orders', 'amount', type_=sa.BigInteger())",
    lock: 'ACCESS EXCLUSIVE',
    rewrite: true,
  },
  {
    name: 'alter_column NOT NULL',
    upgrade: "op.alter_column('orders', 'amount', nullable=False)",
    lock: 'ACCESS EXCLUSIVE',
    rewrite: false,
  },
  {
    name: 'alter_column rename',
    upgrade: "op.alter_column('orders', 'note', new_column_name='memo')",
    lock: 'ACCESS EXCLUSIVE',
    rewrite: false,
  },
  {
    name: 'drop_column',
    upgrade: "op.drop_column('orders', 'note')",
    lock: 'ACCESS EXCLUSIVE',
    rewrite: false,
  },
  {
    name: 'create_index',
    upgrade: "op.create_index('ix_orders_amount', 'orders', ['amount'])",
    lock: 'SHARE',
    rewrite: false,
  },
  {
    name: 'create_index concurrently',
    upgrade:
      "with op.get_context().autocommit_block():\n        op.create_index('ix_orders_amount', 'orders', ['amount'], postgresql_concurrently=True)",
    lock: 'SHARE UPDATE EXCLUSIVE',
    rewrite: false,
  },
  {
    name: 'drop_index',
    upgrade: "op.drop_index('ix_orders_note', table_name='orders')",
    lock: 'ACCESS EXCLUSIVE',
    rewrite: false,
  },
  {
    name: 'create_foreign_key',
    upgrade: "op.create_foreign_key('fk_orders_customer', 'orders', 'customers', ['customer_id'], ['id'])",
    lock: 'SHARE ROW EXCLUSIVE',
    rewrite: false,
  },
  {
    name: 'create_foreign_key NOT VALID, on the referenced table',
    upgrade:
      "op.create_foreign_key('fk_orders_customer', 'orders', 'customers', ['customer_id'], ['id'], postgresql_not_valid=True)",
    blockOn: 'customers',
    lock: 'SHARE ROW EXCLUSIVE',
    rewrite: false,
  },
  {
    name: 'create_check_constraint',
    upgrade: "op.create_check_constraint('ck_orders_code', 'orders', 'code > 0')",
    lock: 'ACCESS EXCLUSIVE',
    rewrite: false,
  },
  {
    name: 'create_unique_constraint',
    upgrade: "op.create_unique_constraint('uq_orders_code', 'orders', ['code'])",
    lock: 'ACCESS EXCLUSIVE',
    rewrite: false,
  },
  {
    name: 'drop_constraint',
    upgrade: "op.drop_constraint('ck_orders_amount', 'orders', type_='check')",
    lock: 'ACCESS EXCLUSIVE',
    rewrite: false,
  },
  {
    name: 'rename_table',
    upgrade: "op.rename_table('orders', 'purchases')",
    lock: 'ACCESS EXCLUSIVE',
    rewrite: false,
  },
  // the same read from SQL, through PostgreSQL's own parser
  {
    name: 'SQL: CREATE INDEX',
    upgrade: 'op.execute("CREATE INDEX ix_orders_amount ON orders (amount)")',
    lock: 'SHARE',
    rewrite: false,
  },
  {
    name: 'SQL: ALTER COLUMN TYPE',
    upgrade: 'op.execute("ALTER TABLE orders ALTER COLUMN amount TYPE bigint")',
    lock: 'ACCESS EXCLUSIVE',
    rewrite: true,
  },
  {
    name: 'SQL: ADD FOREIGN KEY NOT VALID',
    upgrade:
      'op.execute("ALTER TABLE orders ADD CONSTRAINT fk_c FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID")',
    lock: 'SHARE ROW EXCLUSIVE',
    rewrite: false,
  },
  {
    name: 'SQL: ADD COLUMN with a volatile default',
    upgrade: 'op.execute("ALTER TABLE orders ADD COLUMN r float8 DEFAULT random()")',
    lock: 'ACCESS EXCLUSIVE',
    rewrite: true,
  },
];

function project(upgrade: string): string {
  return makeProject({
    'migrations/env.py': onlineEnvPy(
      'config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"].replace("%", "%%"))',
    ),
    'migrations/versions/a0_base.py': rev('a0', null),
    'migrations/versions/b1_step.py': migration('b1', 'a0', upgrade, 'pass'),
  });
}

/** The upgrade run while the observer holds the table: the relation locks the migration waits for or holds on the two tables, and the rewrite. */
async function observe(
  root: string,
  url: string,
  blockOn: string,
): Promise<{ waiting: Record<string, string>; held: Record<string, string>; rewrote: boolean }> {
  const { default: pg } = await import('pg');
  const observer = new pg.Client({ connectionString: url, ssl: false });
  await observer.connect();
  try {
    const relfile = async (): Promise<number> =>
      Number(
        (await observer.query("SELECT relfilenode FROM pg_class WHERE relname = 'orders'")).rows[0]
          .relfilenode,
      );
    const before = await relfile();
    await observer.query('BEGIN');
    await observer.query(`LOCK TABLE ${blockOn} IN SHARE UPDATE EXCLUSIVE MODE`);
    const run = upgrade(root, url);
    const watcher = new pg.Client({ connectionString: url, ssl: false });
    await watcher.connect();
    let rows: { relname: string; mode: string; granted: boolean }[] = [];
    try {
      // until the migration's request waits on the held table (a counted wait, not a clock)
      for (let i = 0; i < 600 && !rows.some((r) => !r.granted && r.relname === blockOn); i++) {
        rows = (
          await watcher.query(
            "SELECT c.relname, l.mode, l.granted FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname IN ('orders', 'customers') AND l.pid <> pg_backend_pid() AND l.pid <> $1",
            [pidOf(observer)],
          )
        ).rows;
        if (!rows.some((r) => !r.granted)) await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await watcher.end();
    }
    await observer.query('COMMIT');
    const done = await run;
    expect(done.status, done.out).toBe(0);
    const after = await relfile().catch(() => before);
    const pick = (granted: boolean): Record<string, string> =>
      Object.fromEntries(rows.filter((r) => r.granted === granted).map((r) => [r.relname, r.mode]));
    return { waiting: pick(false), held: pick(true), rewrote: after !== before };
  } finally {
    await observer.end();
  }
}

describe('lock grades: predicted against real Alembic on PostgreSQL', () => {
  const pg = postgresForSuite(async (server) => {
    await pgExec(server.url, ['DROP DATABASE IF EXISTS locks_base', 'CREATE DATABASE locks_base']);
    await pgExec(server.urlFor('locks_base'), SETUP);
  });

  it.each(CASES.map((c, i) => [c.name, c, i] as const))(
    '%s: the predicted lock and rewrite are what PostgreSQL does',
    async (_name, c, i) => {
      const db = `locks_${i}`;
      await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db} TEMPLATE locks_base`]);
      const url = pg().urlFor(db);
      await pgExec(url, [
        'CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)',
        "INSERT INTO alembic_version VALUES ('a0')",
        'ANALYZE',
      ]);
      const root = project(c.upgrade);
      const verified = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
      const graded = verified.result.database.locks?.steps ?? [];
      expect(graded.map((s) => s.step.call)).toHaveLength(1);
      const predicted = graded[0]!;
      expect(predicted.size?.rows).toBe(ROWS);
      expect(predicted.large).toBe(true);
      const blockOn = c.blockOn ?? 'orders';
      const seen = await observe(root, url, blockOn);
      const predictedOn =
        blockOn === predicted.table ? predicted.grade.mode : predicted.grade.alsoLocks?.mode;
      expect(modeOfPgLocks(seen.waiting[blockOn] ?? '')).toBe(predictedOn);
      expect(predictedOn).toBe(c.lock);
      if (predicted.grade.alsoLocks && blockOn !== predicted.table)
        expect(modeOfPgLocks(seen.held[predicted.table] ?? '')).toBe(predicted.grade.mode);
      expect(seen.rewrote).toBe(predicted.grade.work === 'rewrite');
      expect(seen.rewrote).toBe(c.rewrite);
    },
    120_000,
  );

  it('the bundled example, one revision behind: its pending step creates a table referencing users, and no lock finding is reported', async () => {
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS locks_example', 'CREATE DATABASE locks_example']);
    const url = pg().urlFor('locks_example');
    const root = tempDir('preflight-locks-example-');
    cpSync(path.join(REPO, 'examples', 'heroku-app'), root, { recursive: true });
    expect(alembicCommand(root, ['upgrade', '1f2a3b4c5d6e'], { DATABASE_URL: url }).status).toBe(0);
    const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    expect(out.result.database.prediction.steps.map((s) => s.revision)).toEqual(['2a3b4c5d6e7f']);
    // the new table is empty; its foreign key takes SHARE ROW EXCLUSIVE on users for an instant
    expect(
      out.result.database.locks?.steps.map((s) => [
        s.step.call,
        s.grade.alsoLocks?.table,
        s.grade.mode,
        s.grade.work,
      ]),
    ).toEqual([['create_table', 'users', 'SHARE ROW EXCLUSIVE', 'instant']]);
    expect(out.result.findings.map((f) => f.code).filter((c) => /^lock-|^breaks-serving/u.test(c))).toEqual(
      [],
    );
    expect(out.exitCode).toBe(0);
  }, 60_000);
});
