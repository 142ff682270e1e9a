import { pyRepr } from '../../python/python-value.js';
import { AlembicRaise } from '../loading/alembic-raise.js';

/**
 * One value read from the version table, as the driver hands it to Alembic.
 * Strings are the normal case; NULL and non-strings only appear in tables a
 * human created by hand.
 */
export type StampValue = string | null | { readonly repr: string };

/**
 * The version table as Alembic's HeadMaintainer keeps it during a run: its set of heads, and the
 * rows each statement would match (the online rowcount check), with the statements issued.
 */
export class VersionRows {
  readonly heads: Set<string | null>;
  private readonly count = new Map<string | null, number>();
  /** The statements of the current step. */
  ops: string[] = [];

  constructor(
    rows: readonly StampValue[],
    private readonly table: string,
  ) {
    for (const row of rows) {
      const k = typeof row === 'string' || row === null ? row : row.repr;
      this.count.set(k, (this.count.get(k) ?? 0) + 1);
    }
    this.heads = new Set(this.count.keys());
  }

  /** `_insert_version`: `assert version not in self.heads`. */
  insert(v: string): void {
    if (this.heads.has(v)) throw new AlembicRaise('AssertionError', '', undefined, 'step');
    this.heads.add(v);
    this.count.set(v, 1);
    this.ops.push(`INSERT ${v}`);
  }

  /** `self.heads.remove(…)` runs before the SQL: a row the set lacks is a KeyError, not a rowcount error. */
  private remove(v: string): void {
    if (!this.heads.has(v)) throw new AlembicRaise('KeyError', pyRepr({ t: 'str', v }), v, 'step');
    this.heads.delete(v);
  }

  del(v: string): void {
    this.remove(v);
    const n = this.count.get(v) ?? 0;
    this.count.set(v, 0);
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
    const n = this.count.get(from) ?? 0;
    this.count.set(from, 0);
    this.count.set(to, (this.count.get(to) ?? 0) + n);
    this.ops.push(`UPDATE ${from} -> ${to}`);
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
    const out: (string | null)[] = [];
    for (const [k, n] of this.count) for (let i = 0; i < n; i++) out.push(k);
    return out.sort((a, b) => (a === null ? -1 : b === null ? 1 : a < b ? -1 : a > b ? 1 : 0));
  }
}
