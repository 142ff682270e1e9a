// The fleet line of `npm run bench`: `verify --tenants` over N tenant schemas in one local PostgreSQL
// database (BENCH_TENANTS, default 10,000), each holding what the bundled example's migrations make.
// Its time (median of the runs) and peak RSS; the round trips are the names' one and one per 2,500
// schemas (docs/fleets.md).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** What the example's two migrations make in a tenant schema, stamped at its head. */
function tenantSql(schema) {
  const s = `"${schema}"`;
  return `CREATE SCHEMA ${s};
CREATE TABLE ${s}.alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
CREATE TABLE ${s}.users (id SERIAL NOT NULL, email VARCHAR(255) NOT NULL, PRIMARY KEY (id), UNIQUE (email));
CREATE TABLE ${s}.guest_sessions (id SERIAL NOT NULL, user_id INTEGER NOT NULL REFERENCES ${s}.users (id), failed_attempts INTEGER DEFAULT '0' NOT NULL, PRIMARY KEY (id));
INSERT INTO ${s}.alembic_version VALUES ('2a3b4c5d6e7f');`;
}

/**
 * Makes the fleet database (once per run) and times `verify --tenants 'tenant_*'` in the example:
 * { tenants, ms, rssMb, groups }.
 */
export async function benchFleet({
  serverUrl,
  repo,
  bin,
  runs,
  tenants = Number(process.env.BENCH_TENANTS ?? 10000),
}) {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS preflight_bench_fleet');
  await admin.query('CREATE DATABASE preflight_bench_fleet');
  await admin.end();
  const url = serverUrl.replace(/\/[^/?]*(\?.*)?$/, '/preflight_bench_fleet');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  for (let i = 0; i < tenants; i += 500) {
    const batch = Array.from({ length: Math.min(500, tenants - i) }, (_, k) =>
      tenantSql(`tenant_${String(i + k).padStart(6, '0')}`),
    );
    await c.query(batch.join('\n'));
  }
  await c.end();
  const example = path.join(repo, 'examples', 'heroku-app');
  const samples = [];
  let groups = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    // GNU time's %M: the run's peak resident set, in KB, on stderr's last line
    const r = spawnSync(
      '/usr/bin/time',
      ['-f', '%M', process.execPath, bin, 'verify', '--tenants', 'tenant_*', '--format', 'json'],
      { cwd: example, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, DATABASE_URL: url } },
    );
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0 && r.status !== 1) throw new Error(`verify --tenants failed: ${r.stderr.slice(-500)}`);
    const doc = JSON.parse(r.stdout);
    if (doc.total !== tenants) throw new Error(`verify --tenants read ${doc.total} tenants, not ${tenants}`);
    groups = doc.groups.length;
    samples.push({ ms, rssMb: Number(r.stderr.trim().split('\n').at(-1)) / 1024 });
  }
  samples.sort((a, b) => a.ms - b.ms);
  const mid = samples[Math.floor(samples.length / 2)];
  return { tenants, ms: mid.ms, rssMb: Math.max(...samples.map((s) => s.rssMb)), groups };
}
