import path from 'node:path';
import { makeTempDir, readMachineText, removeTree } from '../project/machine-files.js';
import { onPath, runProgram } from '../project/programs.js';
import { DatabaseError } from '../errors/errors.js';
import type { DatabaseTarget } from './database-url.js';
import { localServerBinaries, type Scratch } from './scratch-database.js';
import { quoteIdent } from './quote-ident.js';
import { openSqlite } from './open-sqlite.js';
import type { PostgresOptions } from './pg-connect.js';

/**
 * Production's schema, without its rows, copied into the scratch database, then the version table's
 * rows: read-only on production (`pg_dump --schema-only`, which reads in one read-only transaction;
 * SQLite's sqlite_master opened read-only). Returns how it was read.
 */
export async function copyProductionSchema(
  prod: DatabaseTarget,
  scratch: Scratch,
  rows: readonly string[],
  versionTable: string,
  env: Readonly<Record<string, string | undefined>>,
  how: {
    readonly sslmode?: string;
    readonly with: 'auto' | 'pg_dump' | 'catalog';
    readonly catalog: () => Promise<string[]>;
    /** MySQL: the connection settings for the scratch database's load. */
    readonly mysql?: PostgresOptions;
  },
): Promise<string> {
  const sslmode = how.sslmode;
  if (prod.dialect === 'sqlite') {
    const from = await openSqlite(prod.file, { readonly: true, fileMustExist: true });
    const statements = (
      from
        .prepare(
          "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END, rowid",
        )
        .raw()
        .all() as string[][]
    ).map((r) => r[0]!);
    from.close();
    const to = await openSqlite(scratch.url.slice('sqlite:///'.length), {});
    try {
      for (const s of statements) to.exec(s);
      insertRows((sql, values) => to.prepare(sql).run(...values), rows, versionTable, '?');
    } finally {
      to.close();
    }
    return 'the SQLite catalog (sqlite_master)';
  }
  if (prod.dialect === 'mysql') {
    const { copyMysqlSchema } = await import('./mysql-copy-schema.js');
    return copyMysqlSchema(prod, scratch, rows, versionTable, env, how.mysql!);
  }
  if (scratch.dialect !== 'postgresql')
    throw new DatabaseError('A PostgreSQL production needs a PostgreSQL scratch database.', {
      hint: 'Drop --scratch-url, or give a PostgreSQL one.',
    });
  const pgDump = how.with === 'catalog' ? undefined : findPgDump(env);
  if (!pgDump && how.with === 'pg_dump')
    throw new DatabaseError('--schema-copy pg_dump: pg_dump (PostgreSQL client tools) is not on PATH.', {
      hint: 'Install the PostgreSQL client at least as new as the production server, or use --schema-copy catalog.',
    });
  if (!pgDump) {
    // no pg_dump: the catalog's tables, columns, keys, indexes, types, sequences and views
    await loadInto(scratch, (await how.catalog()).join(';\n'), rows, versionTable);
    return 'the catalog (pg_catalog)';
  }
  const dir = makeTempDir('alembic-preflight-schema-');
  try {
    const out = path.join(dir, 'schema.sql');
    // the password goes in the environment, never on a command line others can read
    const libpq = {
      PGHOST: prod.host,
      PGPORT: String(prod.port),
      PGDATABASE: prod.database,
      ...(prod.user ? { PGUSER: prod.user } : {}),
      ...(prod.password ? { PGPASSWORD: prod.password } : {}),
      PGSSLMODE: sslmode ?? env.PGSSLMODE ?? 'prefer',
      PGAPPNAME: 'alembic-preflight rehearse',
    };
    const r = runProgram(pgDump, ['--schema-only', '--no-owner', '--no-privileges', '--file', out], {
      env: { PATH: env.PATH ?? '', ...libpq },
    });
    if (r.status !== 0)
      throw new DatabaseError(
        `pg_dump could not read production's schema: ${(r.stderr || '').trim().split('\n').at(-1) ?? 'it failed'}.`,
        {
          hint: 'pg_dump must be at least as new as the server; check the URL and that the role may read the schema.',
        },
      );
    // psql's meta-commands (\\restrict in newer dumps) are not SQL
    await loadInto(
      scratch,
      readMachineText(out)
        .split('\n')
        .filter((l) => !l.startsWith('\\'))
        .join('\n'),
      rows,
      versionTable,
    );
    return 'pg_dump --schema-only';
  } finally {
    removeTree(dir);
  }
}

/** Runs the schema's SQL in the scratch database, then puts the version rows in. */
async function loadInto(
  scratch: Scratch,
  sql: string,
  rows: readonly string[],
  versionTable: string,
): Promise<void> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: scratch.url, application_name: 'alembic-preflight rehearse' });
  await c.connect();
  try {
    await c.query(sql);
    // a dump empties the search_path for its session: the rows go in with it restored
    await c.query('SELECT pg_catalog.set_config($1, $2, false)', ['search_path', '"$user", public']);
    await insertRows((text, values) => c.query(text, values), rows, versionTable, '$');
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function insertRows(
  run: (sql: string, values: unknown[]) => unknown,
  rows: readonly string[],
  versionTable: string,
  placeholder: '$' | '?',
): Promise<void> {
  for (const row of rows)
    await run(
      `INSERT INTO ${quoteIdent(versionTable)} (version_num) VALUES (${placeholder === '$' ? '$1' : '?'})`,
      [row],
    );
}

/** pg_dump on PATH, else beside the local server binaries. */
function findPgDump(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const local = localServerBinaries();
  return onPath('pg_dump', env) ?? (local ? onPath('pg_dump', { PATH: local.bin }) : undefined);
}
