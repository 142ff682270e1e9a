import type { LockFlag, LockStep } from './lock-facts.js';

/** A node of PostgreSQL's parse tree as libpg_query hands it over (JSON): `{ NodeType: { …fields } }`. */
type Node = Record<string, unknown>;

/** The statements of one `op.execute(…)`'s SQL, parsed by PostgreSQL's own parser (libpg_query). */
export interface ParsedSql {
  readonly stmts?: readonly { readonly stmt?: Node }[];
}

const VOLATILE = new Set([
  'random',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'txid_current',
  'statement_timestamp',
]);

/**
 * The lock steps of SQL run by a step at `line`, in the shape lock-facts.ts gives Alembic's calls (an
 * ALTER TABLE with several subcommands gives one step each), and what is not graded: a subcommand or
 * statement on a table whose lock this does not model. Statements that lock no existing table
 * (CREATE TABLE, SET, data changes) give nothing.
 */
export function sqlLockSteps(
  parsed: ParsedSql,
  line: number,
  conditional: boolean,
  schemaRead?: string,
): { steps: LockStep[]; unread: string[] } {
  const steps: LockStep[] = [];
  const unread: string[] = [];
  const step = (call: string, table: string, flags: LockFlag[] = [], extra: Partial<LockStep> = {}): void =>
    void steps.push({ call, table, flags, line, conditional, ...extra });
  const relname = (v: unknown): string | undefined => tableIn(v, schemaRead);
  for (const { stmt } of parsed.stmts ?? []) {
    const [kind, body] = Object.entries(stmt ?? {})[0] ?? [];
    const n = (body ?? {}) as Node;
    const one = (
      call: string,
      rel: unknown,
      what: string,
      flags: LockFlag[] = [],
      extra: Partial<LockStep> = {},
    ) => {
      const table = relname(rel);
      if (table !== undefined) step(call, table, flags, extra);
      else unread.push(outside(what, rel));
    };
    if (kind === 'ClusterStmt') {
      if (n['relation'] === undefined) unread.push('CLUSTER of every table');
      else one('cluster', n['relation'], 'CLUSTER');
    } else if (kind === 'VacuumStmt') {
      const options = list(n['options']).map((o) => String(((o['DefElem'] ?? {}) as Node)['defname']));
      // plain VACUUM and ANALYZE take SHARE UPDATE EXCLUSIVE, which the app's reads and writes never wait for
      if (n['is_vacuumcmd'] !== true || !options.includes('full')) continue;
      const rels = list(n['rels']);
      if (rels.length === 0) unread.push('VACUUM FULL of every table');
      for (const r of rels)
        one('vacuum_full', ((r['VacuumRelation'] ?? {}) as Node)['relation'], 'VACUUM FULL');
    } else if (kind === 'ReindexStmt') {
      const concurrently = list(n['params']).some(
        (o) => ((o['DefElem'] ?? {}) as Node)['defname'] === 'concurrently',
      );
      const flags: LockFlag[] = concurrently ? ['concurrently'] : [];
      if (field(n, 'kind') === 'REINDEX_OBJECT_TABLE') one('reindex', n['relation'], 'REINDEX TABLE', flags);
      else if (field(n, 'kind') === 'REINDEX_OBJECT_INDEX') {
        const index = relname(n['relation']);
        if (index !== undefined) step('reindex', '', flags, { index });
        else unread.push(outside('REINDEX INDEX', n['relation']));
      } else unread.push(`REINDEX ${String(n['kind']).replace('REINDEX_OBJECT_', '')}`);
    } else if (kind === 'LockStmt') {
      const mode = LOCK_STMT_MODES[typeof n['mode'] === 'number' ? n['mode'] : 8];
      for (const r of list(n['relations']))
        one('lock_table', r['RangeVar'], 'LOCK TABLE', [], mode !== undefined ? { lockMode: mode } : {});
    } else if (kind === 'UpdateStmt' || kind === 'DeleteStmt') {
      const call = kind === 'UpdateStmt' ? 'update_rows' : 'delete_rows';
      one(
        call,
        n['relation'],
        kind === 'UpdateStmt' ? 'UPDATE' : 'DELETE',
        n['whereClause'] ? ['where'] : [],
      );
    } else if (kind === 'AlterTableStmt' && field(n, 'objtype') === 'OBJECT_TABLE') {
      const table = relname(n['relation']);
      if (table === undefined) {
        unread.push(outside('ALTER TABLE', n['relation']));
        continue;
      }
      for (const c of list(n['cmds']))
        alterTableCmd(table, (c['AlterTableCmd'] ?? {}) as Node, step, unread, relname);
    } else if (kind === 'IndexStmt') {
      const table = relname(n['relation']);
      if (table !== undefined) step('create_index', table, n['concurrent'] === true ? ['concurrently'] : []);
      else unread.push(outside('CREATE INDEX', n['relation']));
    } else if (
      kind === 'DropStmt' &&
      (field(n, 'removeType') === 'OBJECT_INDEX' || field(n, 'removeType') === 'OBJECT_TABLE')
    ) {
      for (const o of list(n['objects'])) {
        const name = names(o).at(-1);
        if (name === undefined) continue;
        if (field(n, 'removeType') === 'OBJECT_TABLE') step('drop_table', name);
        else step('drop_index', '', n['concurrent'] === true ? ['concurrently'] : [], { index: name });
      }
    } else if (kind === 'RenameStmt') {
      const table = relname(n['relation']);
      if (table === undefined) {
        unread.push(outside('ALTER … RENAME', n['relation']));
        continue;
      }
      if (field(n, 'renameType') === 'OBJECT_TABLE') step('rename_table', table, ['rename']);
      else if (field(n, 'renameType') === 'OBJECT_COLUMN')
        step('alter_column', table, ['rename'], { column: String(n['subname']) });
      else unread.push(`ALTER … RENAME of a ${String(n['renameType']).replace('OBJECT_', '').toLowerCase()}`);
    } else if (kind !== undefined && !LIGHT.has(kind)) {
      // a statement whose lock this does not model, in SQL that names a table that holds rows: not graded
      unread.push(`${kind.replace(/Stmt$/u, '')} statement, whose lock is not modelled`);
    }
  }
  return { steps, unread };
}

