import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixCommand } from '../../src/commands/fix/fix-command.js';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import { snapshotSchema } from '../../src/database/schema-snapshot.js';
import {
  alembic,
  catalogFacts,
  cloneDb,
  fixProject,
  idleWriter,
  readsUnderWriteLock,
  upgradeBesideWriter,
  type ObservedRun,
} from '../helpers/fix-proof.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { setUpShapes } from '../helpers/lock-matrix.js';
import { pgExec } from '../helpers/pg-cluster.js';

// `fix` proved on PostgreSQL: each heavy step of the lock matrix's kinds, rewritten by fix, is run by
// real Alembic beside a writer that is mid-transaction on the table (and starts again each time the
// migration waits for it). Judged by what the server did, statement by statement: the rows each
// statement read of the table and the locks its transaction held (env.py logs both from
// pg_stat_xact_all_tables and pg_locks), the lock requests that waited for the writer (pg_locks), the
// table's relfilenode, and the catalog after, which must equal the original step's. The original
// step, run the same way, is each cell's control.

// `npm run lock-matrix` runs every cell on tables of its size; the suite runs the sampled ones (one per
// mechanism: a concurrent build, NOT VALID then VALIDATE, NOT NULL by a check) on small tables
const FULL = Number(process.env['LOCK_MATRIX_ROWS'] ?? 0);
const ROWS = FULL > 0 ? FULL : 2_000;
/** A file to append each cell's observations to (for the notes): FIX_MATRIX_REPORT=path. */
const REPORT = process.env['FIX_MATRIX_REPORT'];

const summary = (r: ObservedRun): unknown => ({
  waits: r.waits.map(
    (w) => `${w.locktype === 'relation' ? w.mode : `waits for ${w.locktype}`}: ${w.sql.slice(0, 70)}`,
  ),
  readUnderWriteLock: readsUnderWriteLock(r.statements).map(
    (s) => `${s.read} rows under ${s.held}: ${s.sql.slice(0, 60)}`,
  ),
  inserts: r.inserts,
});
const LOCKS = { mode: 'block' as const, rows: 100, bytes: 2 ** 50 };

interface Cell {
  readonly name: string;
  readonly upgrade: string;
  readonly downgrade: string;
  /** The original reads the table under a lock that stops writes (the control); false: it only waits unbounded. */
  readonly originalReads: boolean;
  /** The rewrite builds an index concurrently: it waits for the writer's transaction, not its lock. */
  readonly concurrent?: true;
  /** Run in the suite too, not only by `npm run lock-matrix`. */
  readonly sample?: true;
  /** The app pins SQLAlchemy below 1.4.32 (no postgresql_not_valid=): fix writes NOT VALID as SQL. */
  readonly oldSqlalchemy?: true;
}

/** The cells whose recipe adds a constraint NOT VALID, again for an app on an older SQLAlchemy. */
const PINNED = (cells: readonly Cell[]): Cell[] =>
  cells
    .filter((c) => /foreign_key|check_constraint|nullable=False/u.test(c.name))
    .map((c) => ({
      ...c,
      name: `${c.name}, SQLAlchemy pinned at 1.4.31 (NOT VALID as SQL)`,
      oldSqlalchemy: true as const,
      ...(c.name.startsWith('alter_column') ? { sample: true as const } : {}),
    }));

const CELLS: readonly Cell[] = [
  {
    name: 'create_index',
    sample: true,
    upgrade: "op.create_index('ix_orders_amount', 'orders', ['amount'])",
    downgrade: "op.drop_index('ix_orders_amount', table_name='orders')",
    originalReads: true,
    concurrent: true,
  },
  {
    name: 'create_unique_constraint',
    upgrade: "op.create_unique_constraint('uq_orders_code', 'orders', ['code'])",
    downgrade: "op.drop_constraint('uq_orders_code', 'orders', type_='unique')",
    originalReads: true,
    concurrent: true,
  },
  {
    name: 'create_foreign_key',
    sample: true,
    upgrade: "op.create_foreign_key('fk_orders_customer', 'orders', 'customers', ['customer_id'], ['id'])",
    downgrade: "op.drop_constraint('fk_orders_customer', 'orders', type_='foreignkey')",
    originalReads: true,
  },
  {
    name: 'create_check_constraint',
    upgrade: "op.create_check_constraint('ck_orders_amount', 'orders', 'amount >= 0')",
    downgrade: "op.drop_constraint('ck_orders_amount', 'orders', type_='check')",
    originalReads: true,
  },
  {
    name: 'alter_column(nullable=False)',
    sample: true,
    upgrade: "op.alter_column('orders', 'note', existing_type=sa.String(50), nullable=False)",
    downgrade: "op.alter_column('orders', 'note', existing_type=sa.String(50), nullable=True)",
    originalReads: true,
  },
  {
    name: 'add_column (no lock_timeout in force)',
    upgrade: "op.add_column('orders', sa.Column('extra', sa.Integer(), nullable=True))",
    downgrade: "op.drop_column('orders', 'extra')",
    originalReads: false,
  },
];

