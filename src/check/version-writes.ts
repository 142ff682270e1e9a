import type { UpgradePrediction } from '../alembic/graph/upgrade-plan.js';
import type {
  RowPolicy,
  VersionRelation,
  VersionTableState,
  WriteCommand,
} from '../database/version-table.js';
import { sqlTableName } from '../database/quote-ident.js';

/** A write Alembic's version-table changes cannot make, as PostgreSQL decides it. */
export interface WriteBlocked {
  readonly why: string;
  readonly fix: string;
  readonly alembic?: string;
}

/** What the catalog says of the writes Alembic will make to an existing version table. */
export interface VersionWrites {
  /** The first write that certainly fails (or is silently dropped). */
  readonly blocked?: WriteBlocked;
  /** Server-side code that runs on a write and may refuse it: triggers, rules, row-security expressions. */
  readonly unknown: readonly string[];
}

interface Op {
  readonly cmd: WriteCommand;
  readonly text: string;
}

/**
 * Follows each predicted version-table statement through what PostgreSQL does with it, in its order:
 * privileges, a relation that cannot take the command, a DO INSTEAD NOTHING rule, row security,
 * then code the server runs (triggers, other rules, policy expressions) that only running can judge.
 */
export function versionWrites(
  state: VersionTableState,
  prediction: UpgradePrediction,
  t: VersionRelation,
): VersionWrites {
  const ops: Op[] = prediction.steps.flatMap((s) =>
    s.versionOps.map((text) => ({ cmd: text.split(' ', 1)[0] as WriteCommand, text })),
  );
  const table = sqlTableName(state.versionTable, state.versionTableSchema);
  const name = state.versionTable;
  const needs = (['INSERT', 'UPDATE', 'DELETE'] as const).filter(
    (cmd) => ops.some((o) => o.cmd === cmd) && !t[cmd.toLowerCase() as 'insert' | 'update' | 'delete'],
  );
  if (needs.length > 0) {
    return {
      blocked: {
        why: `the version-table changes need ${needs.join(', ')} on ${table}, which this role does not have`,
        fix: `GRANT ${needs.join(', ')} ON ${table} TO <this role>, or migrate with the credential that owns the schema.`,
        alembic: `sqlalchemy.exc.ProgrammingError: (psycopg2.errors.InsufficientPrivilege) permission denied for table ${name}`,
      },
      unknown: [],
    };
  }
  if (t.kind === 'm') {
    return {
      blocked: {
        why: `${table} is a materialized view, which no UPDATE can change`,
        fix: 'Replace it with the table Alembic creates (version_num varchar(32) primary key).',
        alembic: `sqlalchemy.exc.ProgrammingError: (psycopg2.errors.WrongObjectType) cannot change materialized view "${name}"`,
      },
      unknown: [],
    };
  }
  const unknown = new Set<string>();
  for (const op of ops) {
    const blocked = opBlocked(op, t, table, name) ?? rowSecurityBlocks(op, t, table, name);
    if (blocked) return { blocked, unknown: [...unknown] };
    for (const u of opUnknown(op.cmd, t, table)) unknown.add(u);
  }
  return { unknown: [...unknown] };
}

const VERB: Readonly<Record<WriteCommand, string>> = {
  INSERT: 'insert into',
  UPDATE: 'update',
  DELETE: 'delete from',
};