/**
 * Statements that take no lock the app's reads or writes wait for on an existing table (or none at all):
 * reads, inserts, settings, new objects, comments and grants, and the statements modelled above.
 */
const LIGHT = new Set([
  'SelectStmt',
  'InsertStmt',
  'VariableSetStmt',
  'VariableShowStmt',
  'CreateStmt',
  'CreateTableAsStmt',
  'CreateSeqStmt',
  'AlterSeqStmt',
  'CreateEnumStmt',
  'AlterEnumStmt',
  'CompositeTypeStmt',
  'CreateDomainStmt',
  'CreateFunctionStmt',
  'CreateSchemaStmt',
  'CreateExtensionStmt',
  'ViewStmt',
  'CommentStmt',
  'GrantStmt',
  'GrantRoleStmt',
  'DoStmt',
  'TransactionStmt',
  'CallStmt',
  'AlterTableStmt',
  'IndexStmt',
  'DropStmt',
  'RenameStmt',
]);

/** LockStmt's mode number (PostgreSQL's lockdefs.h) as a mode's name. */
const LOCK_STMT_MODES: Readonly<Record<number, string>> = {
  1: 'ACCESS SHARE',
  2: 'ROW SHARE',
  3: 'ROW EXCLUSIVE',
  4: 'SHARE UPDATE EXCLUSIVE',
  5: 'SHARE',
  6: 'SHARE ROW EXCLUSIVE',
  7: 'EXCLUSIVE',
  8: 'ACCESS EXCLUSIVE',
};

function alterTableCmd(
  table: string,
  c: Node,
  step: (call: string, table: string, flags?: LockFlag[], extra?: Partial<LockStep>) => void,
  unread: string[],
  relname: (v: unknown) => string | undefined,
): void {
  const sub = field(c, 'subtype');
  const column = typeof c['name'] === 'string' ? { column: c['name'] } : {};
  switch (sub) {
    case 'AT_AddColumn': {
      const def = (((c['def'] ?? {}) as Node)['ColumnDef'] ?? {}) as Node;
      return step(
        'add_column',
        table,
        columnFlags(def),
        typeof def['colname'] === 'string' ? { column: def['colname'] } : {},
      );
    }
    case 'AT_DropColumn':
      return step('drop_column', table, [], column);
    case 'AT_AlterColumnType':
      return step('alter_column', table, ['type'], { ...column, ...typeOf(c['def']) });
    case 'AT_SetNotNull':
      return step('alter_column', table, ['not-null'], column);
    case 'AT_ColumnDefault':
    case 'AT_DropNotNull':
      return step('alter_column', table, [], column);
    case 'AT_DropConstraint':
      return step('drop_constraint', table);
    case 'AT_ValidateConstraint':
      // the constraint's name: a NOT NULL check validated by name lets a later SET NOT NULL skip its scan
      return step(
        'validate_constraint',
        table,
        [],
        typeof c['name'] === 'string' ? { data: { name: c['name'] } } : {},
      );
    case 'AT_AddConstraint': {
      const k = (((c['def'] ?? {}) as Node)['Constraint'] ?? {}) as Node;
      const notValid: LockFlag[] = k['skip_validation'] === true ? ['not-valid'] : [];
      switch (field(k, 'contype')) {
        case 'CONSTR_FOREIGN': {
          const references = relname(k['pktable']);
          return step('create_foreign_key', table, notValid, references !== undefined ? { references } : {});
        }
        case 'CONSTR_CHECK': {
          // a named `col IS NOT NULL` check, as fix writes it: a later SET NOT NULL can use it
          const name = typeof k['conname'] === 'string' ? k['conname'] : undefined;
          const condition = notNullCondition(k['raw_expr']);
          return step('create_check_constraint', table, notValid, {
            ...(name !== undefined ? { data: { name, ...(condition ? { condition } : {}) } } : {}),
          });
        }
        case 'CONSTR_UNIQUE':
        case 'CONSTR_PRIMARY':
        case 'CONSTR_EXCLUSION':
          // ADD CONSTRAINT … USING INDEX takes an index built before: no build under the lock
          return step(
            'create_unique_constraint',
            table,
            typeof k['indexname'] === 'string' ? ['using-index'] : [],
          );
        default:
          unread.push(`ALTER TABLE ${table} ADD CONSTRAINT of kind ${field(k, 'contype')}`);
          return;
      }
    }
    default:
      unread.push(`ALTER TABLE ${table} ${String(sub).replace(/^AT_/u, '')}`);
  }
}

