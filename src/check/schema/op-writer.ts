import type { PyExpr } from '../../python/expression-reader.js';
import type { ObjectRef, SchemaOp } from './schema-object.js';
import type { Catches } from './try-catches.js';

/** A name's value where upgrade() or the module binds it; the expression itself otherwise. */
export type Resolve = (e: PyExpr) => PyExpr;

/** Adds steps, turning a conditional step into one that forgets its objects. */
export class OpWriter {
  constructor(
    readonly line: number,
    readonly conditional: boolean,
    private readonly ops: SchemaOp[],
    /** inside autocommit_block(): outside the migration's transaction */
    readonly autocommit = false,
    /** in try bodies only (no if or for), inside the migration's transaction: what their except clauses catch */
    readonly caught?: Catches,
  ) {}

  push(op: SchemaOp): void {
    if (!this.conditional || op.op === 'forget') {
      this.ops.push(this.autocommit && op.op === 'create' ? { ...op, committed: true } : op);
      return;
    }
    // what the step does when it runs stays with the forgetting, so that a step that would fail is
    // reported as one that may
    const why = 'a step under if, for, try or in a helper function';
    this.ops.push({
      ...forgetOf(op.obj, op.line, why),
      maybe: op,
      ...(op.op === 'need' ? { inert: true as const } : {}),
      ...(this.caught ? { caught: true as const, catches: this.caught } : {}),
    });
    if (op.op === 'need') return;
    if (op.op === 'rename') this.ops.push(forgetOf({ ...op.obj, name: op.to }, op.line, why));
  }
}

function forgetOf(obj: ObjectRef, line: number, why: string): SchemaOp & { op: 'forget' } {
  // an index is named schema-wide; its table is where it was made, not part of its identity
  return {
    op: 'forget',
    kind: obj.kind,
    table: obj.kind === 'index' || obj.kind === 'type' || obj.kind === 'table' ? null : (obj.table ?? null),
    name: obj.name,
    line,
    why,
  };
}

/** A step after which nothing is known: every object may have changed. */
export function everything(line: number, why: string): SchemaOp {
  return { op: 'forget', kind: null, table: null, name: null, line, why };
}
