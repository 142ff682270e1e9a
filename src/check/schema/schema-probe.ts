import { revisionText, type ProjectModel } from '../../alembic/loading/project-model.js';
import type { StampResolution } from '../../alembic/graph/resolver.js';
import type { UpgradePrediction } from '../../alembic/graph/upgrade-plan.js';
import type { VersionTableState } from '../../database/version-table.js';
import { schemaOps, type ObjectKind, type ObjectRef, type SchemaOp } from './schema-ops.js';
import type { UpgradeClash } from './schema-object.js';
import { SchemaState, type Evidence } from './schema-state.js';
import { Catalog } from './catalog.js';
import { clashError } from './describe-object.js';
import { uncaught } from './try-catches.js';

export type { UpgradeClash } from './schema-object.js';

/** An object whose presence in the database differs from what the stamped revisions left. */
export interface StampMismatch {
  readonly obj: ObjectRef;
  /** present: a stamped revision (or one below it) creates it and it is missing; absent: one drops it and it is there */
  readonly expected: 'present' | 'absent';
  readonly by: Evidence;
  readonly path: string;
}

/** How well the catalog matches the schema each revision leaves. */
export interface SchemaMatch {
  readonly revision: string;
  readonly agree: number;
  readonly of: number;
  /** Of the objects that agree, those the catalog has (the rest agree by being absent). */
  readonly present: number;
}

export interface SchemaProbe {
  /** Objects compared with the catalog: at the stamp, and the pending steps' checks. */
  readonly checked: number;
  /** Objects the migrations name that the reading could not follow (not compared). */
  readonly unknown: number;
  readonly behind: readonly StampMismatch[];
  readonly clash?: UpgradeClash;
  /** The first step under if, for or try that would fail, when it runs before any certain clash. */
  readonly maybe?: UpgradeClash;
  /** The catalog could not be read: why (the probes then claim nothing). */
  readonly unavailable?: string;
  /** For unknown rows and missing work: the revisions the catalog matches, best first ([]: no evidence). */
  readonly matches?: readonly SchemaMatch[];
  /** The tables each pending revision certainly creates (the first-run rule's facts). */
  readonly createdTables: ReadonlyMap<
    string,
    { readonly path: string; readonly tables: readonly { readonly name: string; readonly line: number }[] }
  >;
}

/**
 * Sets what the migrations say against the catalog, read-only: the schema the stamped revisions
 * leave (replayed from the first revision), and the pending steps run against the schema as it is.
 */
export function probeSchema(
  model: ProjectModel,
  state: VersionTableState,
  stamps: readonly StampResolution[],
  prediction: UpgradePrediction,
  read?: ReadonlyMap<string, readonly SchemaOp[]>,
): SchemaProbe | undefined {
  if (!state.catalog || !state.tables) return undefined;
  const ops = opsReader(model, read);
  const createdTables = new Map<string, { path: string; tables: { name: string; line: number }[] }>();
  for (const step of prediction.steps) {
    const tables = ops(step.revision).flatMap((o) =>
      o.op === 'create' && o.strict && o.obj.kind === 'table' ? [{ name: o.obj.name, line: o.line }] : [],
    );
    if (tables.length > 0) createdTables.set(step.revision, { path: ops.path(step.revision), tables });
  }
  if ('unreadable' in state.catalog)
    return { checked: 0, unknown: 0, behind: [], unavailable: state.catalog.unreadable, createdTables };
  const catalog = new Catalog(state, state.catalog);
  let checked = 0;
  let unknown = 0;
  const behind: StampMismatch[] = [];
  let matches: SchemaMatch[] | undefined;
  const stamped = stamps.flatMap((s) => (s.how === 'failed' ? [] : s.revisions));
  if (stamps.some((s) => s.how === 'failed')) {
    matches = matchRevisions(model, ops, catalog);
  } else if (stamped.length > 0) {
    const replay = new SchemaState(() => 'unknown', catalog.fold);
    for (const rev of pathTo(model, stamped)) for (const op of ops(rev)) replay.apply(op, rev);
    const cmp = compare(replay, catalog);
    checked += cmp.checked;
    unknown += cmp.unknown;
    for (const m of cmp.mismatches) behind.push({ ...m, path: ops.path(m.by.revision) });
    if (behind.length > 0) matches = matchRevisions(model, ops, catalog);
  }
  let clash: UpgradeClash | undefined;
  let maybe: UpgradeClash | undefined;
  if (prediction.willSucceed && (stamped.length > 0 || state.rows.length === 0)) {
    const run = upgradeAgainst(catalog, prediction, ops, (c) => raisedClass(clashError(c, state)));
    checked += run.checked;
    unknown += run.unknown;
    clash = run.clash;
    maybe = run.maybe;
  }
  return {
    checked,
    unknown,
    behind: collapse(behind),
    ...(clash ? { clash } : {}),
    ...(maybe ? { maybe } : {}),
    ...(matches ? { matches } : {}),
    createdTables,
  };
}

