import type { RowPolicy, VersionRelation, WriteCommand } from './version-table.js';

/**
 * Columns for the version table's row in verify's catalog query (alias `c` is its pg_class row):
 * what else, beyond privileges, decides whether Alembic's INSERT, UPDATE and DELETE go through.
 * A foreign table whose wrapper has no handler is left out of pg_relation_is_updatable, which would
 * raise for it; reading the table fails there anyway.
 */
export const WRITE_PATH_COLUMNS = `CASE WHEN c.relkind = 'v' OR (c.relkind = 'f' AND EXISTS (SELECT 1 FROM pg_catalog.pg_foreign_table ft JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw WHERE ft.ftrelid = c.oid AND w.fdwhandler <> 0))
              THEN pg_catalog.pg_relation_is_updatable(c.oid, true) END AS updatable,
            pg_catalog.row_security_active(c.oid) AS rls,
            (SELECT json_agg(json_build_object('name', p.polname, 'cmd', p.polcmd, 'permissive', p.polpermissive, 'using', pg_catalog.pg_get_expr(p.polqual, p.polrelid), 'check', pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)))
               FROM pg_catalog.pg_policy p
              WHERE p.polrelid = c.oid AND EXISTS (SELECT 1 FROM unnest(p.polroles) AS u(r) WHERE CASE WHEN u.r = 0 THEN true ELSE pg_catalog.pg_has_role(u.r, 'MEMBER') END)) AS policies,
            (SELECT json_agg(json_build_object('name', t.tgname, 'fn', t.tgfoid::pg_catalog.regproc::text, 'type', t.tgtype))
               FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal AND t.tgenabled IN ('O', 'A')) AS triggers,
            (SELECT json_agg(json_build_object('name', r.rulename, 'event', r.ev_type, 'instead', r.is_instead, 'unconditional', r.ev_qual::text = '<>',
                    'nothing', pg_catalog.pg_get_ruledef(r.oid) ~ 'DO INSTEAD\\s+NOTHING;?\\s*$', 'returning', pg_catalog.pg_get_ruledef(r.oid) ~* '\\mRETURNING\\M'))
               FROM pg_catalog.pg_rewrite r WHERE r.ev_class = c.oid AND r.ev_type IN ('2', '3', '4') AND r.ev_enabled IN ('O', 'A')) AS rules`;

export interface WritePathRow {
  readonly kind: string;
  readonly can_insert: boolean;
  readonly can_update: boolean;
  readonly can_delete: boolean;
  readonly updatable: number | null;
  readonly rls: boolean;
  readonly policies:
    | readonly {
        name: string;
        cmd: string;
        permissive: boolean;
        using: string | null;
        check: string | null;
      }[]
    | null;
  readonly triggers: readonly { name: string; fn: string; type: number }[] | null;
  readonly rules:
    | readonly {
        name: string;
        event: string;
        instead: boolean;
        unconditional: boolean;
        nothing: boolean;
        returning: boolean;
      }[]
    | null;
}

// pg_relation_is_updatable's bits are 1 << CmdType (CMD_UPDATE 2, CMD_INSERT 3, CMD_DELETE 4)
const UPDATABLE_BITS: readonly [WriteCommand, number][] = [
  ['UPDATE', 1 << 2],
  ['INSERT', 1 << 3],
  ['DELETE', 1 << 4],
];
// pg_trigger.tgtype's event bits (TRIGGER_TYPE_INSERT, _DELETE, _UPDATE)
const TRIGGER_BITS: readonly [WriteCommand, number][] = [
  ['INSERT', 1 << 2],
  ['DELETE', 1 << 3],
  ['UPDATE', 1 << 4],
];
const RULE_EVENT: Readonly<Record<string, WriteCommand>> = { 2: 'UPDATE', 3: 'INSERT', 4: 'DELETE' };
const POLICY_CMD: Readonly<Record<string, RowPolicy['on']>> = {
  r: ['SELECT'],
  a: ['INSERT'],
  w: ['UPDATE'],
  d: ['DELETE'],
  '*': ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
};

/** The catalog row made into the version relation's description. */
export function versionRelation(row: WritePathRow): VersionRelation {
  return {
    kind: row.kind,
    insert: row.can_insert,
    update: row.can_update,
    delete: row.can_delete,
    ...(row.updatable === null
      ? {}
      : { updatable: UPDATABLE_BITS.filter(([, bit]) => (row.updatable! & bit) !== 0).map(([cmd]) => cmd) }),
    rowSecurity: row.rls,
    policies: (row.policies ?? []).map((p) => ({
      name: p.name,
      on: POLICY_CMD[p.cmd] ?? [],
      permissive: p.permissive,
      using: p.using,
      check: p.check,
    })),
    triggers: (row.triggers ?? [])
      .map((t) => ({
        name: t.name,
        fn: t.fn,
        on: TRIGGER_BITS.filter(([, bit]) => (t.type & bit) !== 0).map(([cmd]) => cmd),
      }))
      .filter((t) => t.on.length > 0),
    rules: (row.rules ?? []).map((r) => ({
      name: r.name,
      on: RULE_EVENT[r.event]!,
      instead: r.instead && r.unconditional,
      nothing: r.instead && r.unconditional && r.nothing,
      returning: r.returning,
    })),
  };
}
