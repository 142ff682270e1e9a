import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import { ORACLE_PYTHON, REPO } from './oracle.js';
import { makeProject, migration, onlineEnvPy, rev } from './project.js';
import { tempDir } from './temp-dir.js';

/** The databases the matrix runs on: PostgreSQL, MariaDB with its default (strict) sql_mode and with none, SQLite. */
export type MatrixDb = 'postgresql' | 'mariadb' | 'mariadb-loose' | 'sqlite';
export type StepKind =
  | 'not-null'
  | 'add-not-null'
  | 'unique-constraint'
  | 'unique-index'
  | 'foreign-key'
  | 'check'
  | 'type-length'
  | 'type-cast'
  | 'type-enum'
  | 'bulk-insert';
/** The rows under the step: some that break it, none that do, no rows, or the breaking rows fixed by an earlier step. */
export type RowsKind = 'fails' | 'passes' | 'empty' | 'backfill';

export interface DataCell {
  readonly kind: StepKind;
  readonly rows: RowsKind;
}

export const STEP_KINDS: readonly StepKind[] = [
  'not-null',
  'add-not-null',
  'unique-constraint',
  'unique-index',
  'foreign-key',
  'check',
  'type-length',
  'type-cast',
  'type-enum',
  'bulk-insert',
];
export const ROWS_KINDS: readonly RowsKind[] = ['fails', 'passes', 'empty', 'backfill'];
export const DATA_MATRIX: readonly DataCell[] = STEP_KINDS.flatMap((kind) =>
  ROWS_KINDS.map((rows) => ({ kind, rows })),
);

/**
 * t's rows (id, c, p_id, s): a NULL c, a repeated c, an orphan p_id, a c the CHECK rejects; an s longer
 * than 5 characters, and two that are not integers.
 */
const BAD = [
  [1, null, 1, "'abc'"],
  [2, 5, 9, "'averylongname'"],
  [3, 5, 2, "'7'"],
  [4, -1, 3, "'8'"],
];
const GOOD = [
  [1, 1, 1, "'12'"],
  [2, 2, 2, "'34'"],
  [3, 3, null, null],
];

/** The SQL that builds a cell's database: p, t with its rows, and alembic_version at a0. */
export function seedSql(cell: DataCell): string[] {
  const rows = cell.rows === 'empty' ? [] : cell.rows === 'passes' ? GOOD : BAD;
  const v = (x: number | string | null): string => (x === null ? 'NULL' : String(x));
  return [
    'CREATE TABLE p (id INTEGER PRIMARY KEY)',
    'INSERT INTO p VALUES (1), (2), (3)',
    'CREATE TABLE t (id INTEGER PRIMARY KEY, c INTEGER, p_id INTEGER, s VARCHAR(50))',
    ...(rows.length > 0
      ? [`INSERT INTO t VALUES ${rows.map((r) => `(${r.map(v).join(', ')})`).join(', ')}`]
      : []),
    'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)',
    "INSERT INTO alembic_version VALUES ('a0')",
  ];
}

/** The pending step (and, for backfill, the fix before it); SQLite's constraint changes go through batch mode. */
export function cellUpgrade(cell: DataCell, db: MatrixDb): string {
  const batch = db === 'sqlite';
  const inBatch = (line: string): string =>
    batch ? `with op.batch_alter_table("t") as b:\n    b.${line.replace("'t', ", '')}` : `op.${line}`;
  const fix = cell.rows === 'backfill';
  const steps = (...lines: string[]): string => lines.filter(Boolean).join('\n');
  switch (cell.kind) {
    case 'not-null':
      return steps(
        fix ? `op.execute("UPDATE t SET c = 0 WHERE c IS NULL")` : '',
        inBatch(`alter_column('t', 'c', existing_type=sa.Integer(), nullable=False)`),
      );
    case 'add-not-null':
      return fix
        ? steps(
            `op.add_column('t', sa.Column('d', sa.Integer(), nullable=True))`,
            `op.execute("UPDATE t SET d = 0")`,
            inBatch(`alter_column('t', 'd', existing_type=sa.Integer(), nullable=False)`),
          )
        : `op.add_column('t', sa.Column('d', sa.Integer(), nullable=False))`;
    case 'unique-constraint':
      return steps(
        fix ? `op.execute("DELETE FROM t WHERE id = 3")` : '',
        inBatch(`create_unique_constraint('uq_t_c', 't', ['c'])`),
      );
    case 'unique-index':
      return steps(
        fix ? `op.execute("DELETE FROM t WHERE id = 3")` : '',
        `op.create_index('ix_t_c', 't', ['c'], unique=True)`,
      );
    case 'foreign-key':
      return steps(
        fix ? `op.execute("DELETE FROM t WHERE p_id NOT IN (SELECT id FROM p)")` : '',
        batch
          ? `with op.batch_alter_table("t") as b:\n    b.create_foreign_key('fk_t_p', 'p', ['p_id'], ['id'])`
          : `op.create_foreign_key('fk_t_p', 't', 'p', ['p_id'], ['id'])`,
      );
    case 'check':
      return steps(
        fix ? `op.execute("UPDATE t SET c = 1 WHERE c <= 0")` : '',
        inBatch(`create_check_constraint('ck_t_c', 't', 'c > 0')`),
      );
    case 'type-length':
      return steps(
        fix ? `op.execute("UPDATE t SET s = substr(s, 1, 5)")` : '',
        inBatch(`alter_column('t', 's', type_=sa.String(5), existing_type=sa.String(50))`),
      );
    case 'bulk-insert':
      return steps(
        fix ? `op.execute("DELETE FROM t WHERE id = 4")` : '',
        `op.bulk_insert(sa.table('t', sa.column('id', sa.Integer()), sa.column('c', sa.Integer())), [{'id': 4, 'c': 1}, {'id': 5, 'c': None}])`,
      );
    case 'type-cast':
      return steps(
        fix ? `op.execute("UPDATE t SET s = NULL WHERE ${NOT_DIGITS[db]}")` : '',
        inBatch(
          `alter_column('t', 's', type_=sa.Integer(), existing_type=sa.String(50)${db === 'postgresql' ? ", postgresql_using='s::integer'" : ''})`,
        ),
      );
    case 'type-enum':
      // the labels leave out 'averylongname' (one failing row); PostgreSQL needs the type made first
      return steps(
        fix ? `op.execute("UPDATE t SET s = 'abc' WHERE s = 'averylongname'")` : '',
        db === 'postgresql' ? `${LABELS}.create(op.get_bind())` : '',
        inBatch(
          `alter_column('t', 's', type_=${LABELS}, existing_type=sa.String(50)${db === 'postgresql' ? ", postgresql_using='s::s_kind'" : ''})`,
        ),
      );
  }
}

