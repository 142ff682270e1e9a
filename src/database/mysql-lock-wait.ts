// MySQL and MariaDB: SET [SESSION] lock_wait_timeout = N, SET @@session.lock_wait_timeout = N, or
// init_command's; in seconds, for the session
const MYSQL_LOCK_WAIT = /\block_wait_timeout\s*=\s*(\d+)/giu;

/** The lock_wait_timeout settings in SQL (or an init_command), in order, in milliseconds. */
export function mysqlLockWaits(sql: string): { readonly ms: number; readonly local: false }[] {
  return [...sql.matchAll(MYSQL_LOCK_WAIT)].map((m) => ({ ms: Number(m[1]) * 1000, local: false }));
}
