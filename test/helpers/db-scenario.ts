import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ORACLE_PYTHON, PYTHON } from './oracle.js';
import { TEMPLATE_LOGGING } from './project.js';
import { pgExec } from './pg-cluster.js';
import { tempDir } from './temp-dir.js';

/** One revision: id, parent(s), optional labels and depends_on, as Python literals. */
export interface RevSpec {
  readonly id: string;
  readonly down: string | readonly string[] | null;
  readonly labels?: readonly string[];
  readonly depends?: readonly string[];
  /** File name stem (default: the id); two specs may share an id to make a duplicate. */
  readonly file?: string;
}

export interface Scenario {
  readonly name: string;
  readonly revs: readonly RevSpec[];
  /** Rows of the version table; 'no-table' leaves it absent. */
  readonly rows: readonly (string | null)[] | 'no-table';
  readonly target?: string;
  /** Literal version_table= / version_table_schema= written into env.py. */
  readonly table?: string;
  readonly schema?: string;
  /** Create the table without a primary key (allows duplicate rows). */
  readonly noPk?: boolean;
  /** Create version_num without NOT NULL (and without a primary key): a hand-made table that can hold NULL. */
  readonly nullable?: boolean;
  /** Extra SQL run before stamping (e.g. a stale table Alembic must ignore). */
  readonly pre?: (dialect: Dialect) => string[];
  readonly only?: Dialect;
  /** MySQL: the URL's query (sql_mode=…), handed to the driver by SQLAlchemy and read by verify alike. */
  readonly query?: string;
  /** MySQL: version_num's collation. */
  readonly collation?: string;
  /** Alembic succeeds, and verify blocks all the same: what it leaves breaks the next release. */
  readonly blocks?: true;
}

export type Dialect = 'postgresql' | 'sqlite' | 'mysql';

/** A throwaway MariaDB server as the scenarios use it (test/helpers/mariadb-server.ts). */
export interface MariaHandle {
  readonly exec: (sql: string) => string[][];
  readonly urlFor: (db: string) => string;
  readonly index: number;
}

const lit = (x: string | readonly string[] | null | undefined): string => {
  if (x === null || x === undefined) return 'None';
  if (typeof x === 'string') return `'${x}'`;
  return `(${x.map((y) => `'${y}'`).join(', ')}${x.length === 1 ? ',' : ''})`;
};

const INI = `[alembic]
script_location = migrations
path_separator = os

${TEMPLATE_LOGGING}`;

function envPy(table?: string, schema?: string): string {
  const kw = [table ? `version_table='${table}'` : '', schema ? `version_table_schema='${schema}'` : '']
    .filter(Boolean)
    .join(', ');
  return `import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

url = os.environ["DATABASE_URL"]
if url.startswith("postgres://"):
    url = "postgresql://" + url[len("postgres://"):]


def run_migrations_online():
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection${kw ? ', ' + kw : ''})
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
`;
}

/** Writes the Alembic project of a scenario and returns its folder. */
export function writeScenarioProject(s: Scenario): string {
  const root = tempDir('preflight-matrix-');
  mkdirSync(path.join(root, 'migrations', 'versions'), { recursive: true });
  writeFileSync(path.join(root, 'alembic.ini'), INI);
  writeFileSync(path.join(root, 'migrations', 'env.py'), envPy(s.table, s.schema));
  writeFileSync(path.join(root, 'migrations', 'script.py.mako'), '');
  for (const r of s.revs) {
    const body = `"""${r.id}

Revision ID: ${r.id}
"""
revision = '${r.id}'
down_revision = ${lit(r.down)}
branch_labels = ${lit(r.labels ?? null)}
depends_on = ${lit(r.depends ?? null)}


def upgrade():
    pass


def downgrade():
    pass
`;
    writeFileSync(path.join(root, 'migrations', 'versions', `${r.file ?? r.id}_m.py`), body);
  }
  return root;
}

function tableName(s: Scenario, dialect: Dialect): string {
  const t = s.table ?? 'alembic_version';
  const q = (n: string): string => (dialect === 'mysql' ? `\`${n}\`` : `"${n}"`);
  return s.schema && dialect !== 'sqlite' ? `${q(s.schema)}.${q(t)}` : q(t);
}

function createTableSql(s: Scenario, dialect: Dialect): string {
  const t = s.table ?? 'alembic_version';
  const pk = s.noPk || s.nullable ? '' : `, CONSTRAINT ${t}_pkc PRIMARY KEY (version_num)`;
  const collate = s.collation && dialect === 'mysql' ? ` COLLATE ${s.collation}` : '';
  return `CREATE TABLE ${tableName(s, dialect)} (version_num VARCHAR(32)${collate}${s.nullable ? '' : ' NOT NULL'}${pk})`;
}