/** `"col" IS NOT NULL` for a check that tests one column for NULL, else undefined. */
function notNullCondition(expr: unknown): string | undefined {
  const test = ((expr ?? {}) as Node)['NullTest'] as Node | undefined;
  if (!test || field(test, 'nulltesttype') !== 'IS_NOT_NULL') return undefined;
  const fields = list((((test['arg'] ?? {}) as Node)['ColumnRef'] as Node | undefined)?.['fields']);
  const only = fields.length === 1 ? ((fields[0]!['String'] ?? {}) as Node)['sval'] : undefined;
  return typeof only === 'string' ? `"${only.replaceAll('"', '""')}" IS NOT NULL` : undefined;
}

/** What a new column's definition says: its default (volatile or not), NOT NULL, identity or generation. */
function columnFlags(def: Node): LockFlag[] {
  const flags: LockFlag[] = [];
  for (const item of list(def['constraints'])) {
    const k = (item['Constraint'] ?? {}) as Node;
    const type = field(k, 'contype');
    if (type === 'CONSTR_NOTNULL' || type === 'CONSTR_PRIMARY') flags.push('not-null');
    else if (type === 'CONSTR_IDENTITY' || type === 'CONSTR_GENERATED') flags.push('identity-or-computed');
    else if (type === 'CONSTR_DEFAULT') flags.push(defaultFlag(k['raw_expr']));
  }
  return flags;
}

/** A default expression: volatile when it calls a volatile function anywhere, else stored once. */
function defaultFlag(expr: unknown): LockFlag {
  let volatile = false;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v === null || typeof v !== 'object') return;
    const call = (v as Node)['FuncCall'] as Node | undefined;
    if (call && names({ List: { items: call['funcname'] } }).some((f) => VOLATILE.has(f))) volatile = true;
    for (const x of Object.values(v)) walk(x);
  };
  walk(expr);
  return volatile ? 'default-volatile' : 'default-constant';
}

/** A statement on a table in another schema than the one whose sizes were read. */
function outside(what: string, rel: unknown): string {
  const r = (rel ?? {}) as Node;
  return `${what} on ${String(r['schemaname'] ?? '?')}.${String(r['relname'] ?? '?')}, outside the schema read`;
}

function field(n: Node, key: string): string | undefined {
  return typeof n[key] === 'string' ? n[key] : undefined;
}

function list(v: unknown): Node[] {
  return Array.isArray(v) ? (v as Node[]) : [];
}

/** A RangeVar's table name, unqualified or in the schema the catalog read (a table elsewhere is not the one it read). */
function tableIn(v: unknown, schemaRead: string | undefined): string | undefined {
  const r = (v ?? {}) as Node;
  if (typeof r['relname'] !== 'string') return undefined;
  return r['schemaname'] === undefined || (schemaRead !== undefined && r['schemaname'] === schemaRead)
    ? r['relname']
    : undefined;
}

/** The strings of a List node (a qualified name). */
function names(v: unknown): string[] {
  const items = list(((v ?? {}) as Node)['List'] ? ((v as Node)['List'] as Node)['items'] : []);
  return items.flatMap((i) =>
    typeof (i['String'] as Node | undefined)?.['sval'] === 'string'
      ? [String((i['String'] as Node)['sval'])]
      : [],
  );
}

/** ALTER COLUMN … TYPE's new type: its name (the last of a qualified one), varchar's length, and whether USING converts. */
function typeOf(def: unknown): { typeTo?: LockStep['typeTo'] } {
  const d = (((def ?? {}) as Node)['ColumnDef'] ?? {}) as Node;
  const t = (d['typeName'] ?? {}) as Node;
  const name = names({ List: { items: t['names'] } }).at(-1);
  if (name === undefined) return {};
  const mods = list(t['typmods']);
  const first = ((mods[0]?.['A_Const'] as Node | undefined)?.['ival'] as Node | undefined)?.['ival'];
  const length =
    mods.length === 0 ? undefined : mods.length === 1 && typeof first === 'number' ? first : 'unknown';
  return {
    typeTo: {
      name,
      ...(length !== undefined ? { length } : {}),
      ...(d['raw_default'] !== undefined ? { using: true as const } : {}),
    },
  };
}
