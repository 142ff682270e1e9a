import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { heavy, LOCK_MATRIX, type MatrixCell, type Observed } from '../helpers/lock-matrix-cells.js';
import { runCell, setUpShapes } from '../helpers/lock-matrix.js';
import { fixColumn, type FixColumn } from '../helpers/lock-matrix-fix.js';
import { readsUnderWriteLock } from '../helpers/fix-proof.js';
import { REPO } from '../helpers/oracle.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';

// The lock grades proved against PostgreSQL: each cell is a pending step on a table shape under a
// timeout setting, run by real Alembic while an observer reads pg_locks, relfilenode, the indexes and
// seq_scan. `verify --locks block` must stop exactly where the observed step is heavy (a rewrite, an
// index build under a lock that stops writes, a full scan, or ACCESS EXCLUSIVE with no lock_timeout in
// force) and pass where it is light, giving the finding code the cell names. In the suite the tables
// are small with --locks-rows lowered to match (lock modes, rewrites and scans do not depend on size);
// each shape is built once and cloned per cell. `npm run lock-matrix` runs the same cells on tables of
// 300,000 rows and writes the result table into docs/zero-downtime.md.

const FULL = Number(process.env['LOCK_MATRIX_ROWS'] ?? 0);
const ROWS = FULL > 0 ? FULL : 5_000;
const THRESHOLD = Math.floor(ROWS / 5);
const DOC = path.join(REPO, 'docs', 'zero-downtime.md');

const results: { cell: MatrixCell; observed: Observed; errors: string[]; blocked: boolean }[] = [];
const fixes = new Map<MatrixCell, FixColumn['outcome']>();

describe('lock grades against PostgreSQL: heavy blocks, light passes (real Alembic, observed)', () => {
  const pg = postgresForSuite(async (server) => setUpShapes(server, ROWS));

  afterAll(() => {
    if (FULL > 0 && results.length === LOCK_MATRIX.length) writeTable(results);
  });

  it.each(LOCK_MATRIX.map((c, i) => [c.name, c, i] as const))(
    '%s',
    async (_name, cell: MatrixCell, i) => {
      const out = await runCell(pg(), cell, i, THRESHOLD);
      results.push({ cell, ...out });
      // what PostgreSQL did
      expect(out.observed, out.detail).toEqual(cell.observed);
      // what the tool predicted: a block exactly where it is heavy, and the reason
      expect(out.blocked, out.detail).toBe(heavy(cell.observed));
      if (cell.code) expect(out.errors, out.detail).toContain(cell.code);
      else expect(out.errors, out.detail).toEqual([]);
      if (!heavy(cell.observed)) return;
      // the fix column: what fix does with the heavy step, and its rewrite run beside a writer
      const f = await fixColumn(pg(), cell, i, THRESHOLD, FULL > 0 || cell.fixSample === true);
      fixes.set(cell, f.outcome);
      expect(f.outcome, f.detail).toBe(cell.fix);
      if (!f.run) return;
      const run = `${f.detail}\n${JSON.stringify(f.run, null, 1)}`;
      expect(f.run.status, run).toBe(0);
      expect(readsUnderWriteLock(f.run.statements), run).toEqual([]);
      const outside = new Set(f.run.statements.filter((s) => s.autocommit).map((s) => s.sql));
      expect(
        f.run.waits.filter((w) => w.locktype === 'relation' && outside.has(w.sql)),
        run,
      ).toEqual([]);
      expect(f.after, run).toEqual(f.before);
      expect(f.schema?.fixed, run).toEqual(f.schema?.original);
    },
    600_000,
  );
});

/** What the fix column says: rewritten (and its rewrite observed light), left and named, nothing heavy to it. */
const FIX_WORDS = {
  rewritten: 'rewritten; the rewrite stops no writer',
  left: 'left, named',
  nothing: 'nothing to rewrite',
  light: '—',
} as const;

/** The cells' outcomes as docs/zero-downtime.md shows them, between its markers. */
function writeTable(rows: typeof results): void {
  const what = (o: Observed): string =>
    [
      o.rewrite ? 'rewrite' : '',
      o.indexBuilt ? 'index build' : '',
      o.scanned ? 'full scan' : '',
      o.mode
        ? `waits for ${o.mode
            .replace(/Lock$/u, '')
            .replace(/([a-z])([A-Z])/gu, '$1 $2')
            .toUpperCase()}`
        : '',
      o.timedOut ? 'gives up (lock_timeout)' : '',
    ]
      .filter(Boolean)
      .join(', ') || 'nothing the app waits for';
  const table = [
    `${LOCK_MATRIX.length} cells, tables of ${ROWS.toLocaleString('en')} rows, PostgreSQL ${process.env['LOCK_MATRIX_SERVER'] ?? '15'}, real Alembic; \`--locks block --locks-rows ${THRESHOLD}\`:`,
    '',
    '| step | PostgreSQL did | heavy | verify --locks block | fix |',
    '|---|---|---|---|---|',
    ...rows
      .sort((a, b) => LOCK_MATRIX.indexOf(a.cell) - LOCK_MATRIX.indexOf(b.cell))
      .map(
        (r) =>
          `| ${r.cell.name.replace(/\|/gu, '\\|')} | ${what(r.observed)} | ${heavy(r.observed) ? 'yes' : 'no'} | ${r.blocked ? `blocks: ${r.errors.join(', ')}` : 'passes'} | ${FIX_WORDS[fixes.get(r.cell) ?? 'light']} |`,
      ),
  ].join('\n');
  const doc = readFileSync(DOC, 'utf8');
  const start = '<!-- lock-matrix:start -->';
  const end = '<!-- lock-matrix:end -->';
  const at = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (at < 0 || to < at) throw new Error(`${DOC} has no ${start} … ${end} markers`);
  writeFileSync(DOC, `${doc.slice(0, at + start.length)}\n${table}\n${doc.slice(to)}`);
}
