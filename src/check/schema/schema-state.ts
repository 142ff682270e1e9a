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
  private readonly patternKeys = new Set<string>();
  /** the last create (fresh, empty) or drop of each table, for the columns and constraints it owns */
  private readonly tableEvents = new Map<string, { seq: number; created: boolean; by: Evidence }>();
  /** the last drop of each type: its labels are gone with it */
  private readonly typeDrops = new Map<string, { seq: number; by: Evidence }>();
  /** the last step after which each type's labels are unknown (made or renamed): kept apart from the patterns, which every lookup walks */
  private readonly labelsForgotten = new Map<string, number>();
  /** a table renamed in the replay: the name the base knows it by */
  private readonly origins = new Map<string, string>();
  private readonly indexOwner = new Map<string, string>();
  /** the keys of the columns and constraints each table has entries for (a table's events change them all) */
  private readonly ownedBy = new Map<string, Set<string>>();
  /** the keys whose presence may have changed since takeTouched(); 'all' after a step that may touch any */
  private touched: Set<string> | 'all' = new Set();

  constructor(
    private readonly base: (obj: ObjectRef) => Presence,
    readonly fold: (name: string) => string = (n) => n,
  ) {}

  key(obj: ObjectRef): string {
    const table = OWNED.has(obj.kind) || obj.kind === 'label' ? this.fold(obj.table ?? '') : '';
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
    for (const p of this.patterns)
      if (p.seq > best.seq && this.matches(p, obj)) best = { seq: p.seq, state: 'unknown' };
    if (OWNED.has(obj.kind) && obj.table !== undefined) {
      const ev = this.tableEvents.get(this.fold(obj.table));
      if (ev && ev.seq > best.seq) best = { seq: ev.seq, state: 'absent', by: ev.by };
    }
    if (obj.kind === 'label' && obj.table !== undefined) {
      const ev = this.typeDrops.get(this.fold(obj.table));
      if (ev && ev.seq > best.seq) best = { seq: ev.seq, state: 'absent', by: ev.by };
      const forgotten = this.labelsForgotten.get(this.fold(obj.table));
      if (forgotten !== undefined && forgotten > best.seq) best = { seq: forgotten, state: 'unknown' };
    }
    if (best.seq >= 0) return best.by ? { state: best.state, by: best.by } : { state: best.state };
    const origin = obj.table !== undefined ? this.origins.get(this.fold(obj.table)) : undefined;
    return { state: this.base(origin !== undefined ? { ...obj, table: origin } : obj) };
  }

  private matches(p: Pattern, obj: ObjectRef): boolean {
    // what a step may do to a type it may do to the type's labels
    if (p.kind === 'type' && obj.kind === 'label')
      return this.matches(p, { kind: 'type', name: obj.table ?? '' });
    if (p.kind !== null && p.kind !== obj.kind) return false;
    if (p.name !== null && this.fold(p.name) !== this.fold(obj.name)) return false;
    if (p.table === null) return true;
    if (obj.kind === 'table') return this.fold(p.table) === this.fold(obj.name);
    if (obj.kind === 'index') return this.indexOwner.get(this.fold(obj.name)) === this.fold(p.table);
    return obj.table !== undefined && this.fold(p.table) === this.fold(obj.table);
  }

  private set(obj: ObjectRef, state: Presence, by: Evidence, seq = ++this.seq): void {
    this.put({ obj, state, seq, by });
  }

  private addPattern(p: Pattern): void {
    const key = `${p.kind}\u001f${p.table === null ? '' : this.fold(p.table)}\u001f${p.name === null ? '' : this.fold(p.name)}\u001f${p.table === null}\u001f${p.name === null}\u001f${p.seq}`;
    if (this.patternKeys.has(key)) return;
    this.patternKeys.add(key);
    this.patterns.push(p);
  }

  private put(entry: Entry): void {
    const key = this.key(entry.obj);
    this.entries.set(key, entry);
    if ((OWNED.has(entry.obj.kind) || entry.obj.kind === 'label') && entry.obj.table !== undefined) {
      const t = this.ownerKey(entry.obj.kind, entry.obj.table);
      const keys = this.ownedBy.get(t) ?? new Set<string>();
      keys.add(key);
      this.ownedBy.set(t, keys);
    }
    this.touch(key);
  }

  /** Where ownedBy files an object: under its table, or (a label) under its type. */
  private ownerKey(kind: ObjectKind, owner: string): string {
    return kind === 'label' ? `type\u001f${this.fold(owner)}` : this.fold(owner);
  }

  private touch(key: string): void {
    if (this.touched !== 'all') this.touched.add(key);
  }

  /** The columns and constraints of a table, and its indexes: what an event of the table changes. */
  private touchTable(table: string): void {
    for (const key of this.ownedBy.get(table) ?? []) this.touch(key);
    for (const [index, owner] of this.indexOwner)
      if (owner === table) this.touch(this.key({ kind: 'index', name: index }));
  }

  /**
   * The keys of the objects whose presence may have changed since the last call ('all' when a step
   * could change any): for scoring a replay step by step without comparing every object each time.
   */
  takeTouched(): ReadonlySet<string> | 'all' {
    const t = this.touched;
    this.touched = new Set();
    return t;
  }

  /** The object a key stands for, when a step named it. */
  objectOf(key: string): ObjectRef | undefined {
    return this.entries.get(key)?.obj;
  }

  apply(op: SchemaOp, revision: string): void {
    const by = { revision, line: op.line };
    switch (op.op) {
      case 'create':
        this.set(op.obj, 'present', by);
        if (op.obj.kind === 'table') {
          this.tableEvents.set(this.fold(op.obj.name), { seq: this.seq, created: true, by });
          this.touchTable(this.fold(op.obj.name));
        }
        if (op.obj.kind === 'index' && op.obj.table !== undefined)
          this.indexOwner.set(this.fold(op.obj.name), this.fold(op.obj.table));
        // a type made here has the labels its definition lists, which the steps do not carry; one that was
        // there already (checkfirst) keeps its own: either way its labels are unknown
        if (op.obj.kind === 'type') this.forgetLabels(op.obj.name);
        this.origins.delete(op.obj.kind === 'table' ? this.fold(op.obj.name) : '');
        return;
      case 'drop':
        this.set(op.obj, 'absent', by);
        if (op.obj.kind === 'table') this.dropTable(op.obj.name, by);
        if (op.obj.kind === 'type') {
          this.typeDrops.set(this.fold(op.obj.name), { seq: this.seq, by });
          this.touchLabels(op.obj.name);
        }
        return;
      case 'need':
        return;
      case 'forget':
        if (op.inert) return;
        if (op.kind === 'label' && op.table !== null) {
          if (op.name === null) return this.forgetLabels(op.table);
          this.addPattern({ kind: 'label', table: op.table, name: op.name, seq: ++this.seq });
          return this.touch(this.key({ kind: 'label', table: op.table, name: op.name }));
        }
        this.addPattern({ kind: op.kind, table: op.table, name: op.name, seq: ++this.seq });
        if (op.table === null) this.touched = 'all';
        else {
          this.touchTable(this.fold(op.table));
          this.touch(this.key({ kind: 'table', name: op.table }));
        }
        return;
      case 'rename':
        return this.rename(op.obj, op.to, by);
    }
  }

  private dropTable(name: string, by: Evidence): void {
    const t = this.fold(name);
    this.tableEvents.set(t, { seq: this.seq, created: false, by });
    this.touchTable(t);
    this.origins.delete(t);
    for (const [index, owner] of this.indexOwner)
      if (owner === t) this.set({ kind: 'index', name: index, table: name }, 'absent', by, this.seq);
  }

  /** The labels of a type become unknown from here on. */
  private forgetLabels(type: string): void {
    this.labelsForgotten.set(this.fold(type), ++this.seq);
    this.touchLabels(type);
  }

  /** The labels of a type the steps named: what an event of the type changes. */
  private touchLabels(type: string): void {
    for (const key of this.ownedBy.get(this.ownerKey('label', type)) ?? []) this.touch(key);
  }

  private rename(obj: ObjectRef, to: string, by: Evidence): void {
    if (obj.kind === 'type') {
      // the labels go with the type; the reading does not follow them
      this.forgetLabels(obj.name);
      this.forgetLabels(to);
    }
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
    this.touchTable(from);
    this.touchTable(dest);
    for (const key of [...(this.ownedBy.get(from) ?? [])]) {
      const e = this.entries.get(key)!;
      this.put({ ...e, obj: { ...e.obj, table: to } });
    }
    // the table's unknown steps go with it, each once per name (tables renamed back and forth)
    for (const p of [...this.patterns])
      if (p.table !== null && this.fold(p.table) === from) this.addPattern({ ...p, table: to });
    for (const [index, owner] of this.indexOwner) {
      if (owner !== from) continue;
      this.indexOwner.set(index, dest);
      this.touch(this.key({ kind: 'index', name: index }));
    }
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
