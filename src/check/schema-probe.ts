import { revisionText, type ProjectModel } from '../alembic/project-model.js';
import type { DatabaseContext } from './rule.js';

/** A table a revision creates, set against the catalog. */
export interface ProbedTable {
  readonly name: string;
  readonly revision: string;
  readonly path: string;
  readonly line: number;
}

/** The schema's relations as the server names them (SQLite compares names case-blind). */
export function catalogHas(db: DatabaseContext): (name: string) => boolean {
  const sqlite = db.state.dialect === 'sqlite';
  const present = new Set((db.state.tables ?? []).map((t) => (sqlite ? t.toLowerCase() : t)));
  return (name) => present.has(sqlite ? name.toLowerCase() : name);
}

/** Calls and SQL that may drop, rename or replace a table, with the table's name as written. */
const REMOVES = /(?:drop_table|rename_table)\s*\(\s*['"]([^'"\n]+)['"]|\b(?:DROP|ALTER)\s+TABLE\s+(?:IF\s+EXISTS\s+)?["`]?(\w+)/giu;

/**
 * Whether a revision's file names the table where it may drop, rename or re-create it some other
 * way (drop_table, rename_table, raw DROP/ALTER TABLE): its tables are then left out of the probes,
 * which only claim what the file says plainly.
 */
export function mayRemove(model: ProjectModel, revision: string, table: string): boolean {
  const rev = model.map.byKey.get(revision);
  const text = rev ? revisionText(model, rev.file.absPath) : undefined;
  if (text === undefined) return true;
  const wanted = table.toLowerCase();
  for (const m of upgradePart(text).matchAll(REMOVES)) if ((m[1] ?? m[2] ?? '').toLowerCase() === wanted) return true;
  return false;
}

/** The text before `def downgrade`: what upgrade() runs (helpers above it included). */
function upgradePart(text: string): string {
  const at = text.search(/^def downgrade\b/mu);
  return at < 0 ? text : text.slice(0, at);
}


/** How many tables the probes set against the catalog: those of the stamped revisions and of the pending ones. */
export function probedTableCount(db: DatabaseContext): number | undefined {
  if (!db.createdTables || !db.state.tables || !db.state.exists || db.state.rows.length === 0) return undefined;
  const ids = new Set([...db.stamps.flatMap((s) => (s.how === 'failed' ? [] : s.revisions)), ...db.prediction.steps.map((s) => s.revision)]);
  let n = 0;
  for (const id of ids) n += db.createdTables.get(id)?.tables.length ?? 0;
  return n;
}
