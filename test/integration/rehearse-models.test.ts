import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expectDocSample } from '../helpers/doc-sample.js';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { rehearseCommand } from '../../src/commands/rehearse/rehearse-command.js';
import { exampleCopy } from '../helpers/example-db.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { revisionFile } from '../helpers/probe-app.js';
import { tempDir } from '../helpers/temp-dir.js';
import { runCli } from '../helpers/cli.js';
import { alembicOnPath, PYTHON } from '../helpers/oracle.js';

// The lessons' three checks in rehearse, with real Alembic 1.8.1 (it has no `alembic check`; the
// comparison is Alembic's own compare_metadata, in the app's Python): the models against the schema
// the migrations made, each upgrade() run twice, and the team's command after the final upgrade.

type Revision = readonly [string, string, string];

/** The example app with these revisions, and env.py handing Alembic `models.metadata` (and include_object, when given). */
function project(revisions: readonly Revision[], models: string | null, includeObject?: string): string {
  const root = exampleCopy();
  const versions = path.join(root, 'migrations', 'versions');
  rmSync(versions, { recursive: true });
  mkdirSync(versions);
  revisions.forEach(([id, up, down], i) =>
    writeFileSync(
      path.join(versions, `${id}_step.py`),
      revisionFile(id, i === 0 ? null : revisions[i - 1]![0], up, down),
    ),
  );
  if (models !== null) {
    writeFileSync(
      path.join(root, 'models.py'),
      `import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n${models}\n`,
    );
    const envPy = path.join(root, 'migrations', 'env.py');
    let text = readFileSync(envPy, 'utf8').replace(
      'target_metadata = None',
      'import models\n\ntarget_metadata = models.metadata',
    );
    if (includeObject !== undefined) {
      text = text
        .replace(
          'def run_migrations_online()',
          `def include_object(obj, name, type_, reflected, compare_to):\n    return ${includeObject}\n\n\ndef run_migrations_online()`,
        )
        .replace(
          'target_metadata=target_metadata)',
          'target_metadata=target_metadata, include_object=include_object)',
        );
    }
    writeFileSync(envPy, text);
  }
  return root;
}

const USERS: Revision = [
  'a1000000',
  'op.create_table("teams", sa.Column("id", sa.Integer(), primary_key=True))\nop.create_table("users", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("email", sa.String(255), nullable=True), sa.Column("team_id", sa.Integer()))',
  'op.drop_table("users")\nop.drop_table("teams")',
];
const INDEX: Revision = [
  'b2000000',
  'op.create_index("ix_users_email", "users", ["email"])',
  'op.drop_index("ix_users_email", table_name="users")',
];

/** What the models say: users.email NOT NULL, a nickname column, an index on email, a foreign key to teams. */
const DRIFTED = `sa.Table("teams", metadata, sa.Column("id", sa.Integer, primary_key=True))
sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("email", sa.String(255), nullable=False), sa.Column("nickname", sa.String(40)), sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id")), sa.Index("ix_users_email", "email"))`;

/** The same models as the migrations make, and a table only env.py's include_object leaves out. */
const IN_SYNC = `sa.Table("teams", metadata, sa.Column("id", sa.Integer, primary_key=True))
sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("email", sa.String(255)), sa.Column("team_id", sa.Integer), sa.Index("ix_users_email", "email"))
sa.Table("reports", metadata, sa.Column("id", sa.Integer, primary_key=True))`;

const rehearse = (root: string, extra: Record<string, unknown> = {}, env: Record<string, string> = {}) =>
  rehearseCommand({
    cwd: root,
    format: 'text',
    env: {
      PATH: process.env.PATH ?? '',
      PYTHONDONTWRITEBYTECODE: '1',
      DATABASE_URL: 'sqlite:///app.db',
      ...env,
    },
    ...extra,
  });

const differences = (out: Awaited<ReturnType<typeof rehearse>>) => {
  const m = out.outcome.models;
  if (!m || 'failed' in m) throw new Error(`the models were not compared: ${JSON.stringify(m)}`);
  return m.differences.map((d) => [
    d.kind,
    d.table,
    d.column ?? null,
    d.models,
    d.migrations,
    d.touched?.revision ?? null,
  ]);
};