/** The new enum's labels: every value of t.s but one. */
const LABELS = "sa.Enum('12', '34', '7', '8', 'abc', name='s_kind')";

/** Each database's test for a value that is not all digits (the backfill before a cast clears those). */
const NOT_DIGITS: Readonly<Record<MatrixDb, string>> = {
  postgresql: "s !~ '^[0-9]+$'",
  mariadb: "s NOT REGEXP '^[0-9]+$'",
  'mariadb-loose': "s NOT REGEXP '^[0-9]+$'",
  sqlite: "s GLOB '*[^0-9]*'",
};

const ENV_PY = onlineEnvPy(
  'config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"].replace("%", "%%"))',
);

/** A project whose env.py reads DATABASE_URL: a0 (applied), b1 running `upgrade` (indented by the helper). */
export function stepProject(upgrade: string): string {
  return makeProject({
    'migrations/env.py': ENV_PY,
    'migrations/versions/a0_base.py': rev('a0', null),
    'migrations/versions/b1_step.py': migration('b1', 'a0', upgrade, 'pass', 'import sqlalchemy as sa\n'),
  });
}

/** A cell's project: a0 (applied), b1 with the step. */
export function cellProject(cell: DataCell, db: MatrixDb): string {
  return stepProject(cellUpgrade(cell, db).trim());
}

export interface Verified {
  readonly exitCode: number;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  readonly alembicError?: string;
  readonly dataChecks: readonly string[];
  readonly detail: string;
}

/** verify as the release runs it (data probes at their defaults), in this process. */
export async function verifyCell(root: string, url: string): Promise<Verified> {
  const { exitCode, result } = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
  const by = (s: string): string[] => result.findings.filter((f) => f.severity === s).map((f) => f.code);
  const alembicError = result.findings.find(
    (f) => f.alembicError !== undefined && f.code.startsWith('data-'),
  )?.alembicError;
  return {
    exitCode,
    errors: by('error'),
    warnings: by('warning'),
    ...(alembicError !== undefined ? { alembicError } : {}),
    dataChecks: (result.database.data?.checks ?? []).map(
      (c) => `${c.probe.kind}:${c.result}${c.why ? ` (${c.why})` : ''}`,
    ),
    detail: result.findings.map((f) => `${f.severity} ${f.code}: ${f.message}`).join('\n'),
  };
}

/** Real Alembic's `upgrade head` for each project, all in one Python process. */
export function upgradeCells(
  cells: readonly { dir: string; url: string }[],
): { ok: boolean; error?: string }[] {
  const list = path.join(tempDir('data-cells-'), 'cells.json');
  writeFileSync(list, JSON.stringify(cells));
  const r = spawnSync(ORACLE_PYTHON, [path.join(REPO, 'test/oracle/upgrade_cells.py'), list], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`upgrade_cells.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { ok: boolean; error?: string }[];
}

/** Whether the tool's quote is Alembic's line, each `…` standing for any value. */
export function quoteMatches(quote: string, actual: string): boolean {
  const parts = quote.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 'u').test(actual);
}
