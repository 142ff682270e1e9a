import { spawnSync } from 'node:child_process';

import { ORACLE_PYTHON } from './oracle.js';
import { pgExec, type PgServer } from './pg-cluster.js';
import { postgresForSuite } from './postgres-suite.js';

/** An env.py that runs the migrations online against $TEST_DB_URL, in Alembic's transaction. */
export const TEST_DB_ENV_PY = [
  'import os',
  'from alembic import context',
  'from sqlalchemy import create_engine',
  'with create_engine(os.environ["TEST_DB_URL"]).connect() as connection:',
  '    context.configure(connection=connection)',
  '    with context.begin_transaction():',
  '        context.run_migrations()',
  '',
].join('\n');

export interface AlembicRun {
  readonly ok: boolean;
  /** stdout then stderr */
  readonly out: string;
  readonly stderr: string;
}

let databases = 0;

/**
 * A fresh database on `pg` (after `setup` SQL), and a runner of real Alembic
 * commands in `dir` against it, with the target's environment (`env`). The
 * project's env.py reads the URL from TEST_DB_URL (TEST_DB_ENV_PY).
 */
export async function alembicOnPostgres(
  pg: PgServer,
  dir: string,
  env: Record<string, string>,
  setup: readonly string[] = [],
): Promise<(...args: string[]) => AlembicRun> {
  const db = `alembic_on_pg_${++databases}`;
  await pgExec(pg.url, `CREATE DATABASE ${db}`);
  if (setup.length > 0) await pgExec(pg.urlFor(db), [...setup]);
  const url = pg.urlFor(db).replace(/^postgres(ql)?:/, 'postgresql+psycopg2:');
  return (...args) => {
    const r = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, ...env, TEST_DB_URL: url, PYTHONDONTWRITEBYTECODE: '1' },
    });
    return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`, stderr: r.stderr };
  };
}

/**
 * alembicOnPostgres on a throwaway cluster of the enclosing describe, started before its tests
 * and stopped after them.
 */
export function useAlembicOnPostgres(): (
  dir: string,
  env: Record<string, string>,
  setup?: readonly string[],
) => Promise<(...args: string[]) => AlembicRun> {
  const pg = postgresForSuite();
  return (dir, env, setup) => alembicOnPostgres(pg(), dir, env, setup);
}