export type OpsReader = ((revision: string) => readonly SchemaOp[]) & { path: (revision: string) => string };

/** Each revision's steps, read once (`early`: by file, taken while the model read the files). */
export function opsReader(model: ProjectModel, early?: ReadonlyMap<string, readonly SchemaOp[]>): OpsReader {
  const kept = new Map<string, readonly SchemaOp[]>();
  const read = (revision: string): readonly SchemaOp[] => {
    let ops = kept.get(revision);
    if (ops === undefined) {
      const rev = model.map.byKey.get(revision);
      const taken = rev ? early?.get(rev.file.absPath) : undefined;
      if (taken) {
        kept.set(revision, taken);
        return taken;
      }
      const text = rev ? revisionText(model, rev.file.absPath) : undefined;
      ops =
        text === undefined
          ? [
              {
                op: 'forget',
                kind: null,
                table: null,
                name: null,
                line: 1,
                why: 'the file could not be read',
              },
            ]
          : schemaOps(text);
      kept.set(revision, ops);
    }
    return ops;
  };
  return Object.assign(read, {
    path: (revision: string) => model.map.byKey.get(revision)?.file.path ?? revision,
  });
}

/**
 * The revisions below and at `tips` (dependencies included), each after everything below it: the
 * order an upgrade from an empty database runs them in, up to the order of parallel branches.
 */
export function pathTo(model: ProjectModel, tips: readonly string[]): string[] {
  const out: string[] = [];
  const done = new Set<string>();
  for (const tip of tips) {
    const stack: { id: string; expanded: boolean }[] = [{ id: tip, expanded: false }];
    while (stack.length > 0) {
      const top = stack.pop()!;
      if (done.has(top.id)) continue;
      if (top.expanded) {
        done.add(top.id);
        out.push(top.id);
        continue;
      }
      stack.push({ id: top.id, expanded: true });
      const rev = model.map.byKey.get(top.id);
      for (const down of [...(rev?.allDown ?? [])].reverse())
        if (!done.has(down) && model.map.byKey.has(down)) stack.push({ id: down, expanded: false });
    }
  }
  return out;
}

/** The replay's objects set against the catalog. */
function compare(
  replay: SchemaState,
  catalog: Catalog,
): {
  checked: number;
  unknown: number;
  agree: number;
  mismatches: { obj: ObjectRef; expected: 'present' | 'absent'; by: Evidence }[];
} {
  let checked = 0;
  let unknown = 0;
  let agree = 0;
  const mismatches: { obj: ObjectRef; expected: 'present' | 'absent'; by: Evidence }[] = [];
  for (const { obj, state, by } of replay.objects()) {
    if (!catalog.probes(obj.kind)) continue;
    const actual = catalog.has(obj);
    if (state === 'unknown' || actual === 'unknown' || !by) {
      unknown++;
      continue;
    }
    checked++;
    if (state === actual) agree++;
    else mismatches.push({ obj, expected: state, by });
  }
  return { checked, unknown, agree, mismatches };
}

