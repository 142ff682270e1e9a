import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fixCommand } from '../../src/commands/fix/fix-command.js';
import { snapshotSchema } from '../../src/database/schema-snapshot.js';
import { catalogFacts, observed, OBSERVER_PY, upgradeBesideWriter, type ObservedRun } from './fix-proof.js';
import type { MatrixCell } from './lock-matrix-cells.js';
import { cellProject } from './lock-matrix.js';
import type { PgServer } from './pg-cluster.js';

/** What `fix` did with a heavy cell, and, where it rewrote the step and it was asked, the rewrite run and observed. */
export interface FixColumn {
  readonly outcome: 'rewritten' | 'left' | 'nothing';
  readonly detail: string;
  readonly run?: ObservedRun;
  /** The table before and after the observed run: relfilenode, and what was left invalid. */
  readonly before?: Awaited<ReturnType<typeof catalogFacts>>;
  readonly after?: Awaited<ReturnType<typeof catalogFacts>>;
  /** The schema after the rewrite, and after the original step (the cell's own database). */
  readonly schema?: { readonly fixed: string[]; readonly original: string[] };
}

/**
 * The lock matrix's `fix` column: the cell's shapes cloned again, `fix --write` run with the database
 * sizing the steps, and (when `observe`) the rewritten migration run by real Alembic beside a writer.
 */
export async function fixColumn(
  pg: PgServer,
  cell: MatrixCell,
  i: number,
  threshold: number,
  observe: boolean,
): Promise<FixColumn> {
  const file = 'migrations/versions/b1_step.py';
  const { url, root } = await cellProject(pg, cell, `lock_fix_${i}`, observed, {
    'observe_statements.py': OBSERVER_PY,
  });
  const before = readFileSync(path.join(root, file), 'utf8');
  const out = await fixCommand({
    format: 'text',
    cwd: root,
    env: { DATABASE_URL: url },
    write: true,
    locks: { mode: 'block', rows: threshold, bytes: 2 ** 50 },
  });
  const changed = readFileSync(path.join(root, file), 'utf8') !== before;
  const outcome = out.exitCode === 1 ? 'left' : changed ? 'rewritten' : 'nothing';
  const detail = `fix exit ${out.exitCode}:\n${out.stdout}`;
  if (outcome !== 'rewritten' || !observe) return { outcome, detail };
  const table = cell.table ?? 'orders';
  const facts = await catalogFacts(url, table);
  const run = await upgradeBesideWriter(root, url, table);
  return {
    outcome,
    detail,
    run,
    before: facts,
    after: await catalogFacts(url, table),
    schema: {
      fixed: await snapshotSchema(url, 'postgresql'),
      original: await snapshotSchema(pg.urlFor(`lock_cell_${i}`), 'postgresql'),
    },
  };
}
