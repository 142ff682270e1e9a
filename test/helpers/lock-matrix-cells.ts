import { envPyWith } from './lock-matrix.js';

/** What PostgreSQL did while real Alembic ran the step. */
export interface Observed {
  /** The table (or a member of its tree) got a new relfilenode: a copy was written. */
  readonly rewrite: boolean;
  /** An index was built or rebuilt, the table itself not rewritten. */
  readonly indexBuilt: boolean;
  /** The table was read in full (seq_scan), neither rewritten nor indexed. */
  readonly scanned: boolean;
  /** The mode the migration waited for behind the observer's SHARE UPDATE EXCLUSIVE (pg_locks), or null. */
  readonly mode: string | null;
  /** It gave up waiting: a lock_timeout was in force. */
  readonly timedOut: boolean;
  /** It queued behind the app's own session (a writer idle in transaction), not the observer. */
  readonly queuedBehindApp?: true;
}

/**
 * Heavy, as the lock grades must block it: a rewrite, an index build under a lock that stops writes,
 * a full scan, or ACCESS EXCLUSIVE with no lock_timeout in force.
 */
export function heavy(o: Observed): boolean {
  return (
    o.rewrite ||
    (o.indexBuilt && o.mode !== 'ShareUpdateExclusiveLock') ||
    o.scanned ||
    (o.mode === 'AccessExclusiveLock' && !o.timedOut) ||
    o.queuedBehindApp === true
  );
}

export interface MatrixCell {
  readonly name: string;
  /** The table the observer holds and measures (schema-qualified where it is not on the search path). */
  readonly table?: string;
  readonly upgrade: string;
  readonly downgrade?: string;
  /** Module-level lines of the revision file (constants, helpers). */
  readonly header?: string;
  /** A whole revision file, where the helper's shape will not do (a docstring). */
  readonly file?: string;
  readonly envPy?: string;
  /** SQL run in the cell's database first ($DB is its name): role and database settings. */
  readonly setup?: readonly string[];
  /** The app holds the table: a session idle in transaction after an UPDATE, open while verify reads and Alembic runs. */
  readonly holder?: true;
  readonly observed: Observed;
  /** The error verify --locks block gives for a heavy cell; none for a light one. */
  readonly code?: string;
  /** A heavy cell: what `fix` does with its step (rewritten; left unchanged and named; nothing heavy to it). */
  readonly fix?: 'rewritten' | 'left' | 'nothing';
  /** The rewrite is run and observed in the suite too, not only by `npm run lock-matrix`. */
  readonly fixSample?: true;
}

const NONE = { rewrite: false, indexBuilt: false, scanned: false, mode: null, timedOut: false } as const;
const ADD_NULLABLE = "op.add_column('orders', sa.Column('extra', sa.Integer(), nullable=True))";
const WAITED_AE = { ...NONE, mode: 'AccessExclusiveLock' } as const;
const GAVE_UP = { ...NONE, mode: 'AccessExclusiveLock', timedOut: true } as const;
const CREATE_REFERENCING =
  "op.create_table('notes', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('order_id', sa.Integer(), sa.ForeignKey('orders.id')))";
const SET_TIMEOUT = 'op.execute("SET lock_timeout = \'500ms\'")';