function opBlocked(op: Op, t: VersionRelation, table: string, name: string): WriteBlocked | undefined {
  if (t.updatable && !t.updatable.includes(op.cmd)) {
    if (t.kind === 'v') {
      return {
        why: `${table} is a view PostgreSQL cannot ${op.cmd} (not a simple view of one table, and no INSTEAD OF trigger or rule), and Alembic's version-table change is \`${op.text}\``,
        fix: 'Replace the view with the table Alembic creates (version_num varchar(32) primary key), or give the view an INSTEAD OF trigger that writes the real table.',
        alembic: `sqlalchemy.exc.OperationalError: (psycopg2.errors.ObjectNotInPrerequisiteState) cannot ${VERB[op.cmd]} view "${name}"`,
      };
    }
    // the wrapper decides the exact words: "cannot update foreign table" or "… does not allow updates"
    return {
      why: `${table} is a foreign table whose wrapper takes no ${op.cmd}, and Alembic's version-table change is \`${op.text}\`: PostgreSQL refuses it ("cannot ${VERB[op.cmd]} foreign table")`,
      fix: 'Keep the version table as a local table in the database being migrated (version_num varchar(32) primary key).',
    };
  }
  if (op.cmd === 'INSERT') {
    // SQLAlchemy sends Alembic's INSERT with RETURNING version_num (a primary key given as SQL), which
    // an unconditional DO INSTEAD rule must supply itself
    const instead = t.rules?.find((r) => r.on === 'INSERT' && r.instead && !r.returning);
    if (!instead) return undefined;
    return {
      why: `rule ${instead.name} on ${table} replaces Alembic's \`${op.text}\` (DO INSTEAD) with no RETURNING clause, and SQLAlchemy sends that INSERT with RETURNING version_num`,
      fix: `DROP RULE ${instead.name} ON ${table};`,
      alembic: `sqlalchemy.exc.NotSupportedError: (psycopg2.errors.FeatureNotSupported) cannot perform INSERT RETURNING on relation "${name}"`,
    };
  }
  const nothing = t.rules?.find((r) => r.on === op.cmd && r.nothing);
  if (!nothing) return undefined;
  return {
    why: `rule ${nothing.name} on ${table} turns Alembic's \`${op.text}\` into nothing (DO INSTEAD NOTHING), so it matches no row`,
    fix: `DROP RULE ${nothing.name} ON ${table};`,
    alembic: zeroRows(op, name),
  };
}

/** Alembic checks the rowcount of its UPDATE and DELETE, and raises when it is not 1. */
function zeroRows(op: Op, name: string): string {
  if (op.cmd === 'UPDATE') {
    const [from, to] = op.text.slice('UPDATE '.length).split(' -> ');
    return `FAILED: Online migration expected to match one row when updating '${from}' to '${to}' in '${name}'; 0 found`;
  }
  return `FAILED: Online migration expected to match one row when deleting '${op.text.slice('DELETE '.length)}' in '${name}'; 0 found`;
}

function applicable(t: VersionRelation, cmd: WriteCommand): RowPolicy[] {
  return (t.policies ?? []).filter((p) => p.on.includes(cmd));
}

/** Row security with no permissive policy for the command denies every row: PostgreSQL's default. */
function rowSecurityBlocks(
  op: Op,
  t: VersionRelation,
  table: string,
  name: string,
): WriteBlocked | undefined {
  if (!t.rowSecurity || applicable(t, op.cmd).some((p) => p.permissive)) return undefined;
  const why = `row security is on for ${table} and no policy lets this role ${op.cmd} (PostgreSQL then denies every row), and Alembic's version-table change is \`${op.text}\``;
  const fix = `CREATE POLICY alembic_${op.cmd.toLowerCase()} ON ${table} FOR ${op.cmd} TO <this role> ${op.cmd === 'INSERT' ? 'WITH CHECK' : 'USING'} (true); or ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY.`;
  if (op.cmd === 'INSERT')
    return {
      why,
      fix,
      alembic: `sqlalchemy.exc.ProgrammingError: (psycopg2.errors.InsufficientPrivilege) new row violates row-level security policy for table "${name}"`,
    };
  return { why, fix, alembic: zeroRows(op, name) };
}

function opUnknown(cmd: WriteCommand, t: VersionRelation, table: string): string[] {
  const out: string[] = [];
  for (const tr of t.triggers ?? [])
    if (tr.on.includes(cmd)) out.push(`trigger ${tr.name} (${tr.fn}) runs on ${cmd} of ${table}`);
  for (const r of t.rules ?? [])
    if (r.on === cmd && !r.nothing && !(cmd === 'INSERT' && r.instead && !r.returning))
      out.push(`rule ${r.name} rewrites ${cmd} on ${table}`);
  if (t.rowSecurity && !rowSecurityAdmits(t, cmd))
    out.push(
      `row security decides which rows of ${table} this role may ${cmd} (policies ${applicable(t, cmd)
        .map((p) => p.name)
        .join(', ')})`,
    );
  return out;
}

/** A permissive policy that admits every row, and no restrictive one: certain without evaluating anything. */
function rowSecurityAdmits(t: VersionRelation, cmd: WriteCommand): boolean {
  const ps = applicable(t, cmd);
  if (ps.some((p) => !p.permissive)) return false;
  return ps.some((p) => {
    const using = p.using ?? null;
    const check = p.check ?? p.using ?? null;
    if (cmd === 'INSERT') return check === 'true';
    if (cmd === 'DELETE') return using === 'true';
    return using === 'true' && check === 'true';
  });
}
