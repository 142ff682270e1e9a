import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { ORACLE_PYTHON, REPO } from './oracle.js';
import { pgExec, TEST_PASSWORD, type PgServer } from './pg-cluster.js';
import { tempDir } from './temp-dir.js';
import { postgresForSuite } from './postgres-suite.js';

/** The bundled example: two migrations, its env.py reading DATABASE_URL. */
export function example(schema?: string): string {
  const dir = tempDir('preflight-writable-');
  cpSync(path.join(REPO, 'examples', 'heroku-app'), dir, { recursive: true });
  if (schema) {
    const env = path.join(dir, 'migrations', 'env.py');
    writeFileSync(
      env,
      readFileSync(env, 'utf8').replace(
        'context.configure(connection=connection, target_metadata=target_metadata)',
        `context.configure(connection=connection, target_metadata=target_metadata, version_table_schema=${JSON.stringify(schema)})`,
      ),
    );
  }
  return dir;
}

/** Real `alembic upgrade head`, and the line that names its failure. */
export function alembicUpgrade(root: string, url: string): { status: number | null; last: string } {
  const r = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: url, PYTHONDONTWRITEBYTECODE: '1' },
  });
  // the exception's line (SQLAlchemy adds a "Background on this error" line after it), or Alembic's FAILED line
  // Alembic's FAILED line goes to stdout, its log and Python's traceback to stderr
  return {
    status: r.status,
    last:
      `${r.stderr}\n${r.stdout}`
        .trim()
        .split('\n')
        .filter((l) => /^(\w+(\.\w+)*(Error|Exception)|FAILED): /u.test(l))
        .at(-1) ?? '',
  };
}

export interface TestDatabase {
  readonly name: string;
  /** The cluster's superuser. */
  readonly admin: string;
  /** Role `limited`, which may connect and nothing more until granted. */
  readonly limited: string;
}

/** Fresh databases on one cluster, each open to role `limited` (which `beforeAll` must create). */
export function databases(
  pg: () => PgServer,
  prefix: string,
): { next(): Promise<TestDatabase>; atFirst(db: TestDatabase, sql: readonly string[]): Promise<string> } {
  let n = 0;
  return {
    async next() {
      const name = `${prefix}_${++n}`;
      await pgExec(pg().url, [
        `DROP DATABASE IF EXISTS ${name}`,
        `CREATE DATABASE ${name}`,
        `GRANT CONNECT ON DATABASE ${name} TO limited`,
      ]);
      const admin = pg().urlFor(name);
      return { name, admin, limited: admin.replace(`${pg().user}:`, 'limited:') };
    },
    /** The example upgraded to its first revision, then `sql` run as the superuser. */
    async atFirst(db, sql) {
      const root = example();
      expect(
        spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', '1f2a3b4c5d6e'], {
          cwd: root,
          env: { ...process.env, DATABASE_URL: db.admin },
        }).status,
      ).toBe(0);
      await pgExec(db.admin, [...sql]);
      return root;
    },
  };
}

/**
 * A throwaway cluster for the enclosing describe, with role `limited` made, and fresh databases on it:
 * call inside describe().
 */
export function writableCluster(
  prefix: string,
): ReturnType<typeof databases> & { readonly pg: () => PgServer } {
  const pg = postgresForSuite(async (server) => {
    await pgExec(server.url, [
      'DROP ROLE IF EXISTS limited',
      `CREATE ROLE limited LOGIN PASSWORD '${TEST_PASSWORD}'`,
    ]);
  });
  return { ...databases(pg, prefix), pg };
}