describe('rehearse: the models against the migrations (SQLite)', () => {
  it("--from-production after a release: the tool's own ledger is no drift of the app's; a table the models lack still is", async () => {
    const IN_STEP = IN_SYNC.split('\n').slice(0, 2).join('\n');
    const root = project([USERS, INDEX], IN_STEP);
    const bin = alembicOnPath(tempDir('preflight-alembic-bin-'));
    const env = {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      DATABASE_URL: 'sqlite:///prod.db',
      ALEMBIC_PREFLIGHT_CACHE: 'off',
    };
    spawnSync(PYTHON, ['-c', 'import sqlite3; sqlite3.connect("prod.db").close()'], { cwd: root });
    const released = runCli(root, ['release'], env);
    expect(released.status, released.stdout + released.stderr).toBe(0);
    // the release recorded what it applied: the ledger is in production now
    const tables = (): string[] =>
      spawnSync(
        PYTHON,
        [
          '-c',
          'import sqlite3; print(*[r[0] for r in sqlite3.connect("prod.db").execute("SELECT name FROM sqlite_master WHERE type=\'table\' ORDER BY 1")])',
        ],
        { cwd: root, encoding: 'utf8' },
      )
        .stdout.trim()
        .split(' ');
    expect(tables()).toContain('alembic_preflight_history');
    const clean = await rehearse(root, { fromProduction: true }, { DATABASE_URL: 'sqlite:///prod.db' });
    expect(differences(clean)).toEqual([]);
    expect(clean.exitCode).toBe(0);
    // a table someone made by hand in production, which no model names, is still drift
    spawnSync(
      PYTHON,
      [
        '-c',
        'import sqlite3; c = sqlite3.connect("prod.db"); c.execute("CREATE TABLE audit_log (id INTEGER PRIMARY KEY)"); c.commit()',
      ],
      { cwd: root },
    );
    const drifted = await rehearse(root, { fromProduction: true }, { DATABASE_URL: 'sqlite:///prod.db' });
    expect(differences(drifted).map((d) => [d[0], d[1]])).toEqual([['remove_table', 'audit_log']]);
    expect(drifted.exitCode).toBe(1);
  }, 120_000);

  it('names a missing column, a nullable mismatch, a missing index and a missing foreign key, each with its revision', async () => {
    const out = await rehearse(project([USERS], DRIFTED));
    expect(out.exitCode).toBe(1);
    expect(out.outcome.steps.every((s) => s.ok)).toBe(true);
    expect(differences(out)).toEqual([
      [
        'add_column',
        'users',
        'nickname',
        'column users.nickname (VARCHAR(40), nullable)',
        'none',
        'a1000000',
      ],
      ['modify_nullable', 'users', 'email', 'NOT NULL', 'nullable', 'a1000000'],
      ['add_index', 'users', null, 'index ix_users_email on users (email)', 'none', 'a1000000'],
      ['add_fk', 'users', null, 'foreign key users (team_id) to teams', 'none', 'a1000000'],
    ]);
    expect(out.stdout).toContain(
      '  the models have column users.nickname; the migrations do not make it\n    --> migrations/versions/a1000000_step.py:',
    );
    expect(out.stdout).toContain('FAILED: the models and the migrations differ in 4 places (above)');
    const json = (await rehearse(project([USERS], DRIFTED), { format: 'json' })).document as {
      ok: boolean;
      models: { differences: { kind: string; path: string | null; line: number | null }[] };
    };
    expect(json.ok).toBe(false);
    expect(json.models.differences.map((d) => [d.kind, d.path])).toEqual([
      ['add_column', 'migrations/versions/a1000000_step.py'],
      ['modify_nullable', 'migrations/versions/a1000000_step.py'],
      ['add_index', 'migrations/versions/a1000000_step.py'],
      ['add_fk', 'migrations/versions/a1000000_step.py'],
    ]);
    expect(json.models.differences.every((d) => typeof d.line === 'number')).toBe(true);
    expectDocSample(
      {
        doc: 'docs/json.md',
        name: 'rehearse-models-json',
        what: 'models that differ from the migrations in four places (the `models` field of `rehearse --format json`)',
        json: true,
      },
      JSON.stringify({ models: json.models }, null, 2),
    );
    // for review: an annotation on the file and line of each difference, and a step summary
    const github = (await rehearse(project([USERS], DRIFTED), { review: 'github' })).stdout;
    const line = json.models.differences[0]!.line!;
    expect(github).toContain(
      `::error file=migrations/versions/a1000000_step.py,line=${line},title=rehearse%3A the models and the migrations differ::the models have column users.nickname; the migrations do not make it%0Amodels: column users.nickname (VARCHAR(40), nullable)%0Amigrations: none\n`,
    );
    expect(github.trimEnd().split('\n')).toHaveLength(5);
    const markdown = (await rehearse(project([USERS], DRIFTED), { review: 'markdown' })).stdout;
    expect(markdown).toMatch(
      /^## alembic-preflight rehearse: ❌ FAILED: the models and the migrations differ in 4 places/u,
    );
    expect(markdown).toContain(
      `| rehearse: the models and the migrations differ | <code>migrations/versions/a1000000&#95;step.py:${line}</code> |`,
    );
  }, 180_000);

  it('reports nothing for models in sync; honours include_object; says once that env.py has no target_metadata', async () => {
    const sync = await rehearse(
      project([USERS, INDEX], IN_SYNC, 'not (type_ == "table" and name == "reports")'),
    );
    expect(sync.outcome.models).toEqual({ metadata: true, differences: [] });
    expect(sync.exitCode).toBe(0);
    expect(sync.stdout).toMatch(/OK: .*, the models match the schema\n$/u);
    // the same models without the filter: the table it left out is a difference
    const unfiltered = await rehearse(project([USERS, INDEX], IN_SYNC));
    expect(differences(unfiltered)).toEqual([['add_table', 'reports', null, 'table reports', 'none', null]]);
    const none = await rehearse(project([USERS], null));
    expect(none.outcome.models).toEqual({ metadata: false, differences: [] });
    expect(none.exitCode).toBe(0);
    expect(none.stdout.match(/no target_metadata/gu)).toHaveLength(1);
    const off = await rehearse(project([USERS], DRIFTED), { drift: false });
    expect(off.outcome.models).toBeUndefined();
    expect(off.exitCode).toBe(0);
  }, 180_000);

  it('a comparison that fails (an include_object only autogenerate calls raises) fails the rehearsal with its error', async () => {
    const out = await rehearse(project([USERS], DRIFTED, '1 / 0'));
    expect(out.outcome.steps.every((s) => s.ok)).toBe(true);
    expect(out.outcome.models).toEqual({ failed: { error: 'ZeroDivisionError: division by zero' } });
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toContain(
      'FAILED: the models could not be compared with the schema: ZeroDivisionError: division by zero',
    );
    expect(out.stdout).toContain('--no-drift');
  }, 120_000);
});

