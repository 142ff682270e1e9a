import { revisionText, type ProjectModel } from '../alembic/project-model.js';
import { resolveStamps } from '../alembic/upgrade-plan.js';
import type { VersionTableState } from '../database/version-table.js';
import { createdTables, type CreatedTable } from './lint/created-tables.js';
import { loadPythonParser, PySource, type PythonParser } from './lint/python-syntax.js';
import { readRevisionFast } from '../alembic/fast-revision-reader.js';
import { createdTablesFast } from './created-tables-fast.js';

/** What each revision's upgrade() certainly creates, for the revisions that create anything. */
export type CreatedTablesByRevision = ReadonlyMap<string, { readonly path: string; readonly tables: readonly CreatedTable[] }>;

/**
 * Read only where it matters: a version table that is missing or empty (so the upgrade starts from base)
 * in a schema that already holds tables. Anywhere else the answer cannot change the verdict.
 */
export function needsCreatedTables(state: VersionTableState): boolean {
  return (state.tables?.length ?? 0) > 0 && (!state.exists || state.rows.length === 0);
}

/**
 * With rows in the version table, the probes need only the revisions the rows name (their tables must
 * be there) and those after them (theirs must not): a database at head costs one file, and nothing
 * walks the rest of the history.
 */
export function probedRevisions(model: ProjectModel, state: VersionTableState): ReadonlySet<string> | undefined {
  if (!state.tables || !state.exists || state.rows.length === 0) return undefined;
  const rows = resolveStamps(model.map, state.rows);
  if (rows.some((s) => s.how === 'failed')) return undefined;
  const out = new Set<string>();
  const todo = rows.flatMap((s) => s.revisions);
  while (todo.length > 0) {
    const id = todo.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    for (const next of model.map.byKey.get(id)?.nextrev ?? []) todo.push(next);
  }
  return out;
}

export async function createdTablesByRevision(model: ProjectModel, only?: ReadonlySet<string>): Promise<CreatedTablesByRevision> {
  let parser: PythonParser | undefined;
  const out = new Map<string, { path: string; tables: CreatedTable[] }>();
  for (const rev of model.map.revisions) {
    if (only && !only.has(rev.id)) continue;
    const text = revisionText(model, rev.file.absPath);
    if (text === undefined || !text.includes('create_table')) continue;
    // a plain file is scanned; the parser (tens of milliseconds to load) only for the others
    let tables = readRevisionFast(text) ? createdTablesFast(text) : undefined;
    if (tables === undefined) {
      parser ??= await loadPythonParser();
      const py = new PySource(text, parser);
      if (py.hasErrors) continue;
      tables = createdTables(py);
    }
    if (tables.length > 0) out.set(rev.id, { path: rev.file.path, tables });
  }
  return out;
}
