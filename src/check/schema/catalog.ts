import type { SchemaCatalog, VersionTableState } from '../../database/version-table.js';
import type { ObjectKind, ObjectRef } from './schema-object.js';
import type { Presence } from './schema-state.js';

/** Kinds each server's catalog answers for; other kinds are never compared. */
const PROBED: Record<VersionTableState['dialect'], ReadonlySet<ObjectKind>> = {
  postgresql: new Set(['table', 'column', 'index', 'constraint', 'type', 'label', 'extension']),
  sqlite: new Set(['table', 'column', 'index']),
  mysql: new Set(['table', 'column', 'index', 'constraint']),
};

/** What the catalog says of an object (unknown for kinds it does not answer), and how the server compares names; undefined without a readable catalog. */
export function catalogPresence(
  state: VersionTableState,
): { has: (obj: ObjectRef) => Presence; fold: (n: string) => string } | undefined {
  if (!state.catalog || 'unreadable' in state.catalog) return undefined;
  const catalog = new Catalog(state, state.catalog);
  return { has: (obj) => catalog.has(obj), fold: catalog.fold };
}

/** What the database holds, for the kinds its catalog answers (others are unknown). */
export class Catalog {
  readonly fold: (n: string) => string;
  readonly sqlite: boolean;
  readonly postgres: boolean;
  private readonly tables: Set<string>;
  private readonly columns: Set<string>;
  private readonly indexes: Set<string>;
  private readonly constraints: Set<string>;
  private readonly types: Set<string>;
  /** `type\u001flabel`; undefined where the read did not ask (labels are then unknown) */
  private readonly labels: Set<string> | undefined;
  /** `table\u001fcolumn` → the enum type of the column */
  private readonly enumColumns: ReadonlyMap<string, string>;
  /** extension name → installed; undefined where the read did not ask (extensions are then unknown) */
  private readonly extensions: ReadonlyMap<string, boolean> | undefined;
  private readonly kinds: ReadonlySet<ObjectKind>;
  private readonly perTable: boolean; // MySQL names an index within its table
  /** PostgreSQL with several schemas on the search_path: a name missing here may be found in another */
  readonly elsewhere: boolean;

  constructor(state: VersionTableState, c: SchemaCatalog) {
    const sqlite = state.dialect === 'sqlite';
    this.sqlite = sqlite;
    this.postgres = state.dialect === 'postgresql';
    // SQLite and MySQL compare names case-blind (MySQL's tables only on some file systems: folded all the same)
    this.fold = sqlite || state.dialect === 'mysql' ? (n) => n.toLowerCase() : (n) => n;
    this.perTable = state.dialect === 'mysql';
    const f = this.fold;
    this.kinds = PROBED[state.dialect];
    this.tables = new Set((state.tables ?? []).map(f));
    this.columns = new Set(c.columns.map(([t, n]) => `${f(t)}\u001f${f(n)}`));
    this.indexes = new Set(c.indexes.map(([n, t]) => (this.perTable ? `${f(t)}\u001f${f(n)}` : f(n))));
    this.constraints = new Set((c.constraints ?? []).map(([t, n]) => `${f(t)}\u001f${f(n)}`));
    this.types = new Set((c.types ?? []).map(f));
    this.labels = c.enumLabels && new Set(c.enumLabels.map(([t, l]) => `${f(t)}\u001f${l}`));
    this.elsewhere = (c.searchPathSchemas ?? 1) > 1;
    this.extensions = c.extensions && new Map(c.extensions);
    this.enumColumns = new Map((c.enumColumns ?? []).map(([t, n, type]) => [`${f(t)}\u001f${f(n)}`, type]));
  }

  /** The enum type of a column, where the catalog has the column and that type is one of the schema's enums. */
  enumTypeOf(table: string, column: string): string | undefined {
    return this.enumColumns.get(`${this.fold(table)}\u001f${this.fold(column)}`);
  }

  /** Whether the server can install an extension (its control file is there); undefined where not read. */
  available(name: string): boolean | undefined {
    return this.extensions && this.extensions.has(name);
  }

  private hasIndex(obj: ObjectRef): boolean {
    const name = this.fold(obj.name);
    if (!this.perTable) return this.indexes.has(name);
    if (obj.table !== undefined) return this.indexes.has(`${this.fold(obj.table)}\u001f${name}`);
    return [...this.indexes].some((k) => k.endsWith(`\u001f${name}`));
  }

  probes(kind: ObjectKind): boolean {
    return this.kinds.has(kind);
  }

  has(obj: ObjectRef): Presence {
    if (!this.kinds.has(obj.kind)) return 'unknown';
    const f = this.fold;
    switch (obj.kind) {
      case 'table':
        return this.tables.has(f(obj.name)) ? 'present' : 'absent';
      case 'index':
        return this.hasIndex(obj) ? 'present' : 'absent';
      case 'type':
        return this.types.has(f(obj.name)) ? 'present' : 'absent';
      case 'extension':
        // extensions are the database's, whatever the schema
        if (!this.extensions) return 'unknown';
        return this.extensions.get(obj.name) === true ? 'present' : 'absent';
      case 'label':
        // a label compares as written (case and all); a type missing here may be in another schema
        if (!this.labels) return 'unknown';
        if (!this.types.has(f(obj.table ?? ''))) return this.elsewhere ? 'unknown' : 'absent';
        return this.labels.has(`${f(obj.table ?? '')}\u001f${obj.name}`) ? 'present' : 'absent';
      default: {
        // the columns of a table in another schema on the search_path are not read
        if (!this.tables.has(f(obj.table ?? ''))) return this.elsewhere ? 'unknown' : 'absent';
        const set = obj.kind === 'column' ? this.columns : this.constraints;
        return set.has(`${f(obj.table ?? '')}\u001f${f(obj.name)}`) ? 'present' : 'absent';
      }
    }
  }
}
