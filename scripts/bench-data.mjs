// The data probes' line of `npm run bench`: what the probes add to `verify` on a table of BENCH_DATA_ROWS
// rows (default 1,000,000) with nothing wrong in it (the worst case: a probe that finds nothing reads
// all it must), for a pending NOT NULL and a pending unique index, without and with an index on the
// column. Each figure is the median of paired differences against `verify --data off`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const MIGRATION = (body) => `revision = "b1"
down_revision = "a0"
from alembic import op
import sqlalchemy as sa


def upgrade():
    ${body}


def downgrade():
    pass
`;

/** A project whose pending b1 runs `body` on the table. */
function project(body) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'preflight-bench-data-'));
  mkdirSync(path.join(dir, 'migrations', 'versions'), { recursive: true });
  writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = migrations\n');
  writeFileSync(path.join(dir, 'migrations', 'env.py'), 'from alembic import context\n');
  writeFileSync(
    path.join(dir, 'migrations', 'versions', 'a0_base.py'),
    'revision = "a0"\ndown_revision = None\n\ndef upgrade():\n    pass\n',
  );
  writeFileSync(path.join(dir, 'migrations', 'versions', 'b1_step.py'), MIGRATION(body));
  return dir;
}

/** { notNull: {plain, indexed}, unique: {plain, indexed}, rows }: each { ms over --data off, the probe's result }. */
export async function benchData({
  serverUrl,
  bin,
  runs,
  rows = Number(process.env.BENCH_DATA_ROWS ?? 1000000),
}) {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS preflight_bench_data');
  await admin.query('CREATE DATABASE preflight_bench_data');
  await admin.end();
  const url = serverUrl.replace(/\/[^/?]*(\?.*)?$/, '/preflight_bench_data');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('CREATE TABLE t (id bigint PRIMARY KEY, c integer, u integer)');
  await c.query(`INSERT INTO t SELECT g, g % 1000, g FROM generate_series(1, ${rows}) g`);
  await c.query('CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)');
  await c.query("INSERT INTO alembic_version VALUES ('a0')");
  await c.query('VACUUM ANALYZE t');
  const env = { ...process.env, DATABASE_URL: url };
  const run = (dir, extra) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [bin, 'verify', '--format', 'json', ...extra], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    if (r.status !== 0 && r.status !== 1) throw new Error(`verify failed: ${r.stderr.slice(-400)}`);
    const checks = JSON.parse(r.stdout).database.dataChecks;
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, checks };
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  /** The median of paired differences, verify minus verify --data off (the order alternating), and what the probe said. */
  const over = (dir) => {
    const ds = [];
    let result = '';
    for (let i = 0; i < runs; i++) {
      const off = i % 2 === 0 ? run(dir, ['--data', 'off']) : undefined;
      const on = run(dir, []);
      ds.push(on.ms - (off ?? run(dir, ['--data', 'off'])).ms);
      result = on.checks[0]?.result ?? 'none';
    }
    return { ms: median(ds), result };
  };
  const notNullDir = project("op.alter_column('t', 'c', existing_type=sa.Integer(), nullable=False)");
  const uniqueDir = project("op.create_index('ix_t_u', 't', ['u'], unique=True)");
  const plain = { notNull: over(notNullDir), unique: over(uniqueDir) };
  await c.query('CREATE INDEX ix_t_c ON t (c); CREATE INDEX ix_t_u_plain ON t (u); ANALYZE t');
  const indexed = { notNull: over(notNullDir), unique: over(uniqueDir) };
  await c.end();
  return {
    rows,
    notNull: { plain: plain.notNull, indexed: indexed.notNull },
    unique: { plain: plain.unique, indexed: indexed.unique },
  };
}