/** A missing table's columns, constraints and indexes, and a missing type's labels, say nothing more: only the table or type is reported. */
function collapse(behind: readonly StampMismatch[]): StampMismatch[] {
  const missing = (kind: ObjectKind): Set<string> =>
    new Set(behind.filter((m) => m.obj.kind === kind && m.expected === 'present').map((m) => m.obj.name));
  const tables = missing('table');
  const types = missing('type');
  return behind.filter(
    (m) =>
      m.obj.kind === 'table' ||
      !(
        m.expected === 'present' &&
        m.obj.table !== undefined &&
        (m.obj.kind === 'label' ? types : tables).has(m.obj.table)
      ),
  );
}

/**
 * The pending steps run against the catalog: the first that creates an object already there, or
 * drops, alters, renames or adds to one that is not, is where Alembic stops. Only steps the reading is
 * sure of count; a step under if, for or try that would fail is kept apart (`maybe`): it may not run.
 */
function upgradeAgainst(
  catalog: Catalog,
  prediction: UpgradePrediction,
  ops: OpsReader,
  raised: (c: UpgradeClash) => string | undefined,
): { checked: number; unknown: number; clash?: UpgradeClash; maybe?: UpgradeClash } {
  const run = new SchemaState((obj) => catalog.has(obj), catalog.fold);
  // create_table makes an enum's type once per run of Alembic
  const madeTypes = new Set<string>();
  const counts = { checked: 0, unknown: 0 };
  let maybe: UpgradeClash | undefined;
  for (const step of prediction.steps) {
    // enum values this migration added in its transaction: PostgreSQL refuses their use until it commits
    const added = new Set<string>();
    for (const op of ops(step.revision)) {
      const at = (found: Found): UpgradeClash => ({
        ...found,
        revision: step.revision,
        path: ops.path(step.revision),
        line: op.line,
      });
      if (op.op === 'forget' && op.maybe) {
        const found = clashOf(op.maybe, run, catalog, new Set(madeTypes), { checked: 0, unknown: 0 });
        if (found && op.caught && catalog.postgres)
          return { ...counts, clash: { ...at(found), caught: true }, ...(maybe ? { maybe } : {}) };
        // elsewhere the transaction goes on: the error stops the upgrade when no except catches it
        const error = found && op.caught ? raised(at(found)) : undefined;
        if (found && error && uncaught(op.catches ?? 'all', error))
          return { ...counts, clash: at(found), ...(maybe ? { maybe } : {}) };
        if (found && !maybe) maybe = { ...at(found), maybe: true };
      } else if (op.op !== 'forget') {
        const found = clashOf(op, run, catalog, madeTypes, counts) ?? uncommittedUse(op, added, catalog);
        if (found) return { ...counts, clash: at(found), ...(maybe ? { maybe } : {}) };
        if (op.op === 'create' && op.obj.kind === 'label' && !op.committed && run.get(op.obj) === 'absent')
          added.add(`${op.obj.table}\u001f${op.obj.name}`);
      }
      run.apply(op, step.revision);
    }
  }
  return { ...counts, ...(maybe ? { maybe } : {}) };
}

/** A step that writes to an enum column a value the same migration added, not yet committed. */
function uncommittedUse(
  op: Exclude<SchemaOp, { op: 'forget' }>,
  added: ReadonlySet<string>,
  catalog: Catalog,
): Found | undefined {
  if (added.size === 0 || op.op !== 'need' || !op.values || op.obj.table === undefined) return undefined;
  const type = catalog.enumTypeOf(op.obj.table, op.obj.name);
  const value = type === undefined ? undefined : op.values.find((v) => added.has(`${type}\u001f${v}`));
  return value === undefined
    ? undefined
    : { obj: { kind: 'label', table: type!, name: value }, problem: 'uncommitted', does: 'alters' };
}

/** The SQLAlchemy class of an exception line (`sqlalchemy.exc.OperationalError: …` → OperationalError). */
function raisedClass(error: string | undefined): string | undefined {
  const prefix = 'sqlalchemy.exc.';
  return error?.startsWith(prefix) ? error.slice(prefix.length, error.indexOf(':')) : undefined;
}

