import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cellProject,
  DATA_MATRIX,
  quoteMatches,
  seedSql,
  upgradeCells,
  verifyCell,
  type DataCell,
  type MatrixDb,
  type Verified,
} from '../helpers/data-matrix.js';
import { pgExec, type PgServer } from '../helpers/pg-cluster.js';
import { REPO } from '../helpers/oracle.js';
import { sample } from '../helpers/full.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { mariadbForSuite } from '../helpers/mariadb-suite.js';
import type { MariaServer } from '../helpers/mariadb-server.js';

// The data probes proved against the databases: each cell is a pending step over rows that break it,
// rows that do not, no rows, or the breaking rows fixed by an earlier step in the same migration. verify
// runs first (data probes at their defaults) and must change no row; then real Alembic runs every cell
// of the database in one process. Where Alembic fails, verify blocked (and its quote is Alembic's line,
// values as …); where Alembic succeeds, verify passed, except where MariaDB outside a strict sql_mode
// rewrote rows (verify blocked with data-silently-changed, and the rows show the rewrite).
// The CI sample is every step over failing and backfilled rows, and two steps over the others;
// DATA_MATRIX_FULL=1 (npm run data-matrix) runs every cell and rewrites the table in docs/data-checks.md;
// PREFLIGHT_FULL=1 (npm run test:full) runs every cell too.

const FULL = process.env['DATA_MATRIX_FULL'] === '1';
const CELLS = sample(
  DATA_MATRIX,
  (c) => c.rows === 'fails' || c.rows === 'backfill' || c.kind === 'not-null' || c.kind === 'unique-index',
  'DATA_MATRIX_FULL',
);

interface Place {
  readonly url: string;
  /** t, p and alembic_version as text: what verify must leave as it found. */
  readonly rows: () => Promise<string>;
  /** t's rows alone, as text: what MariaDB's loose mode rewrites. */
  readonly tRows: () => Promise<string>;
}

interface Outcome {
  readonly cell: DataCell;
  readonly verified: Verified;
  readonly before: string;
  readonly afterVerify: string;
  readonly tBefore: string;
  readonly tAfter: string;
  readonly alembic: { ok: boolean; error?: string };
}

async function runAll(
  db: MatrixDb,
  place: (cell: DataCell, i: number) => Promise<Place>,
): Promise<Outcome[]> {
  const prepared: {
    cell: DataCell;
    root: string;
    place: Place;
    verified: Verified;
    before: string;
    afterVerify: string;
    tBefore: string;
  }[] = [];
  for (const [i, cell] of CELLS.entries()) {
    const p = await place(cell, i);
    const root = cellProject(cell, db);
    const before = await p.rows();
    const tBefore = await p.tRows();
    const verified = await verifyCell(root, p.url);
    prepared.push({ cell, root, place: p, verified, before, afterVerify: await p.rows(), tBefore });
  }
  const ran = upgradeCells(prepared.map((x) => ({ dir: x.root, url: x.place.url })));
  const out: Outcome[] = [];
  for (const [i, x] of prepared.entries())
    out.push({
      cell: x.cell,
      verified: x.verified,
      before: x.before,
      afterVerify: x.afterVerify,
      tBefore: x.tBefore,
      tAfter: await x.place.tRows(),
      alembic: ran[i]!,
    });
  return out;
}

/** One cell judged: verify changed nothing, and its exit agrees with what Alembic did to the rows. */
function judge(o: Outcome, db: MatrixDb): void {
  const detail = `${db} ${o.cell.kind}/${o.cell.rows}\nalembic: ${JSON.stringify(o.alembic)}\nverify (${o.verified.exitCode}): ${o.verified.detail}\nprobes: ${o.verified.dataChecks.join('; ')}`;
  expect(o.afterVerify, detail).toBe(o.before);
  if (!o.alembic.ok) {
    expect(o.verified.exitCode, detail).toBe(1);
    if (o.verified.alembicError !== undefined)
      expect(
        quoteMatches(o.verified.alembicError, o.alembic.error ?? ''),
        `${detail}\nquote: ${o.verified.alembicError}`,
      ).toBe(true);
    return;
  }
  if (o.verified.errors.includes('data-silently-changed')) {
    // Alembic succeeded, and the rows are not what they were
    expect(o.tAfter, detail).not.toBe(o.tBefore);
    return;
  }
  expect(o.verified.exitCode, detail).toBe(0);
}

const ALL = new Map<MatrixDb, Outcome[]>();

afterAll(() => {
  if (FULL && ALL.size === 4) writeTable();
});

function cellsOf(db: MatrixDb, place: (cell: DataCell, i: number) => Promise<Place>): void {
  let outcomes: Outcome[] = [];
  beforeAll(async () => {
    outcomes = await runAll(db, place);
    ALL.set(db, outcomes);
  }, 600_000);
  it.each(CELLS.map((c, i) => [`${c.kind} over ${c.rows} rows`, i] as const))('%s', (_name, i) =>
    judge(outcomes[i]!, db),
  );
  it('blocks where Alembic fails on the rows, with data-fails-step', () => {
    const failing = outcomes.filter(
      (o) => !o.alembic.ok && o.cell.rows === 'fails' && o.cell.kind !== 'add-not-null',
    );
    expect(failing.length).toBeGreaterThan(0);
    for (const o of failing)
      expect(o.verified.errors, `${o.cell.kind}: ${o.verified.detail}`).toContain('data-fails-step');
  });
}

