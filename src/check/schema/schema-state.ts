import type { ObjectKind, ObjectRef, SchemaOp } from './schema-ops.js';

export type Presence = 'present' | 'absent' | 'unknown';

/** Where a step that set an object's presence is: the revision and its file's line. */
export interface Evidence {
  readonly revision: string;
  readonly line: number;
}

interface Entry {
  readonly obj: ObjectRef;
  readonly state: Presence;
  readonly seq: number;
  readonly by: Evidence;
}

interface Pattern {
  readonly kind: ObjectKind | null;
  readonly table: string | null;
  readonly name: string | null;
  readonly seq: number;
}

/** The objects a column or a constraint belongs to a table by: a fresh table has none of them until a step adds them. */
const OWNED = new Set<ObjectKind>(['column', 'constraint']);

/**
 * The schema as a replay of steps sees it: what the steps said last about each object, on top of a
 * base (unknown for a replay from the first revision; the catalog for an upgrade from the database
 * as it is). Later steps win: an object a step created after an unknown step is present again.
 * `fold` is how the server compares names (SQLite: case-blind).
 */
export class SchemaState {
  private seq = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly patterns: Pattern[] = [];
  /** the last create (fresh, empty) or drop of each table, for the columns and constraints it owns */
  private readonly tableEvents = new Map<string, { seq: number; created: boolean; by: Evidence }>();
  /** a table renamed in the replay: the name the base knows it by */
  private readonly origins = new Map<string, string>();
  private readonly indexOwner = new Map<string, string>();

  constructor(
    private readonly base: (obj: ObjectRef) => Presence,
    readonly fold: (name: string) => string = (n) => n,
  ) {}

  key(obj: ObjectRef): string {
    const table = obj.kind === 'column' || obj.kind === 'constraint' ? this.fold(obj.table ?? '') : '';
    return `${obj.kind}\u001f${table}\u001f${this.fold(obj.name)}`;
  }

  get(obj: ObjectRef): Presence {
    return this.lookup(obj).state;
  }

  /** The presence with the step that set it (none when it comes from the base or an unknown step). */
  lookup(obj: ObjectRef): { state: Presence; by?: Evidence } {
    const entry = this.entries.get(this.key(obj));
    let best: { seq: number; state: Presence; by?: Evidence } = { seq: -1, state: 'unknown' };
    if (entry) best = { seq: entry.seq, state: entry.state, by: entry.by };
    for (const p of this.patterns) if (p.seq > best.seq && this.matches(p, obj)) best = { seq: p.seq, state: 'unknown' };
    if (OWNED.has(obj.kind) && obj.table !== undefined) {
      const ev = this.tableEvents.get(this.fold(obj.table));
      if (ev && ev.seq > best.seq) best = { seq: ev.seq, state: 'absent', by: ev.by };
    }
    if (best.seq >= 0) return best.by ? { state: best.state, by: best.by } : { state: best.state };
    const origin = obj.table !== undefined ? this.origins.get(this.fold(obj.table)) : undefined;
    return { state: this.base(origin !== undefined ? { ...obj, table: origin } : obj) };
  }

  private matches(p: Pattern, obj: ObjectRef): boolean {
    if (p.kind !== null && p.kind !== obj.kind) return false;
    if (p.name !== null && this.fold(p.name) !== this.fold(obj.name)) return false;
    if (p.table === null) return true;
    if (obj.kind === 'table') return this.fold(p.table) === this.fold(obj.name);
    if (obj.kind === 'index') return this.indexOwner.get(this.fold(obj.name)) === this.fold(p.table);
    return obj.table !== undefined && this.fold(p.table) === this.fold(obj.table);
  }

  private set(obj: ObjectRef, state: Presence, by: Evidence, seq = ++this.seq): void {
    this.entries.set(this.key(obj), { obj, state, seq, by });
  }

  apply(op: SchemaOp, revision: string): void {
    const by = { revision, line: op.line };
    switch (op.op) {
      case 'create':
        this.set(op.obj, 'present', by);
        if (op.obj.kind === 'table') this.tableEvents.set(this.fold(op.obj.name), { seq: this.seq, created: true, by });
        if (op.obj.kind === 'index' && op.obj.table !== undefined) this.indexOwner.set(this.fold(op.obj.name), this.fold(op.obj.table));
        this.origins.delete(op.obj.kind === 'table' ? this.fold(op.obj.name) : '');
        return;
      case 'drop':
        this.set(op.obj, 'absent', by);
        if (op.obj.kind === 'table') this.dropTable(op.obj.name, by);
        return;
      case 'need':
        return;
      case 'forget':
        this.patterns.push({ kind: op.kind, table: op.table, name: op.name, seq: ++this.seq });
        return;
      case 'rename':
        return this.rename(op.obj, op.to, by);
    }
  }

  private dropTable(name: string, by: Evidence): void {
    const t = this.fold(name);
    this.tableEvents.set(t, { seq: this.seq, created: false, by });
    this.origins.delete(t);
    for (const [index, owner] of this.indexOwner) if (owner === t) this.set({ kind: 'index', name: index, table: name }, 'absent', by, this.seq);
  }

  private rename(obj: ObjectRef, to: string, by: Evidence): void {
    if (obj.kind !== 'table') {
      const was = this.lookup(obj).state;
      this.set(obj, 'absent', by);
      this.set({ ...obj, name: to }, was, by, this.seq);
      return;
    }
    const from = this.fold(obj.name);
    const dest = this.fold(to);
    const was = this.lookup(obj).state;
    const seq = ++this.seq;
    // what the steps said of the table's columns, constraints and indexes moves with it
    for (const e of [...this.entries.values()]) {
      if (OWNED.has(e.obj.kind) && e.obj.table !== undefined && this.fold(e.obj.table) === from) {
        this.entries.set(this.key({ ...e.obj, table: to }), { ...e, obj: { ...e.obj, table: to } });
      }
    }
    for (const p of [...this.patterns]) if (p.table !== null && this.fold(p.table) === from) this.patterns.push({ ...p, table: to });
    for (const [index, owner] of this.indexOwner) if (owner === from) this.indexOwner.set(index, dest);
    const ev = this.tableEvents.get(from);
    if (ev) this.tableEvents.set(dest, ev);
    else this.tableEvents.delete(dest);
    this.origins.set(dest, this.origins.get(from) ?? obj.name);
    this.set({ kind: 'table', name: to }, was, by, seq);
    this.set(obj, 'absent', by, seq);
    this.tableEvents.set(from, { seq, created: false, by });
    this.origins.delete(from);
  }

  /** Every object a step named, with what the replay says of it now. */
  *objects(): Generator<{ obj: ObjectRef; state: Presence; by?: Evidence }> {
    for (const e of this.entries.values()) yield { obj: e.obj, ...this.lookup(e.obj) };
  }
}