describe('rehearse --then and --down-to -1 (SQLite)', () => {
  it('runs the command on the migrated scratch database with its URL, and its failure fails the rehearsal', async () => {
    const root = project([USERS], null);
    const seen = path.join(tempDir('preflight-then-'), 'seen.txt');
    const seed = `python3 -c "import os, sqlite3; c = sqlite3.connect(os.environ['DATABASE_URL'][len('sqlite:///'):]); c.execute(\\"INSERT INTO users (email) VALUES ('a@b')\\"); c.commit(); open('${seen}', 'w').write(str(c.execute('SELECT count(*) FROM users').fetchone()[0]))"`;
    const ok = await rehearse(root, { then: seed });
    expect(ok.outcome.then).toMatchObject({ command: seed, ok: true, exit: 'exit 0' });
    expect(readFileSync(seen, 'utf8')).toBe('1');
    expect(ok.exitCode).toBe(0);
    const failing = await rehearse(root, {
      then: `python3 -c "import os, sqlite3; sqlite3.connect(os.environ['DATABASE_URL'][len('sqlite:///'):]).execute('SELECT * FROM nope')"`,
    });
    expect(failing.exitCode).toBe(1);
    expect(failing.outcome.then?.failure?.error).toBe('sqlite3.OperationalError: no such table: nope');
    expect(failing.stdout).toMatch(
      /FAILED: `python3 -c .*` failed after the final upgrade \(exit 1\): sqlite3\.OperationalError: no such table: nope\n$/u,
    );
  }, 120_000);

  it('a --then command that reaches another database is stopped before its first statement there: exit 2, that file unchanged', async () => {
    const root = project([USERS], null);
    const real = path.join(root, 'real.db');
    expect(
      spawnSync('python3', [
        '-c',
        `import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)"); c.execute("INSERT INTO users (email) VALUES ('a@b'), ('c@d')"); c.commit()`,
        real,
      ]).status,
    ).toBe(0);
    const bytes = readFileSync(real);
    // a seed script with a path left over from a developer's machine
    const seed = `python3 -c "import sqlite3; c = sqlite3.connect('${real}'); c.execute('DELETE FROM users'); c.commit()"`;
    const stopped = await rehearse(root, { then: seed }).then(
      () => undefined,
      (e: Error & { exitCode?: number }) => e,
    );
    expect(stopped?.exitCode).toBe(2);
    expect(stopped?.message).toContain(`the SQLite file ${real}`);
    expect(readFileSync(real).equals(bytes)).toBe(true);
  }, 120_000);

  it('--down-to -1 goes one revision down from head, as alembic downgrade -1', async () => {
    const out = await rehearse(project([USERS, INDEX], null), { downTo: '-1' });
    expect(out.outcome.steps.map((s) => `${s.command} ${s.target} ${s.ok}`)).toEqual([
      'upgrade a1000000 true',
      'upgrade head true',
      'downgrade a1000000 true',
      'upgrade head true',
    ]);
    expect(out.exitCode).toBe(0);
  }, 120_000);
});