describe('data probes on PostgreSQL 15: verify agrees with real Alembic over the rows', () => {
  const pg = postgresForSuite();
  cellsOf('postgresql', async (cell, i) => pgPlace(pg(), cell, i));
});

describe('data probes on MariaDB (strict sql_mode): verify agrees with real Alembic', () => {
  const maria = mariadbForSuite();
  cellsOf('mariadb', async (cell, i) => mariaPlace(maria(), cell, `dm_${i}`));
});

describe('data probes on MariaDB outside strict mode: a rewrite is blocked, and happens under Alembic', () => {
  const maria = mariadbForSuite(['--sql-mode=NO_ENGINE_SUBSTITUTION']);
  cellsOf('mariadb-loose', async (cell, i) => mariaPlace(maria(), cell, `dl_${i}`));
});

describe('data probes on SQLite (batch mode copies the rows): verify agrees with real Alembic', () => {
  cellsOf('sqlite', async (cell, i) => sqlitePlace(cell, i));
});

async function pgPlace(pg: PgServer, cell: DataCell, i: number): Promise<Place> {
  const name = `data_cell_${i}`;
  await pgExec(pg.url, [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`]);
  const url = pg.urlFor(name);
  await pgExec(url, seedSql(cell));
  const text = async (sql: string): Promise<string> => JSON.stringify(await pgExec(url, sql));
  return {
    url,
    rows: async () =>
      (await text('SELECT * FROM t ORDER BY id')) +
      (await text('SELECT * FROM p ORDER BY id')) +
      (await text('SELECT * FROM alembic_version')),
    tRows: async () => text('SELECT * FROM t ORDER BY id'),
  };
}

async function mariaPlace(m: MariaServer, cell: DataCell, name: string): Promise<Place> {
  m.exec(`DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name}`);
  m.exec(`USE ${name}; ${seedSql(cell).join('; ')}`);
  const text = (sql: string): string => JSON.stringify(m.exec(`USE ${name}; ${sql}`));
  return {
    url: m.urlFor(name),
    rows: async () =>
      text('SELECT * FROM t ORDER BY id') +
      text('SELECT * FROM p ORDER BY id') +
      text('SELECT * FROM alembic_version'),
    tRows: async () => text('SELECT * FROM t ORDER BY id'),
  };
}

const sqliteDir = (): string => path.join(process.env['TMPDIR'] ?? '/tmp');

async function sqlitePlace(cell: DataCell, i: number): Promise<Place> {
  const { tempDir } = await import('../helpers/temp-dir.js');
  const file = path.join(tempDir(`data-sqlite-${i}-`) || sqliteDir(), 'app.db');
  const db = new Database(file);
  for (const s of seedSql(cell)) db.exec(s);
  db.close();
  const read = (sql: string): unknown[] => {
    const d = new Database(file, { readonly: true });
    try {
      return d.prepare(sql).raw().all();
    } finally {
      d.close();
    }
  };
  return {
    url: `sqlite:///${file}`,
    rows: async () =>
      JSON.stringify(read('SELECT * FROM t ORDER BY id')) +
      JSON.stringify(read('SELECT * FROM p ORDER BY id')) +
      JSON.stringify(read('SELECT * FROM alembic_version')),
    tRows: async () => JSON.stringify(read('SELECT * FROM t ORDER BY id')),
  };
}

/** The full matrix's outcomes as docs/data-checks.md shows them, between its markers. */
function writeTable(): void {
  const dbs: MatrixDb[] = ['postgresql', 'mariadb', 'mariadb-loose', 'sqlite'];
  const cellText = (o: Outcome): string => {
    const alembic = o.alembic.ok
      ? o.verified.errors.includes('data-silently-changed')
        ? 'rewrites rows'
        : 'succeeds'
      : 'fails';
    const tool =
      o.verified.exitCode === 0
        ? o.verified.warnings.includes('data-not-checked')
          ? 'OK, data-not-checked'
          : 'OK'
        : `blocks: ${[...new Set(o.verified.errors)].join(', ')}`;
    return `${alembic} / ${tool}`;
  };
  const label = {
    fails: 'rows that break it',
    passes: 'rows that do not',
    empty: 'no rows',
    backfill: 'broken rows, fixed by an earlier step',
  } as const;
  const outcome = (d: MatrixDb, c: DataCell): string => {
    const o = ALL.get(d)!.find((x) => x.cell === c);
    return cellText(o!);
  };
  const rows = CELLS.map(
    (c) => `| ${c.kind} | ${label[c.rows]} | ${dbs.map((d) => outcome(d, c)).join(' | ')} |`,
  );
  const cells = dbs.reduce((n, d) => n + ALL.get(d)!.length, 0);
  const table = [
    `${cells} cells, real Alembic 1.8 on PostgreSQL 15, MariaDB 10.11 (its default strict sql_mode, and sql_mode NO_ENGINE_SUBSTITUTION) and SQLite; each cell reads "what Alembic did / what verify said", and they agree in every cell:`,
    '',
    '| step | rows | PostgreSQL | MariaDB | MariaDB, not strict | SQLite |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  const file = path.join(REPO, 'docs', 'data-checks.md');
  const doc = readFileSync(file, 'utf8');
  const start = '<!-- data-matrix:start -->';
  const end = '<!-- data-matrix:end -->';
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < 0) throw new Error('docs/data-checks.md has no data-matrix markers');
  writeFileSync(file, `${doc.slice(0, a + start.length)}\n${table}\n${doc.slice(b)}`);
}