function lockCodes(result: Awaited<ReturnType<typeof verifyCommand>>['result']): string[] {
  return result.findings.filter((f) => f.code.startsWith('lock-')).map((f) => `${f.severity} ${f.code}`);
}

/** A first run that fails partway (the rows are at fault), the rows mended, and the next run. */
const RETRIES = [
  {
    name: 'a unique key over duplicates: the build fails and leaves an INVALID index; without them the retry succeeds',
    upgrade: "op.create_unique_constraint('uq_orders_code', 'orders', ['code'])",
    handCopy:
      "with op.get_context().autocommit_block():\n    op.create_index('uq_orders_code', 'orders', ['code'], unique=True, postgresql_concurrently=True)\nop.execute('ALTER TABLE orders ADD CONSTRAINT uq_orders_code UNIQUE USING INDEX uq_orders_code')",
    spoil: 'UPDATE orders SET code = 1 WHERE id = 2',
    fails: 'could not create unique index "uq_orders_code"',
    leftover: 'uq_orders_code',
    mend: 'DELETE FROM orders WHERE id = 2',
    handCopyFails: 'relation "uq_orders_code" already exists',
    contype: 'u',
  },
  {
    name: 'a foreign key over orphans: VALIDATE fails after the NOT VALID key committed; without them the retry succeeds',
    upgrade: "op.create_foreign_key('fk_orders_customer', 'orders', 'customers', ['customer_id'], ['id'])",
    handCopy:
      "op.create_foreign_key('fk_orders_customer', 'orders', 'customers', ['customer_id'], ['id'], postgresql_not_valid=True)\nwith op.get_context().autocommit_block():\n    op.execute('ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_customer')",
    spoil: 'UPDATE orders SET customer_id = 999 WHERE id = 3',
    fails: 'violates foreign key constraint "fk_orders_customer"',
    leftover: 'fk_orders_customer',
    mend: 'UPDATE orders SET customer_id = 1 WHERE id = 3',
    handCopyFails: 'constraint "fk_orders_customer" for relation "orders" already exists',
    contype: 'f',
  },
];

const detail = (r: ObservedRun): string =>
  `status ${r.status}\nwaits ${JSON.stringify(r.waits, null, 1)}\nstatements ${JSON.stringify(r.statements, null, 1)}\n${r.out.slice(-2000)}`;