describe('rehearse on PostgreSQL: the models, and --idempotent', () => {
  const pg = postgresForSuite();

  it('the four differences on PostgreSQL, from the same models', async () => {
    const out = await rehearse(project([USERS], DRIFTED), { scratchUrl: pg().url });
    expect(differences(out).map((d) => [d[0], d[1], d[2]])).toEqual([
      ['add_column', 'users', 'nickname'],
      ['modify_nullable', 'users', 'email'],
      ['add_index', 'users', null],
      ['add_fk', 'users', null],
    ]);
  }, 120_000);

  it('names the add_column that fails a second time, and lets an IF NOT EXISTS migration pass', async () => {
    const root = project(
      [
        [
          'a1000000',
          'op.execute("CREATE TABLE IF NOT EXISTS users (id serial PRIMARY KEY)")',
          'op.drop_table("users")',
        ],
        [
          'b2000000',
          'op.add_column("users", sa.Column("nickname", sa.String(40)))',
          'op.drop_column("users", "nickname")',
        ],
        [
          'c3000000',
          'op.execute("ALTER TABLE users ADD COLUMN IF NOT EXISTS age integer")',
          'op.drop_column("users", "age")',
        ],
      ],
      null,
    );
    const out = await rehearse(root, { scratchUrl: pg().url, idempotent: true });
    expect(out.outcome.idempotency?.map((r) => [r.revision, r.ok])).toEqual([
      ['a1000000', true],
      ['b2000000', false],
      ['c3000000', true],
    ]);
    expect(out.outcome.idempotency?.[1]?.failure?.error).toBe(
      'sqlalchemy.exc.ProgrammingError: (psycopg2.errors.DuplicateColumn) column "nickname" of relation "users" already exists',
    );
    // the pass, then back to empty, then the cycle as usual
    expect(out.outcome.steps.map((s) => `${s.command} ${s.target}`)).toEqual([
      'upgrade a1000000',
      'stamp base',
      'upgrade b2000000',
      'stamp a1000000',
      'stamp b2000000',
      'upgrade c3000000',
      'stamp b2000000',
      'downgrade base',
      'upgrade head',
      'downgrade base',
      'upgrade head',
    ]);
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toContain('FAILED: 1 migration fails when run a second time: b2000000');
  }, 180_000);
});

describe('rehearse: a Flask-Migrate app', () => {
  it("compares the app's models (db.metadata, as flask db loads the app) with the schema", async () => {
    const dir = tempDir('preflight-rehearse-flask-models-');
    const app = (extra: string): string =>
      `import os\nfrom flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\nfrom flask_migrate import Migrate\n\napp = Flask(__name__)\napp.config['SQLALCHEMY_DATABASE_URI'] = os.environ['DATABASE_URL']\ndb = SQLAlchemy(app)\nmigrate = Migrate(app, db)\n\n\nclass User(db.Model):\n    __tablename__ = 'users'\n    id = db.Column(db.Integer, primary_key=True)\n    email = db.Column(db.String(255))\n${extra}`;
    writeFileSync(path.join(dir, 'app.py'), app(''));
    const env = { PATH: '/usr/bin:/bin', FLASK_APP: 'app.py' };
    const init = spawnSync('flask', ['db', 'init'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...env, DATABASE_URL: 'sqlite://' },
    });
    expect(init.status, init.stderr).toBe(0);
    writeFileSync(
      path.join(dir, 'migrations', 'versions', 'a1000000_step.py'),
      revisionFile(
        'a1000000',
        null,
        'op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("email", sa.String(255)))',
        'op.drop_table("users")',
      ),
    );
    const sync = await rehearse(dir, {}, { ...env, DATABASE_URL: 'sqlite:///app.db' });
    expect(sync.outcome.command).toBe('flask db');
    expect(sync.outcome.models).toEqual({ metadata: true, differences: [] });
    expect(sync.exitCode).toBe(0);
    writeFileSync(path.join(dir, 'app.py'), app('    nickname = db.Column(db.String(40))\n'));
    const drifted = await rehearse(dir, {}, { ...env, DATABASE_URL: 'sqlite:///app.db' });
    expect(differences(drifted)).toEqual([
      [
        'add_column',
        'users',
        'nickname',
        'column users.nickname (VARCHAR(40), nullable)',
        'none',
        'a1000000',
      ],
    ]);
  }, 180_000);
});