type Found = Pick<UpgradeClash, 'obj' | 'problem' | 'batch' | 'recreates' | 'altered' | 'indexed' | 'does'>;

/** Whether one step fails on the schema as the run has it so far; counts what it compared. */
function clashOf(
  op: Exclude<SchemaOp, { op: 'forget' }>,
  run: SchemaState,
  catalog: Catalog,
  madeTypes: Set<string>,
  counts: { checked: number; unknown: number },
): Found | undefined {
  const batch =
    op.op !== 'rename' && op.batch
      ? {
          batch: true as const,
          ...((op.op === 'create' && op.obj.kind === 'column') || op.obj.kind === 'index'
            ? {}
            : { recreates: true as const }),
        }
      : {};
  // a step on a column, constraint or index of a table that is not there: the server names the table
  // (a label's: the type)
  const owner =
    (op.obj.kind === 'column' ||
      op.obj.kind === 'constraint' ||
      op.obj.kind === 'index' ||
      op.obj.kind === 'label') &&
    op.obj.table !== undefined &&
    catalog.probes('table') &&
    !catalog.elsewhere
      ? { kind: op.obj.kind === 'label' ? ('type' as const) : ('table' as const), name: op.obj.table }
      : undefined;
  if (owner && run.get(owner) === 'absent') {
    counts.checked++;
    return {
      obj: owner,
      problem: 'missing',
      does:
        op.op === 'create'
          ? 'adds to'
          : op.op === 'drop'
            ? 'drops'
            : op.op === 'rename'
              ? 'renames'
              : 'alters',
      ...(op.obj.kind === 'index' && op.op === 'create'
        ? { indexed: true as const }
        : { altered: true as const }),
      ...batch,
    };
  }
  if (!catalog.probes(op.obj.kind)) return undefined;
  // CREATE EXTENSION, IF NOT EXISTS or not, of one this database lacks and the server cannot install
  if (op.op === 'create' && op.obj.kind === 'extension' && run.get(op.obj) === 'absent') {
    const available = catalog.available(op.obj.name);
    if (available === false) {
      counts.checked++;
      return { obj: op.obj, problem: 'unavailable', does: 'creates' };
    }
  }
  // a batch on SQLite copies the table: adding a column that is there already replaces it
  const sqliteBatchAdd = op.op === 'create' && op.batch === true && catalog.sqlite;
  const checks =
    (op.op === 'create' && (op.strict || op.once) && !sqliteBatchAdd) ||
    (op.op === 'drop' && op.strict) ||
    op.op === 'need' ||
    op.op === 'rename';
  if (!checks) return undefined;
  const now = run.get(op.obj);
  if (now === 'unknown') counts.unknown++;
  else counts.checked++;
  if (op.op === 'create') {
    const first = !(op.once && madeTypes.has(catalog.fold(op.obj.name)));
    if (op.once) madeTypes.add(catalog.fold(op.obj.name));
    return now === 'present' && first
      ? { obj: op.obj, problem: 'exists', does: 'creates', ...batch }
      : undefined;
  }
  if (now !== 'absent') return undefined;
  // with several schemas on the search_path, a table, index or type missing here may be in another
  if (catalog.elsewhere && (op.obj.kind === 'table' || op.obj.kind === 'index' || op.obj.kind === 'type'))
    return undefined;
  // an ALTER TABLE, a rename or a statement on rows names a relation; only DROP TABLE says "table"
  const altered = op.op !== 'drop' && op.obj.kind === 'table' ? { altered: true as const } : {};
  const does = op.op === 'drop' ? 'drops' : op.op === 'rename' ? 'renames' : 'alters';
  return { obj: op.obj, problem: 'missing', does, ...altered, ...batch };
}

