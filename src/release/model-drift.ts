import { revisionText, type ProjectModel } from '../alembic/loading/project-model.js';
import { predictUpgrade } from '../alembic/graph/upgrade-plan.js';
import { schemaOps } from '../check/schema/schema-ops.js';

/** The line the drift script prints its result on, after everything env.py and the app print. */
export const MODEL_DRIFT_MARKER = 'ALEMBIC_PREFLIGHT_MODELS';

/** Where a revision's upgrade() last touched a table, column, index or constraint. */
export interface Touch {
  readonly revision: string;
  readonly path: string;
  readonly line: number;
  /** What it touched: the object (users.email, ix_users_email) or, when no step names it, its table. */
  readonly of: string;
}

/** One difference between the models (env.py's target_metadata) and the schema the migrations made. */
export interface ModelDifference {
  /** Alembic's name for it: add_column (the models have it, the migrations do not), remove_index, modify_nullable, … */
  readonly kind: string;
  readonly table?: string;
  readonly column?: string;
  /** The first line: what differs, in words. */
  readonly summary: string;
  /** What the models say, and what the migrations made (the scratch database after `upgrade head`). */
  readonly models: string;
  readonly migrations: string;
  /** The revision that last touched the object (or its table), per the schema probes' reading. */
  readonly touched?: Touch;
}

export interface ModelDrift {
  /** env.py configures a target_metadata (false: nothing to compare, said once). */
  readonly metadata: boolean;
  readonly differences: readonly ModelDifference[];
}

type Raw = Readonly<Record<string, unknown>>;

/** The drift script's result from its output, or undefined when it printed none (it failed first). */
export function readModelDrift(
  output: string,
  touched: (
    kind: 'table' | 'column' | 'index' | 'constraint',
    table: string | undefined,
    name: string | undefined,
  ) => Touch | undefined,
): ModelDrift | undefined {
  const at = output.lastIndexOf(`\n${MODEL_DRIFT_MARKER} `);
  if (at < 0) return undefined;
  const line = output.slice(at + MODEL_DRIFT_MARKER.length + 2).split('\n')[0]!;
  let parsed: { metadata?: unknown; diffs?: unknown };
  try {
    parsed = JSON.parse(line) as { metadata?: unknown; diffs?: unknown };
  } catch {
    return undefined;
  }
  const diffs = Array.isArray(parsed.diffs) ? (parsed.diffs as Raw[]) : [];
  return { metadata: parsed.metadata !== false, differences: diffs.map((d) => difference(d, touched)) };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function list(v: unknown): string {
  return Array.isArray(v) ? v.map(String).join(', ') : '';
}

function difference(d: Raw, touched: Parameters<typeof readModelDrift>[1]): ModelDifference {
  const kind = str(d['kind']) ?? 'unknown';
  const table = str(d['table']);
  const column = str(d['column']);
  const name = str(d['name']);
  const [verb, what] = [kind.split('_')[0], kind.slice(kind.indexOf('_') + 1)];
  const owner = table ?? '?';
  const described = ((): { thing: string; detail: string; touch: Touch | undefined } => {
    switch (what) {
      case 'table':
        return { thing: `table ${owner}`, detail: '', touch: touched('table', table, table) };
      case 'column':
        return {
          thing: `column ${owner}.${column ?? '?'}`,
          detail: ` (${str(d['type']) ?? '?'}, ${d['nullable'] === false ? 'NOT NULL' : 'nullable'})`,
          touch: touched('column', table, column) ?? touched('table', table, table),
        };
      case 'index':
        return {
          thing: `${d['unique'] === true ? 'unique index' : 'index'} ${name ?? '(unnamed)'} on ${owner} (${list(d['columns'])})`,
          detail: '',
          touch: touched('index', table, name) ?? touched('table', table, table),
        };
      case 'fk':
        return {
          thing: `foreign key ${owner} (${list(d['columns'])}) to ${str(d['references']) ?? '?'}${name ? ` (${name})` : ''}`,
          detail: '',
          touch:
            touched('constraint', table, name) ??
            touched('column', table, (d['columns'] as string[] | undefined)?.[0]) ??
            touched('table', table, table),
        };
      case 'constraint':
        return {
          thing: `${str(d['constraint']) ?? 'constraint'} ${name ?? '(unnamed)'} on ${owner} (${list(d['columns'])})`,
          detail: '',
          touch: touched('constraint', table, name) ?? touched('table', table, table),
        };
      default:
        return {
          thing: str(d['text']) ?? kind,
          detail: '',
          touch: touched('column', table, column) ?? touched('table', table, table),
        };
    }
  })();
  const touch = described.touch ? { touched: described.touch } : {};
  const where = { ...(table !== undefined ? { table } : {}), ...(column !== undefined ? { column } : {}) };
  if (verb === 'add')
    return {
      kind,
      ...where,
      summary: `the models have ${described.thing}; the migrations do not make it`,
      models: `${described.thing}${described.detail}`,
      migrations: 'none',
      ...touch,
    };
  if (verb === 'remove')
    return {
      kind,
      ...where,
      summary: `the migrations make ${described.thing}; the models do not have it`,
      models: 'none',
      migrations: `${described.thing}${described.detail}`,
      ...touch,
    };
  // modify_nullable, modify_type, modify_default, modify_comment: one column's property
  const property =
    what === 'nullable'
      ? 'nullable'
      : what === 'type'
        ? 'type'
        : what === 'default'
          ? 'server default'
          : what;
  const say = (v: unknown): string =>
    what === 'nullable' ? (v === 'False' ? 'NOT NULL' : 'nullable') : (str(v) ?? 'none');
  return {
    kind,
    ...where,
    summary: `column ${owner}.${column ?? '?'}: the models and the migrations differ in its ${property}`,
    models: say(d['models']),
    migrations: say(d['database']),
    ...touch,
  };
}

/**
 * Which revision last touched each object, in upgrade order, from each file's upgrade() as the schema
 * probes read it: a difference names the revision to look at (or the one to write after).
 */
export function lastTouches(
  model: ProjectModel,
): (
  kind: 'table' | 'column' | 'index' | 'constraint',
  table: string | undefined,
  name: string | undefined,
) => Touch | undefined {
  const last = new Map<string, Omit<Touch, 'of'>>();
  const key = (kind: string, table: string | undefined, name: string | undefined): string =>
    `${kind}\u001f${kind === 'column' || kind === 'constraint' ? (table ?? '') : ''}\u001f${name ?? ''}`;
  for (const step of predictUpgrade(model.map, 'heads', []).steps) {
    const rev = model.map.byKey.get(step.revision);
    const text = rev ? revisionText(model, rev.file.absPath) : undefined;
    if (!rev || text === undefined) continue;
    for (const op of schemaOps(text)) {
      if (op.op === 'forget') continue;
      const touch = { revision: rev.id, path: rev.file.path, line: op.line };
      last.set(key(op.obj.kind, op.obj.table, op.obj.name), touch);
      // a step on a column or constraint touches its table too
      if (op.obj.table !== undefined) last.set(key('table', undefined, op.obj.table), touch);
      if (op.op === 'rename') last.set(key(op.obj.kind, op.obj.table, op.to), touch);
    }
  }
  return (kind, table, name) => {
    const found = name === undefined ? undefined : last.get(key(kind, table, name));
    return (
      found && {
        ...found,
        of: kind === 'column' || kind === 'constraint' ? `${table ?? '?'}.${name!}` : name!,
      }
    );
  };
}
