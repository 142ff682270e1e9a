import { pgExec, type PgServer } from './pg-cluster.js';
import { makeProject, migration, onlineEnvPy, rev } from './project.js';

/**
 * A database named `name` with `orders` of `rows` rows (analysed) and `customers`, stamped at a0, and a
 * project whose pending b1 runs `upgrade`: the lock rules' fixture on a real PostgreSQL.
 */
export async function lockFixture(
  pg: PgServer,
  name: string,
  rows: number,
  upgrade: string,
  envPy?: string,
): Promise<{ root: string; url: string }> {
  await pgExec(pg.url, [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`]);
  const url = pg.urlFor(name);
  await pgExec(url, [
    'CREATE TABLE customers (id integer PRIMARY KEY)',
    'INSERT INTO customers SELECT generate_series(1, 100)',
    'CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, amount integer, note varchar(50))',
    `INSERT INTO orders SELECT g, 1 + g % 100, g % 97, 'n' || g FROM generate_series(1, ${rows}) g`,
    'CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)',
    "INSERT INTO alembic_version VALUES ('a0')",
    'ANALYZE',
  ]);
  const root = makeProject({
    'migrations/env.py':
      envPy ??
      onlineEnvPy('config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"].replace("%", "%%"))'),
    'migrations/versions/a0_base.py': rev('a0', null),
    'migrations/versions/b1_step.py': migration('b1', 'a0', upgrade, 'pass'),
  });
  return { root, url };
}
