import { pyRepr } from '../../python/python-value.js';
import { AlembicRaise } from '../loading/alembic-raise.js';

/**
 * One value read from the version table, as the driver hands it to Alembic.
 * Strings are the normal case; NULL and non-strings only appear in tables a
 * human created by hand.
 */
export type StampValue = string | null | { readonly repr: string };

/**
 * How the server compares and constrains version_num: `fold` maps a value to what its collation
 * compares (MySQL's case-blind and space-padding collations; identity elsewhere), and `duplicate`,
 * where a key makes the column unique, is the error a second equal row raises.
 */
export interface VersionStorage {
  readonly fold: (v: string) => string;
  readonly duplicate?: (v: string) => AlembicRaise;
}

const EXACT: VersionStorage = { fold: (v) => v };

/**
 * The version table as Alembic's HeadMaintainer keeps it during a run: its set of heads (Python's
 * strings, compared exactly), and the rows each statement would match as the server compares them
 * (the online rowcount check), with the statements issued.
 */
export class VersionRows {
  readonly heads: Set<string | null>;
  /** The stored rows by what the server compares (NULL under null, a non-string under its repr). */
  private readonly stored = new Map<string | null, (string | null)[]>();
  /** The statements of the current step. */
  ops: string[] = [];

  constructor(
    rows: readonly StampValue[],
    private readonly table: string,
    private readonly storage: VersionStorage = EXACT,
  ) {
    const keys: (string | null)[] = [];
    for (const row of rows) {
      const k = typeof row === 'string' || row === null ? row : row.repr;
      keys.push(k);
      this.add(k);
    }
    this.heads = new Set(keys);
  }

  private key(v: string | null): string | null {
    return v === null ? null : this.storage.fold(v);
  }

  private add(v: string | null): void {
    const k = this.key(v);
    this.stored.set(k, [...(this.stored.get(k) ?? []), v]);
  }

  private matched(v: string): number {
    return this.stored.get(this.key(v))?.length ?? 0;
  }

  /** `_insert_version`: `assert version not in self.heads`, then the INSERT (which a unique key may refuse). */
  insert(v: string): void {
    if (this.heads.has(v)) throw new AlembicRaise('AssertionError', '', undefined, 'step');
    this.heads.add(v);
    this.ops.push(`INSERT ${v}`);
    if (this.storage.duplicate && this.matched(v) > 0) throw this.storage.duplicate(v);
    this.add(v);
  }

  /** `self.heads.remove(…)` runs before the SQL: a row the set lacks is a KeyError, not a rowcount error. */
  private remove(v: string): void {
    if (!this.heads.has(v)) throw new AlembicRaise('KeyError', pyRepr({ t: 'str', v }), v, 'step');
    this.heads.delete(v);
  }

  del(v: string): void {
    this.remove(v);
    const n = this.matched(v);
    this.stored.delete(this.key(v));
    this.ops.push(`DELETE ${v}`);
    if (n !== 1)
      throw new AlembicRaise(
        'CommandError',
        `Online migration expected to match one row when deleting '${v}' in '${this.table}'; ${n} found`,
        undefined,
        'step',
        { kind: 'rowcount' },
      );
  }

  update(from: string, to: string): void {
    if (this.heads.has(to)) throw new AlembicRaise('AssertionError', '', undefined, 'step');
    this.remove(from);
    this.heads.add(to);
    const n = this.matched(from);
    this.ops.push(`UPDATE ${from} -> ${to}`);
    // the UPDATE's new value meets another row the key holds equal to it
    if (this.storage.duplicate && n > 0 && this.key(to) !== this.key(from) && this.matched(to) > 0)
      throw this.storage.duplicate(to);
    this.stored.delete(this.key(from));
    for (let i = 0; i < n; i++) this.add(to);
    if (n !== 1)
      throw new AlembicRaise(
        'CommandError',
        `Online migration expected to match one row when updating '${from}' to '${to}' in '${this.table}'; ${n} found`,
        undefined,
        'step',
        { kind: 'rowcount' },
      );
  }

  /** The rows left (sorted; NULL first). */
  final(): (string | null)[] {
    const out = [...this.stored.values()].flat();
    return out.sort((a, b) => (a === null ? -1 : b === null ? 1 : a < b ? -1 : a > b ? 1 : 0));
  }
}
