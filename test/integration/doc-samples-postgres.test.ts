import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import type { Finding } from '../../src/check/finding.js';
import { findingText } from '../../src/report/text-report.js';
import { lockFixture } from '../helpers/lock-fixture.js';
import { expectDocSample } from '../helpers/doc-sample.js';
import { expectFittedLines } from '../helpers/describe-rule.js';
import { pgExec, type PgServer } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { makeProject } from '../helpers/project.js';
import { ITEMS_A1, ITEMS_B2, TENANT_ENV_PY } from '../helpers/tenant-project.js';
import { verifyTenantsCommand } from '../../src/commands/verify/verify-tenants-command.js';

// The findings pages' samples that need a PostgreSQL server, made where the tests start one: each runs
// verify on the lock rules' fixture (orders of `rows` rows, a pending b1) changed as its page says.
// `DOC_SAMPLES=write` (npm run docs:samples) rewrites them; otherwise a stale one fails here.

type Verified = Awaited<ReturnType<typeof verifyCommand>>;

interface ServerSample {
  readonly name: string;
  readonly what: string;
  readonly rows: number;
  readonly upgrade: string;
  /** More to do to the database (as its owner) before verify reads it; the URL verify gets. */
  readonly prepare?: (pg: PgServer, url: string, db: string) => Promise<string>;
  /** Runs verify while it holds something open (a session idle in a transaction). */
  readonly during?: (url: string, verify: () => Promise<Verified>) => Promise<Verified>;
}

const RETYPE = "op.alter_column('orders', 'amount', type_=sa.BigInteger())";
const ADD_COLUMN = "op.add_column('orders', sa.Column('extra', sa.Integer(), nullable=True))";

const SAMPLES: readonly ServerSample[] = [
  {
    name: 'lock-on-large-table',
    what: 'PostgreSQL 15, with orders of 200,000 rows and a pending alter_column that widens a column',
    rows: 200_000,
    upgrade: RETYPE,
  },
  {
    name: 'lock-timeout-missing',
    what: 'PostgreSQL 15, with orders of 200,000 rows, a pending alter_column, and no lock_timeout anywhere',
    rows: 200_000,
    upgrade: RETYPE,
  },
  {
    name: 'breaks-serving-release',
    what: 'PostgreSQL 15, with a pending drop_column of a column the serving release uses',
    rows: 10,
    upgrade: "op.drop_column('orders', 'note')",
  },
  {
    name: 'lock-not-graded',
    what: 'PostgreSQL 15, with a pending step whose SQL names its table at run time',
    rows: 10,
    upgrade: 'op.execute(f"ALTER TABLE {table_of()} ALTER COLUMN amount TYPE bigint")',
  },
  {
    name: 'lock-queue-blocker',
    what: 'PostgreSQL 15, with a session that read orders and never committed (its pid and age normalised)',
    rows: 10,
    upgrade: ADD_COLUMN,
    during: async (url, verify) => {
      const { default: Pg } = await import('pg');
      const idle = new Pg.Client({ connectionString: url, ssl: false });
      await idle.connect();
      try {
        await idle.query('BEGIN');
        await idle.query('SELECT count(*) FROM orders');
        return await verify();
      } finally {
        await idle.end();
      }
    },
  },
  {
    name: 'version-table-write-unverified',
    what: 'PostgreSQL 15, with a trigger on alembic_version',
    rows: 10,
    upgrade: ADD_COLUMN,
    prepare: async (_pg, url) => {
      await pgExec(url, [
        "CREATE FUNCTION frozen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'version table is frozen'; END $$",
        'CREATE TRIGGER guard BEFORE UPDATE ON alembic_version FOR EACH ROW EXECUTE FUNCTION frozen()',
      ]);
      return url;
    },
  },
  {
    name: 'database-not-writable',
    what: 'PostgreSQL 15, as a role that may read alembic_version but not update it',
    rows: 10,
    upgrade: ADD_COLUMN,
    prepare: async (pg, url, db) => {
      await pgExec(url, [
        'DROP ROLE IF EXISTS sample_reader',
        "CREATE ROLE sample_reader LOGIN PASSWORD 'sample-reader-pw'",
        'GRANT USAGE ON SCHEMA public TO sample_reader',
        'GRANT SELECT ON ALL TABLES IN SCHEMA public TO sample_reader',
      ]);
      return `postgresql://sample_reader:sample-reader-pw@${pg.host}:${pg.port}/${db}`;
    },
  },
  {
    name: 'postgres-scheme-refused',
    what: "PostgreSQL 15, with DATABASE_URL in Heroku's postgres:// form and an env.py that passes it on as it is",
    rows: 10,
    upgrade: ADD_COLUMN,
    prepare: async (_pg, url) => url.replace(/^postgresql:/u, 'postgres:'),
  },
];