describe('fix on PostgreSQL: every rewritten step runs beside a writer without stopping it (real Alembic, observed)', () => {
  const pg = postgresForSuite(async (server) => setUpShapes(server, ROWS));

  it.each(
    [...CELLS, ...PINNED(CELLS)]
      .map((c, i) => [c.name, c, i] as const)
      .filter(([, c]) => FULL > 0 || c.sample),
  )(
    '%s',
    async (_name, cell, i) => {
      const original = fixProject(cell.upgrade, cell.downgrade);
      const fixed = fixProject(
        cell.upgrade,
        cell.downgrade,
        cell.oldSqlalchemy ? { 'requirements.txt': 'SQLAlchemy==1.4.31\n' } : {},
      );
      const urlA = await cloneDb(pg(), `fix_orig_${i}`);
      const urlB = await cloneDb(pg(), `fix_new_${i}`);
      const before = await catalogFacts(urlB);

      // the tool: the original is heavy on the live sizes; fix rewrites it; its output is not
      const verifiedBefore = await verifyCommand({
        cwd: fixed,
        format: 'json',
        env: { DATABASE_URL: urlB },
        locks: LOCKS,
      });
      expect(lockCodes(verifiedBefore.result).some((c) => c.startsWith('error'))).toBe(true);
      const out = await fixCommand({
        format: 'text',
        cwd: fixed,
        env: { DATABASE_URL: urlB },
        write: true,
        locks: LOCKS,
      });
      expect(out.exitCode, out.stdout).toBe(0);
      expect(out.outcome.files[0]!.steps.map((s) => s.how !== undefined)).toEqual([true]);
      const written = readFileSync(path.join(fixed, 'migrations/versions/b1_step.py'), 'utf8');
      if (cell.oldSqlalchemy) {
        expect(written).not.toContain('postgresql_not_valid');
        expect(written).toMatch(/op\.execute\(['"]ALTER TABLE .* NOT VALID['"]\)/u);
      }
      const verifiedAfter = await verifyCommand({
        cwd: fixed,
        format: 'json',
        env: { DATABASE_URL: urlB },
        locks: LOCKS,
      });
      expect(lockCodes(verifiedAfter.result), out.stdout).toEqual([]);
      // and nothing the original did not have: the guards fix writes are read as what they are
      const said = (r: typeof verifiedAfter.result): string[] =>
        r.findings
          .filter((f) => f.severity !== 'info' && !f.code.startsWith('lock-'))
          .map((f) => `${f.severity} ${f.code}`);
      expect(
        said(verifiedAfter.result).filter((c) => !said(verifiedBefore.result).includes(c)),
        JSON.stringify(verifiedAfter.result.findings.map((f) => [f.code, f.message])),
      ).toEqual([]);
      expect(verifiedAfter.exitCode).toBe(0);

      // the control: the original step beside the same writer
      const a = await upgradeBesideWriter(original, urlA);
      expect(a.status, detail(a)).toBe(0);
      if (cell.originalReads) expect(readsUnderWriteLock(a.statements), detail(a)).not.toEqual([]);
      else
        expect(
          a.waits.map((w) => w.mode),
          detail(a),
        ).toContain('AccessExclusiveLock');

      // the rewrite
      const b = await upgradeBesideWriter(fixed, urlB);
      expect(b.status, detail(b)).toBe(0);
      expect(readsUnderWriteLock(b.statements), detail(b)).toEqual([]);
      // what waited for the writer's lock read nothing: a statement run outside a transaction (a build,
      // a validation) never queued behind it
      const outside = new Set(b.statements.filter((s) => s.autocommit).map((s) => s.sql));
      const queued = b.waits.filter((w) => w.locktype === 'relation');
      expect(
        queued.filter((w) => outside.has(w.sql)),
        detail(b),
      ).toEqual([]);
      if (cell.concurrent) expect(b.writesWentOn, detail(b)).toBe(true);

      // the same schema as the original step's, nothing rewritten, nothing left invalid
      expect(await snapshotSchema(urlB, 'postgresql')).toEqual(await snapshotSchema(urlA, 'postgresql'));
      expect(await catalogFacts(urlB)).toEqual(before);
      // and it goes back and comes again
      const down = await alembic(fixed, urlB, ['downgrade', '-1']);
      expect(down.status, down.out).toBe(0);
      const up = await alembic(fixed, urlB, ['upgrade', 'head']);
      expect(up.status, up.out).toBe(0);
      expect(await snapshotSchema(urlB, 'postgresql')).toEqual(await snapshotSchema(urlA, 'postgresql'));
      if (REPORT)
        appendFileSync(
          REPORT,
          `${JSON.stringify({ cell: cell.name, original: summary(a), fixed: summary(b) })}\n`,
        );
    },
    300_000,
  );

  it.each(RETRIES.map((r, k) => [r.name, r, k] as const))(
    '%s',
    async (_name, r, k) => {
      const fixed = fixProject(r.upgrade, 'pass');
      // the control: a hand copy of the recipe that does not look for what a failed run left
      const handCopy = fixProject(r.handCopy, 'pass');
      expect(
        (await fixCommand({ format: 'text', cwd: fixed, env: {}, revisions: ['b1'], write: true })).exitCode,
      ).toBe(0);
      for (const [root, i] of [
        [fixed, 0],
        [handCopy, 1],
      ] as const) {
        const url = await cloneDb(pg(), `fix_retry_${k}_${i}`);
        await pgExec(url, r.spoil);
        // the data-aware verdict sees what the rewritten step will meet, before it runs
        if (root === fixed) {
          const v = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
          // nothing else: fix's guards read as what they are, not as steps that may not run
          expect(
            v.result.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity} ${f.code}`),
            JSON.stringify(v.result.findings.map((f) => [f.code, f.message])),
          ).toEqual(['error data-fails-step']);
          expect(
            v.exitCode,
            JSON.stringify(v.result.findings.map((f) => [f.code, f.severity, f.message])),
          ).toBe(1);
        }
        const first = await alembic(root, url, ['upgrade', 'head']);
        expect(first.status).not.toBe(0);
        expect(first.out).toContain(r.fails);
        expect(await versionOf(url)).toEqual(['a0']);
        expect((await catalogFacts(url)).invalid).toEqual([r.leftover]);
        await pgExec(url, r.mend);
        const retry = await alembic(root, url, ['upgrade', 'head']);
        if (root === handCopy) {
          expect(retry.status).not.toBe(0);
          expect(retry.out).toContain(r.handCopyFails);
          continue;
        }
        expect(retry.status, retry.out).toBe(0);
        expect(await versionOf(url)).toEqual(['b1']);
        expect((await catalogFacts(url)).invalid).toEqual([]);
        expect(
          await pgExec(url, `SELECT contype FROM pg_constraint WHERE conname = '${r.leftover}'`),
        ).toEqual([[r.contype]]);
      }
    },
    300_000,
  );

  it('a step before a rewrite that commits runs again on the retry, as fix notes; nothing is noted before the first step', async () => {
    const root = fixProject(
      "op.add_column('orders', sa.Column('ref', sa.Integer()))\nop.create_unique_constraint('uq_orders_code', 'orders', ['code'])",
      'pass',
    );
    const out = await fixCommand({ format: 'json', cwd: root, env: {}, revisions: ['b1'], write: true });
    const steps = JSON.parse(out.stdout).files[0].steps as { line: number; rerunOnRetry: number[] }[];
    expect(steps.map((s) => s.rerunOnRetry)).toEqual([[], [steps[0]!.line]]);
    const url = await cloneDb(pg(), 'fix_rerun');
    await pgExec(url, 'UPDATE orders SET code = 1 WHERE id = 2');
    expect((await alembic(root, url, ['upgrade', 'head'])).status).not.toBe(0);
    await pgExec(url, 'DELETE FROM orders WHERE id = 2');
    const retry = await alembic(root, url, ['upgrade', 'head']);
    expect(retry.status).not.toBe(0);
    expect(retry.out).toContain('column "ref" of relation "orders" already exists');
    expect(await versionOf(url)).toEqual(['a0']);
  }, 300_000);

  it('a session idle in transaction: the ACCESS EXCLUSIVE step gives up at the lock-timeout setting; once it is gone, the retry succeeds', async () => {
    const up = "op.alter_column('orders', 'note', existing_type=sa.String(50), nullable=False)";
    const settings = { 'pyproject.toml': '[tool.alembic-preflight]\nlock-timeout = "300ms"\n' };
    const fixed = fixProject(up, 'pass', settings);
    expect(
      (await fixCommand({ format: 'text', cwd: fixed, env: {}, revisions: ['b1'], write: true })).exitCode,
    ).toBe(0);
    expect(readFileSync(path.join(fixed, 'migrations/versions/b1_step.py'), 'utf8')).toContain(
      "SET LOCAL lock_timeout = '300ms'",
    );
    const url = await cloneDb(pg(), 'fix_idle');
    const app = await idleWriter(url);
    const first = await alembic(fixed, url, ['upgrade', 'head']);
    expect(first.status).not.toBe(0);
    expect(first.out).toContain('canceling statement due to lock timeout');
    expect(await versionOf(url)).toEqual(['a0']);
    await app.end();
    const retry = await alembic(fixed, url, ['upgrade', 'head']);
    expect(retry.status, retry.out).toBe(0);
    expect(await versionOf(url)).toEqual(['b1']);
    expect(
      await pgExec(
        url,
        "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'",
      ),
    ).toEqual([['NO']]);
    expect((await catalogFacts(url)).invalid).toEqual([]);
  }, 300_000);

  it('a valid index of the same name that no constraint uses is taken over, not built again', async () => {
    const fixed = fixProject("op.create_unique_constraint('uq_orders_code', 'orders', ['code'])", 'pass');
    expect(
      (await fixCommand({ format: 'text', cwd: fixed, env: {}, revisions: ['b1'], write: true })).exitCode,
    ).toBe(0);
    const url = await cloneDb(pg(), 'fix_reuse');
    await pgExec(url, 'CREATE UNIQUE INDEX uq_orders_code ON orders (code)');
    const [[node]] = (await pgExec(
      url,
      "SELECT relfilenode::text FROM pg_class WHERE relname = 'uq_orders_code'",
    )) as [[string]];
    const run = await alembic(fixed, url, ['upgrade', 'head']);
    expect(run.status, run.out).toBe(0);
    expect(run.statements.map((s) => s.sql).filter((s) => s.includes('CREATE UNIQUE INDEX'))).toEqual([]);
    expect(
      await pgExec(
        url,
        "SELECT c.relfilenode::text FROM pg_constraint k JOIN pg_class c ON c.oid = k.conindid WHERE k.conname = 'uq_orders_code'",
      ),
    ).toEqual([[node]]);
  }, 300_000);
});

async function versionOf(url: string): Promise<string[]> {
  return ((await pgExec(url, 'SELECT version_num FROM alembic_version')) as string[][]).map((r) => r[0]!);
}
