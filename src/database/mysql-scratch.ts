import { quoteMysqlIdent } from './quote-ident.js';
import { DatabaseError } from '../errors/errors.js';
import type { MysqlTarget } from './database-url.js';
import { withMysqlConnection } from './mysql-connect.js';
import type { PostgresOptions } from './pg-connect.js';
import { orphanedScratch, scratchName, type Scratch } from './scratch-database.js';

/**
 * A uniquely named database on the MySQL or MariaDB server `--scratch-url` points at (its own database
 * is only connected to, to run CREATE DATABASE and, at the end, DROP DATABASE), after dropping what
 * killed runs of this machine left there.
 */
export async function mysqlServerScratch(
  serverUrl: string,
  target: MysqlTarget,
  opts: PostgresOptions,
): Promise<Scratch> {
  const name = scratchName();
  await withMysqlConnection(target, opts, async (conn) => {
    const [dbs] = await conn.query('SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA');
    for (const { n } of dbs as { n: string }[])
      if (orphanedScratch(n)) await conn.query(`DROP DATABASE IF EXISTS ${quoteMysqlIdent(n)}`);
    await conn.query(`CREATE DATABASE ${quoteMysqlIdent(name)}`);
  }).catch((e: unknown) => {
    throw new DatabaseError(
      `Cannot create a scratch database on the --scratch-url server: ${(e as Error).message}.`,
      {
        hint: 'The user needs CREATE and DROP there (GRANT ALL ON `alembic\\_preflight\\_rehearse\\_%`.* TO …), on a server that is not production.',
      },
    );
  });
  const q = serverUrl.indexOf('?');
  const base = q < 0 ? serverUrl : serverUrl.slice(0, q);
  const url = `${base.slice(0, base.lastIndexOf('/') + 1)}${name}${q < 0 ? '' : serverUrl.slice(q)}`;
  let removed = false;
  return {
    url,
    dialect: 'mysql',
    describe: 'a new database on the --scratch-url server',
    async remove() {
      if (removed) return;
      removed = true;
      await withMysqlConnection(target, opts, async (conn) => {
        // a connection the app left open would hold the drop on its metadata locks
        const [left] = await conn.query(
          'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
          [name],
        );
        for (const { id } of left as { id: number }[])
          await conn.query(`KILL ${Number(id)}`).catch(() => undefined);
        await conn.query(`DROP DATABASE IF EXISTS ${quoteMysqlIdent(name)}`);
      });
    },
  };
}