function insertSql(s: Scenario, dialect: Dialect, row: string | null): string {
  const name = tableName(s, dialect);
  return `INSERT INTO ${name} (version_num) VALUES (${row === null ? 'NULL' : `'${row.replaceAll("'", "''")}'`})`;
}

/** Creates the scenario's database state; returns the URL for both tools. */
export async function prepareDatabase(
  s: Scenario,
  dialect: Dialect,
  root: string,
  pg?: { adminUrl: string; urlFor: (db: string) => string; index: number },
  maria?: MariaHandle,
): Promise<string> {
  const sql: string[] = [...(s.pre?.(dialect) ?? [])];
  if (s.schema && dialect === 'postgresql') sql.push(`CREATE SCHEMA "${s.schema}"`);
  if (dialect === 'mysql') {
    const db = `matrix_${maria!.index}`;
    const schema = s.schema
      ? `DROP DATABASE IF EXISTS \`${s.schema}\`; CREATE DATABASE \`${s.schema}\`; `
      : '';
    if (s.rows !== 'no-table') {
      sql.push(createTableSql(s, dialect).replaceAll('"', '`'));
      for (const r of s.rows) sql.push(insertSql(s, dialect, r).replaceAll('"', '`'));
    }
    maria!.exec(
      `${schema}DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db}; USE ${db}; ${sql.map((q) => `${q.replaceAll('"', '`')};`).join(' ')}`,
    );
    return maria!.urlFor(db) + (s.query ? `?${s.query}` : '');
  }
  if (s.rows !== 'no-table') {
    sql.push(createTableSql(s, dialect));
    for (const r of s.rows) sql.push(insertSql(s, dialect, r));
  }
  if (dialect === 'sqlite') {
    const file = path.join(root, 'app.db');
    const script = `import sqlite3, sys, json\nc = sqlite3.connect(sys.argv[1])\nfor q in json.loads(sys.argv[2]):\n    c.execute(q)\nc.commit()\n`;
    const r = spawnSync(PYTHON, ['-c', script, file, JSON.stringify(sql)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return 'sqlite:///app.db';
  }
  const db = `matrix_${pg!.index}`;
  await pgExec(pg!.adminUrl, [`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`]);
  const url = pg!.urlFor(db);
  if (sql.length > 0) await pgExec(url, sql);
  return url;
}

export interface AlembicRun {
  readonly rc: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Revisions from the "Running upgrade … -> X" log lines, in order. */
  readonly applied: string[];
}

/** Really runs `alembic upgrade <target>` (Debian's 1.8.1) on the database. */
export function runAlembicUpgrade(
  root: string,
  url: string,
  target: string,
  options: readonly string[] = [],
  env: Record<string, string> = {},
): AlembicRun {
  const r = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', ...options, 'upgrade', target], {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      ...env,
      DATABASE_URL: url,
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONWARNINGS: 'ignore',
    },
  });
  const applied = [...r.stderr.matchAll(/Running upgrade .*? -> ([^,\s]+)/gu)].map((m) => m[1]!);
  return { rc: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, applied };
}

/** The version table after the run, sorted. */
export async function readRowsAfter(
  s: Scenario,
  dialect: Dialect,
  root: string,
  url: string,
  maria?: MariaHandle,
): Promise<(string | null)[]> {
  const t = s.table ?? 'alembic_version';
  if (dialect === 'mysql') {
    const db = s.schema ?? `matrix_${maria!.index}`;
    return sortRows(
      maria!.exec(`SELECT version_num FROM \`${db}\`.\`${t}\``).map((r) => (r[0] === 'NULL' ? null : r[0]!)),
    );
  }
  if (dialect === 'sqlite') {
    const script = `import sqlite3, sys, json\nc = sqlite3.connect(sys.argv[1])\nprint(json.dumps([r[0] for r in c.execute('SELECT version_num FROM "${t}"')]))\n`;
    const r = spawnSync(PYTHON, ['-c', script, path.join(root, 'app.db')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return sortRows(JSON.parse(r.stdout) as (string | null)[]);
  }
  const name = s.schema ? `"${s.schema}"."${t}"` : `"${t}"`;
  const rows = await pgExec(url, `SELECT version_num FROM ${name}`);
  return sortRows(rows.map((r) => r[0] as string | null));
}

/** NULL first, then code-point order (what verify reports). */
function sortRows(rows: (string | null)[]): (string | null)[] {
  return rows.sort((a, b) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1));
}
