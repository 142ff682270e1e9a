/** Double-quotes an SQL identifier (PostgreSQL and SQLite agree on this form). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Backquotes a MySQL identifier (our read sessions also take double quotes; Alembic's never do). */
export function quoteMysqlIdent(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** A MySQL table's name, in its database when one is named (else the connection's). */
export function mysqlTableName(database: string | null | undefined, table: string): string {
  return database ? `${quoteMysqlIdent(database)}.${quoteMysqlIdent(table)}` : quoteMysqlIdent(table);
}

/** A table as a statement names it: quoted only where a plain name would not do. */
export function sqlTableName(table: string, schema: string | null): string {
  const q = (x: string): string => (/^[a-z_][a-z0-9_]*$/u.test(x) ? x : `"${x.replaceAll('"', '""')}"`);
  return schema ? `${q(schema)}.${q(table)}` : q(table);
}
