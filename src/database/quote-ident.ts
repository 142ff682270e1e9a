/** Double-quotes an SQL identifier (PostgreSQL and SQLite agree on this form). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