export const LOCK_MATRIX: readonly MatrixCell[] = [
  // table shapes
  {
    name: 'partitioned: a volatile default rewrites every partition (the parent is never analysed)',
    table: 'events',
    upgrade: "op.add_column('events', sa.Column('r', sa.Float(), server_default=sa.text('random()')))",
    observed: { ...WAITED_AE, rewrite: true },
    code: 'lock-on-large-table',
    fix: 'left',
  },
  {
    name: 'partitioned: create_index builds on every partition',
    table: 'events',
    upgrade: "op.create_index('ix_events_amount', 'events', ['amount'])",
    observed: { ...NONE, indexBuilt: true, mode: 'ShareLock' },
    code: 'lock-on-large-table',
    fix: 'left',
  },
  {
    name: 'partitioned, lock_timeout set first: add_column nullable is light',
    table: 'events',
    upgrade: `${SET_TIMEOUT}\nop.add_column('events', sa.Column('extra', sa.Integer(), nullable=True))`,
    observed: GAVE_UP,
  },
  {
    name: "inheritance parent: a volatile default rewrites the children's tables",
    table: 'animals',
    upgrade: "op.add_column('animals', sa.Column('r', sa.Float(), server_default=sa.text('random()')))",
    observed: { ...WAITED_AE, rewrite: true },
    code: 'lock-on-large-table',
    fix: 'left',
  },
  {
    name: 'never analysed: create_index on a table whose rows are estimated from its pages',
    table: 'logs',
    upgrade: "op.create_index('ix_logs_amount', 'logs', ['amount'])",
    observed: { ...NONE, indexBuilt: true, mode: 'ShareLock' },
    code: 'lock-on-large-table',
    fix: 'rewritten',
    fixSample: true,
  },
  {
    name: "another schema (schema='other'): not graded, so blocked",
    table: 'other.big',
    upgrade: "op.create_index('ix_big_amount', 'big', ['amount'], schema='other')",
    observed: { ...NONE, indexBuilt: true, mode: 'ShareLock' },
    code: 'lock-not-graded',
    fix: 'left',
  },
  {
    name: "schema='public' is the schema read: graded",
    upgrade: "op.create_index('ix_orders_amount', 'orders', ['amount'], schema='public')",
    observed: { ...NONE, indexBuilt: true, mode: 'ShareLock' },
    code: 'lock-on-large-table',
    fix: 'rewritten',
  },
  // what Alembic emits besides the operation
  {
    name: 'add_column with a ForeignKey validates every row (and locks customers)',
    upgrade: "op.add_column('orders', sa.Column('buyer_id', sa.Integer(), sa.ForeignKey('customers.id')))",
    observed: { ...WAITED_AE, scanned: true },
    code: 'lock-on-large-table',
    fix: 'left',
  },
  {
    name: 'add_column(unique=True) builds a unique index',
    upgrade: "op.add_column('orders', sa.Column('ref', sa.Integer(), unique=True))",
    observed: { ...WAITED_AE, indexBuilt: true },
    code: 'lock-on-large-table',
    fix: 'left',
  },
  {
    name: 'add_column(index=True) builds an index',
    upgrade: "op.add_column('orders', sa.Column('ref', sa.Integer(), index=True))",
    observed: { ...WAITED_AE, indexBuilt: true },
    code: 'lock-on-large-table',
    fix: 'left',
  },
  {
    name: 'add_column with a CheckConstraint scans to validate it',
    upgrade: "op.add_column('orders', sa.Column('qty', sa.Integer(), sa.CheckConstraint('qty > 0')))",
    observed: { ...WAITED_AE, scanned: true },
    code: 'lock-on-large-table',
    fix: 'left',
  },
  {
    name: 'batch_alter_table(recreate="always") copies the table',
    upgrade:
      "with op.batch_alter_table('orders', recreate='always') as b:\n    b.add_column(sa.Column('extra', sa.Integer()))",
    observed: { ...NONE, rewrite: true, mode: 'AccessExclusiveLock' },
    code: 'lock-on-large-table',
    fix: 'left',
  },
  // SQL
  {
    name: 'an f-string naming its table through a helper: not graded, so blocked',
    header: 'def table_name():\n    return "orders"\n',
    upgrade: 'op.execute(f"UPDATE {table_name()} SET amount = 0")',
    observed: { ...NONE, scanned: true },
    code: 'lock-not-graded',
    fix: 'left',
  },
  {
    name: 'an f-string naming its table through a module constant: graded as the ALTER it is',
    header: 'TABLE = "orders"\n',
    upgrade: 'op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN amount TYPE bigint")',
    observed: { ...WAITED_AE, rewrite: true },
    code: 'lock-on-large-table',
    fix: 'left',
  },
  {
    name: 'str.format with a local variable: an UPDATE of every row',
    upgrade: 'table = "orders"\nop.execute("UPDATE {} SET amount = 0".format(table))',
    observed: { ...NONE, scanned: true },
    code: 'lock-on-large-table',
    fix: 'left',
  },
  {
    name: 'two statements in one string: SET lock_timeout = 0, then ALTER TABLE',
    upgrade: 'op.execute("SET lock_timeout = 0; ALTER TABLE orders ADD COLUMN extra integer")',
    observed: WAITED_AE,
    code: 'lock-timeout-missing',
    fix: 'left',
  },
  {
    name: 'CLUSTER rewrites the table',
    upgrade: 'op.execute("CLUSTER orders USING orders_pkey")',
    observed: { ...WAITED_AE, rewrite: true },
    code: 'lock-on-large-table',
    fix: 'left',
  },
  {
    name: 'REINDEX TABLE rebuilds its indexes',
    upgrade: 'op.execute("REINDEX TABLE orders")',
    observed: { ...NONE, indexBuilt: true, mode: 'ShareLock' },
    code: 'lock-on-large-table',
    fix: 'left',
  },
  {
    name: 'LOCK TABLE in ACCESS EXCLUSIVE mode with no lock_timeout',
    upgrade: 'op.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")',
    observed: WAITED_AE,
    code: 'lock-timeout-missing',
    fix: 'left',
  },
  // timeouts
  {
    name: 'no lock_timeout anywhere',
    upgrade: ADD_NULLABLE,
    observed: WAITED_AE,
    code: 'lock-timeout-missing',
    fix: 'rewritten',
  },
  {
    name: 'lock_timeout only in a docstring, a comment and downgrade(): none in force',
    file: `"""Adds extra. Remember: SET lock_timeout = '5s' before big changes."""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = 'b1'\ndown_revision = 'a0'\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    # op.execute("SET lock_timeout = '5s'")\n    ${ADD_NULLABLE}\n\n\ndef downgrade():\n    op.execute("SET lock_timeout = '5s'")\n    op.drop_column('orders', 'extra')\n`,
    upgrade: '',
    observed: WAITED_AE,
    code: 'lock-timeout-missing',
    fix: 'rewritten',
  },
  {
    name: "env.py's SET lock_timeout = 0 overrides the role's 500ms",
    setup: ["ALTER ROLE CURRENT_USER IN DATABASE $DB SET lock_timeout = '500ms'"],
    envPy: envPyWith({ line: 'connection.exec_driver_sql("SET lock_timeout = 0")' }),
    upgrade: ADD_NULLABLE,
    observed: WAITED_AE,
    code: 'lock-timeout-missing',
    fix: 'rewritten',
    fixSample: true,
  },
  {
    name: 'SET lock_timeout after the step bounds nothing',
    upgrade: `${ADD_NULLABLE}\n${SET_TIMEOUT}`,
    observed: WAITED_AE,
    code: 'lock-timeout-missing',
    fix: 'rewritten',
  },
  {
    name: 'SET lock_timeout in the migration, before the step: light',
    upgrade: `${SET_TIMEOUT}\n${ADD_NULLABLE}`,
    observed: GAVE_UP,
  },
  {
    name: "the role's lock_timeout in this database: light",
    setup: ["ALTER ROLE CURRENT_USER IN DATABASE $DB SET lock_timeout = '500ms'"],
    upgrade: ADD_NULLABLE,
    observed: GAVE_UP,
  },
  {
    name: "the database's lock_timeout: light",
    setup: ["ALTER DATABASE $DB SET lock_timeout = '500ms'"],
    upgrade: ADD_NULLABLE,
    observed: GAVE_UP,
  },
  {
    name: "env.py's connect option -c lock_timeout=500: light",
    envPy: envPyWith({ connectArgs: '{"options": "-c lock_timeout=500"}' }),
    upgrade: ADD_NULLABLE,
    observed: GAVE_UP,
  },
  {
    name: "env.py's SET lock_timeout = '500ms' on its connection: light",
    envPy: envPyWith({ line: 'connection.exec_driver_sql("SET lock_timeout = \'500ms\'")' }),
    upgrade: ADD_NULLABLE,
    observed: GAVE_UP,
  },
  {
    name: 'a writer idle in transaction on orders: the ALTER queues behind it (lock_timeout set)',
    holder: true,
    upgrade: `${SET_TIMEOUT}\n${ADD_NULLABLE}`,
    observed: { ...GAVE_UP, queuedBehindApp: true },
    code: 'lock-queue-blocker',
    fix: 'nothing',
  },
  // light counterparts of heavy kinds
  {
    name: 'varchar to text (binary-coercible, per pg_cast) with a lock_timeout: no rewrite, light',
    upgrade: `${SET_TIMEOUT}\nop.alter_column('orders', 'note', type_=sa.Text(), existing_type=sa.String(50))`,
    observed: GAVE_UP,
  },
  {
    name: 'varchar(50) widened to String(100), its length read from the call, with a lock_timeout: no rewrite, light',
    upgrade: `${SET_TIMEOUT}\nop.alter_column('orders', 'note', type_=sa.String(100), existing_type=sa.String(50))`,
    observed: GAVE_UP,
  },
  {
    name: 'the same widening with postgresql_using naming the column itself: no rewrite, light',
    upgrade: `${SET_TIMEOUT}\nop.alter_column('orders', 'note', type_=sa.String(100), existing_type=sa.String(50), postgresql_using='note')`,
    observed: GAVE_UP,
  },
  {
    name: 'the same widening with a USING expression that computes: the table is rewritten',
    upgrade: `${SET_TIMEOUT}\nop.alter_column('orders', 'note', type_=sa.String(100), existing_type=sa.String(50), postgresql_using="note || ''")`,
    observed: { ...GAVE_UP, rewrite: true },
    code: 'lock-on-large-table',
    fix: 'left',
  },
  {
    name: 'varchar to text in SQL: no rewrite, light',
    upgrade: `${SET_TIMEOUT}\nop.execute("ALTER TABLE orders ALTER COLUMN note TYPE text")`,
    observed: GAVE_UP,
  },
  {
    name: 'create_index concurrently: built without stopping writes',
    upgrade:
      "with op.get_context().autocommit_block():\n    op.create_index('ix_orders_amount', 'orders', ['amount'], postgresql_concurrently=True)",
    observed: { ...NONE, indexBuilt: true, mode: 'ShareUpdateExclusiveLock' },
  },
  {
    name: 'create_table referencing orders: SHARE ROW EXCLUSIVE on orders, light with a lock_timeout',
    upgrade: `${SET_TIMEOUT}\n${CREATE_REFERENCING}`,
    observed: { ...NONE, mode: 'ShareRowExclusiveLock', timedOut: true },
  },
  {
    name: 'create_table referencing orders while a writer idles in transaction on it: queues behind it',
    holder: true,
    upgrade: `${SET_TIMEOUT}\n${CREATE_REFERENCING}`,
    observed: { ...NONE, mode: 'ShareRowExclusiveLock', timedOut: true, queuedBehindApp: true },
    code: 'lock-queue-blocker',
    fix: 'nothing',
  },
  {
    name: 'a foreign key added NOT VALID with a lock_timeout: no scan, light',
    upgrade: `${SET_TIMEOUT}\nop.create_foreign_key('fk_orders_customer', 'orders', 'customers', ['customer_id'], ['id'], postgresql_not_valid=True)`,
    observed: { ...NONE, mode: 'ShareRowExclusiveLock', timedOut: true },
  },
];
