import { quoteMysqlIdent } from './quote-ident.js';
import path from 'node:path';
import { DatabaseError } from '../errors/errors.js';
import { makeTempDir, readMachineText, removeTree } from '../project/machine-files.js';
import { onPath, runProgram } from '../project/programs.js';
import type { MysqlTarget } from './database-url.js';
import { inMysqlWrite } from './mysql-connect.js';
import { mysqlTls } from './mysql-url.js';
import type { PostgresOptions } from './pg-connect.js';
import type { Scratch } from './scratch-database.js';
import { parseDatabaseUrl } from './database-url.js';

/**
 * A MySQL production's schema, without its rows, copied into a MySQL scratch database, then the version
 * table's rows: `mysqldump --no-data --single-transaction` reads production in one consistent read (no
 * table locks), the password in the environment (MYSQL_PWD), never on the command line.
 */
export async function copyMysqlSchema(
  prod: MysqlTarget,
  scratch: Scratch,
  rows: readonly string[],
  versionTable: string,
  env: Readonly<Record<string, string | undefined>>,
  opts: PostgresOptions,
): Promise<string> {
  if (scratch.dialect !== 'mysql')
    throw new DatabaseError('A MySQL production needs a MySQL scratch database.', {
      hint: 'Pass --scratch-url mysql+pymysql://USER:PASSWORD@HOST:3306/DB (never production).',
    });
  const dump = onPath('mysqldump', env) ?? onPath('mariadb-dump', env);
  if (!dump)
    throw new DatabaseError("mysqldump is not on PATH: production's schema cannot be copied.", {
      hint: 'Install the MySQL or MariaDB client (apt-get install mariadb-client), or rehearse without --from-production.',
    });
  const tls = mysqlTls(prod, opts.ssl);
  const dir = makeTempDir('alembic-preflight-schema-');
  try {
    const out = path.join(dir, 'schema.sql');
    const where = prod.socket ? [`--socket=${prod.socket}`] : [`--host=${prod.host}`, `--port=${prod.port}`];
    const r = runProgram(
      dump,
      [
        '--no-defaults',
        ...where,
        ...(prod.user ? [`--user=${prod.user}`] : []),
        ...(tls.mode === 'disabled' ? [] : ['--ssl', ...(tls.ca ? [`--ssl-ca=${tls.ca}`] : [])]),
        '--no-data',
        '--single-transaction',
        '--skip-lock-tables',
        '--skip-triggers',
        '--skip-comments',
        `--result-file=${out}`,
        prod.database,
      ],
      { env: { PATH: env.PATH ?? '', ...(prod.password ? { MYSQL_PWD: prod.password } : {}) } },
    );
    if (r.status !== 0)
      throw new DatabaseError(
        `mysqldump could not read production's schema: ${(r.stderr || '').trim().split('\n').at(-1) ?? 'it failed'}.`,
        { hint: 'Check the URL and that the user may read the schema (SELECT, SHOW VIEW).' },
      );
    const sql = readMachineText(out);
    const target = parseDatabaseUrl(scratch.url, '/') as MysqlTarget;
    await inMysqlWrite(
      target,
      opts,
      async (conn) => {
        for (const row of rows)
          await conn.query(`INSERT INTO ${quoteMysqlIdent(versionTable)} (version_num) VALUES (?)`, [row]);
      },
      splitDump(sql),
    );
    return 'mysqldump --no-data';
  } finally {
    removeTree(dir);
  }
}

/** The dump's statements one by one (it ends each with `;` at a line's end; its comments are versioned SQL). */
function splitDump(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of sql.split('\n')) {
    if (line.startsWith('--') || line.trim() === '') continue;
    current += `${line}\n`;
    if (line.trimEnd().endsWith(';')) {
      out.push(current.trim());
      current = '';
    }
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}