/** How well the catalog matches the schema each revision leaves, best first; undefined without a readable catalog. */
export function schemaMatches(model: ProjectModel, state: VersionTableState): SchemaMatch[] | undefined {
  if (!state.catalog || !state.tables || 'unreadable' in state.catalog || model.failure) return undefined;
  return matchRevisions(model, opsReader(model), new Catalog(state, state.catalog));
}

/**
 * For a row no file defines: the schema after each revision, along an order `alembic upgrade
 * heads` could run them in from an empty database, set against the catalog; an object a later revision
 * creates first counts as absent. Exact for a linear history.
 */
function matchRevisions(model: ProjectModel, ops: OpsReader, catalog: Catalog): SchemaMatch[] {
  const order = pathTo(model, model.map.heads);
  const replay = new SchemaState(() => 'unknown', catalog.fold);
  const later = new Map<string, { obj: ObjectRef; at: number }>();
  order.forEach((rev, at) => {
    for (const op of ops(rev)) {
      if (op.op === 'forget') continue;
      const key = replay.key(op.obj);
      if (!later.has(key)) later.set(key, { obj: op.obj, at: op.op === 'create' ? at : -1 });
    }
  });
  // an object a later revision creates first counts as absent up to it: its counts by that revision,
  // summed from the end, so that each revision adds the ones created after it
  const laterOf = new Array<number>(order.length + 1).fill(0);
  const laterAgree = new Array<number>(order.length + 1).fill(0);
  for (const { obj, at } of later.values()) {
    const actual = at >= 0 ? catalog.has(obj) : 'unknown';
    if (actual === 'unknown') continue;
    laterOf[at]!++;
    if (actual === 'absent') laterAgree[at]!++;
  }
  for (let i = order.length - 1; i >= 0; i--) {
    laterOf[i] = laterOf[i]! + laterOf[i + 1]!;
    laterAgree[i] = laterAgree[i]! + laterAgree[i + 1]!;
  }
  // what compare() counts, kept per object and updated only for the objects each revision touches
  const counted = new Map<string, Score>();
  let of = 0;
  let agree = 0;
  let present = 0;
  const rescore = (key: string): void => {
    const obj = replay.objectOf(key);
    if (!obj) return;
    const was = counted.get(key) ?? 0;
    const now = scoreOf(replay, catalog, obj);
    of += (now > 0 ? 1 : 0) - (was > 0 ? 1 : 0);
    agree += (now >= 2 ? 1 : 0) - (was >= 2 ? 1 : 0);
    present += (now === 3 ? 1 : 0) - (was === 3 ? 1 : 0);
    counted.set(key, now);
  };
  const scored = order.map((rev, at) => {
    for (const op of ops(rev)) replay.apply(op, rev);
    const touched = replay.takeTouched();
    if (touched === 'all') for (const { obj } of replay.objects()) rescore(replay.key(obj));
    else for (const key of touched) rescore(key);
    return { revision: rev, agree: agree + laterAgree[at + 1]!, of: of + laterOf[at + 1]!, present, at };
  });
  // a database without one object any migration creates agrees best with whichever revision creates
  // least: that is no evidence of where it stands, so nothing is ranked
  if (!scored.some((m) => m.present > 0)) return [];
  // fewest disagreements first; among equals the later revision (it explains more of the schema)
  return scored
    .filter((m) => m.of > 0)
    .sort((a, b) => a.of - a.agree - (b.of - b.agree) || b.agree - a.agree || b.at - a.at)
    .map(({ revision, agree, of, present }) => ({ revision, agree, of, present }));
}

/** One object as compare() counts it: 0 not compared (unknown on either side), 1 differs, 2 agrees absent, 3 agrees present. */
type Score = 0 | 1 | 2 | 3;
function scoreOf(replay: SchemaState, catalog: Catalog, obj: ObjectRef): Score {
  if (!catalog.probes(obj.kind)) return 0;
  const actual = catalog.has(obj);
  const { state, by } = replay.lookup(obj);
  if (state === 'unknown' || actual === 'unknown' || !by) return 0;
  if (state !== actual) return 1;
  return actual === 'present' ? 3 : 2;
}