/** A finding with its run-to-run details (a session's pid, its age, the server's port) fixed. */
function normalisedFinding(f: Finding): Finding {
  const n = (t: string | undefined): string | undefined => (t === undefined ? undefined : normalised(t));
  return {
    ...f,
    message: normalised(f.message),
    hint: normalised(f.hint),
    ...(f.title !== undefined ? { title: n(f.title) } : {}),
    ...(f.fix !== undefined ? { fix: n(f.fix) } : {}),
    ...(f.alembicError !== undefined ? { alembicError: n(f.alembicError) } : {}),
  };
}

/** Run to run, a session's pid, its age and the server's port differ: the page shows fixed ones. */
function normalised(text: string): string {
  return text
    .replace(/\b(session|Session|pid = |pg_terminate_backend\()(\s?)\d+/gu, '$1$24127')
    .replace(/in a transaction for [^),]+/gu, 'in a transaction for 3 s')
    .replace(/127\.0\.0\.1:\d+/gu, '127.0.0.1:5432');
}

describe("the findings pages' samples that need PostgreSQL are what the tool prints", () => {
  const pg = postgresForSuite();
  SAMPLES.forEach((s, i) => {
    it(`${s.name}: the sample is what verify prints`, async () => {
      const db = `sample_${i}`;
      const { root, url: owner } = await lockFixture(pg(), db, s.rows, s.upgrade);
      const url = (await s.prepare?.(pg(), owner, db)) ?? owner;
      const verify = (): Promise<Verified> =>
        verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
      const out = await (s.during ? s.during(owner, verify) : verify());
      // normalised in the data, then laid out as the report lays it out: a pid of any length wraps alike
      const found = out.result.findings.filter((f) => f.code === s.name).map(normalisedFinding);
      expect(found.length, out.stdout).toBeGreaterThan(0);
      const lines = `$ alembic-preflight verify\n${found.map((f) => findingText(f).join('\n')).join('\n\n')}`;
      expectFittedLines(lines.split('\n').slice(1));
      expectDocSample(
        { doc: `docs/findings/${s.name}.md`, name: s.name, finding: s.name, what: s.what },
        lines,
      );
    }, 120_000);
  });
});

describe("docs/json.md's fleet document is what verify --tenants prints", () => {
  const pg = postgresForSuite();
  it('three tenants: two at head, one hand-stamped', async () => {
    const db = 'sample_tenants';
    await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`]);
    const url = pg().urlFor(db);
    const atB2 = (s: string): string =>
      `CREATE SCHEMA ${s}; CREATE TABLE ${s}.alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY); ` +
      `CREATE TABLE ${s}.items (id SERIAL PRIMARY KEY, name VARCHAR(80)); INSERT INTO ${s}.alembic_version VALUES ('b2');`;
    await pgExec(url, ['tenant_0001', 'tenant_0002', 'tenant_0003'].map(atB2).join('\n'));
    await pgExec(url, "UPDATE tenant_0001.alembic_version SET version_num = 'guest_lockout_001'");
    const root = makeProject({
      'migrations/env.py': TENANT_ENV_PY,
      'migrations/versions/a1_step.py': ITEMS_A1,
      'migrations/versions/b2_step.py': ITEMS_B2,
    });
    const out = await verifyTenantsCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: url },
      alembicVersion: '1.8.1',
      tenants: 'tenant_*',
    });
    expect(out.exitCode).toBe(1);
    // a fleet's finding carries the fix the check document's does: the one command
    const stamped = (
      JSON.parse(out.stdout) as { groups: { findings: { code: string; fix: string | null }[] }[] }
    ).groups
      .flatMap((g) => g.findings)
      .find((f) => f.code === 'stamped-revision-missing');
    expect(stamped?.fix).toBe('alembic-preflight backfill --after b2 --rewire --write');
    expectDocSample(
      {
        doc: 'docs/json.md',
        name: 'tenants-json',
        what: 'three tenant schemas, one hand-stamped (`verify --tenants --format json`; the port normalised)',
        json: true,
      },
      out.stdout.trimEnd().replaceAll(/127\.0\.0\.1:\d+/gu, '127.0.0.1:5432'),
    );
  }, 120_000);
});
