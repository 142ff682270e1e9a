import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { rehearseCommand } from '../../src/commands/rehearse/rehearse-command.js';
import { exampleAlembic, exampleCopy } from '../helpers/example-db.js';
import { loadDotenvFirst } from '../helpers/dotenv-env-py.js';
import { pgExec } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { revisionFile } from '../helpers/probe-app.js';
import { tempDir } from '../helpers/temp-dir.js';

const CLEAN: readonly (readonly [string, string, string])[] = [
  [
    'a1000000',
    'op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("email", sa.String(255)))',
    'op.drop_table("users")',
  ],
  [
    'b2000000',
    'op.add_column("users", sa.Column("nickname", sa.String(50)))',
    'op.drop_column("users", "nickname")',
  ],
];

/** The example app with CLEAN as its migrations, and env.py loading `.env` over the environment (python-dotenv's documented pattern). */
function dotenvProject(dotenv: string): string {
  const root = exampleCopy();
  const versions = path.join(root, 'migrations', 'versions');
  rmSync(versions, { recursive: true });
  mkdirSync(versions);
  CLEAN.forEach(([id, up, down], i) =>
    writeFileSync(
      path.join(versions, `${id}_step.py`),
      revisionFile(id, i === 0 ? null : CLEAN[i - 1]![0], up, down),
    ),
  );
  loadDotenvFirst(root, dotenv);
  return root;
}

const rehearse = (root: string, extra: Record<string, unknown>, env: Record<string, string>) =>
  rehearseCommand({
    cwd: root,
    format: 'text',
    env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1', ...env },
    ...extra,
  });

/** What rehearse threw (it must throw: the app pointed its migrations elsewhere). */
async function refusal(run: Promise<unknown>): Promise<Error & { hint?: string; exitCode?: number }> {
  const r = await run.then(
    (out) => ({ out }),
    (e: Error) => ({ e }),
  );
  if ('out' in r) throw new Error(`rehearse did not stop: ${JSON.stringify(r.out).slice(0, 2000)}`);
  return r.e as Error & { hint?: string; exitCode?: number };
}

function sqliteRows(file: string): { users: number; version: string[] } {
  const db = new Database(file, { readonly: true });
  try {
    const users = (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
    const version = (
      db.prepare('SELECT version_num FROM alembic_version').all() as { version_num: string }[]
    ).map((r) => r.version_num);
    return { users, version };
  } finally {
    db.close();
  }
}

describe('rehearse: the fence keeps the migrations on the scratch database', () => {
  it('env.py loads .env with override=True, naming a real SQLite database: stopped before a statement, its rows and version untouched', async () => {
    const root = dotenvProject('DATABASE_URL=sqlite:///real.db\n');
    const real = path.join(root, 'real.db');
    expect(exampleAlembic(root, `sqlite:///${real}`, 'upgrade', 'head').status).toBe(0);
    const db = new Database(real);
    db.exec("INSERT INTO users (email, nickname) VALUES ('a@example.com', 'a'), ('b@example.com', 'b')");
    db.close();
    const bytes = readFileSync(real);
    const e = await refusal(rehearse(root, {}, { DATABASE_URL: 'sqlite:///real.db' }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(`the SQLite file ${real}`);
    // which setting the app read: the variable rehearse set, changed by the app's code
    expect(e.message).toContain('DATABASE_URL');
    expect(e.hint).toMatch(/override=True/u);
    expect(sqliteRows(real)).toEqual({ users: 2, version: ['b2000000'] });
    expect(readFileSync(real).equals(bytes)).toBe(true);
  }, 120_000);

  it('a Flask app whose config falls back to data-dev.sqlite: refused before the file is opened, and --url-env points the setting at the scratch', async () => {
    const dir = tempDir('preflight-rehearse-flasky-');
    writeFileSync(
      path.join(dir, 'config.py'),
      [
        'import os',
        'basedir = os.path.abspath(os.path.dirname(__file__))',
        '',
        '',
        'class DevelopmentConfig:',
        "    SQLALCHEMY_DATABASE_URI = os.environ.get('DEV_DATABASE_URL') or \\",
        "        'sqlite:///' + os.path.join(basedir, 'data-dev.sqlite')",
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(dir, 'app.py'),
      "from flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\nfrom flask_migrate import Migrate\nfrom config import DevelopmentConfig\n\napp = Flask(__name__)\napp.config.from_object(DevelopmentConfig)\ndb = SQLAlchemy(app)\nmigrate = Migrate(app, db)\n\n\n\nclass User(db.Model):\n    __tablename__ = 'users'\n    id = db.Column(db.Integer, primary_key=True)\n    email = db.Column(db.String(255))\n",
    );
    const env = { PATH: '/usr/bin:/bin', FLASK_APP: 'app.py' };
    const init = spawnSync('flask', ['db', 'init'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...env, DEV_DATABASE_URL: 'sqlite://' },
    });
    expect(init.status, init.stderr).toBe(0);
    writeFileSync(
      path.join(dir, 'migrations', 'versions', 'a1000000_step.py'),
      revisionFile('a1000000', null, CLEAN[0]![1], CLEAN[0]![2]),
    );
    // the developer's database, with rows
    const dev = path.join(dir, 'data-dev.sqlite');
    const up = spawnSync('flask', ['db', 'upgrade'], { cwd: dir, encoding: 'utf8', env });
    expect(up.status, up.stderr).toBe(0);
    const db = new Database(dev);
    db.exec("INSERT INTO users (email) VALUES ('dev@example.com')");
    db.close();
    const bytes = readFileSync(dev);
    const e = await refusal(rehearse(dir, {}, { ...env, DATABASE_URL: 'sqlite:///prod.db' }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(`the SQLite file ${dev}`);
    expect(e.hint).toContain('--url-env DEV_DATABASE_URL');
    expect(e.hint).toContain('config.py:6');
    expect(readFileSync(dev).equals(bytes)).toBe(true);
    expect(existsSync(path.join(dir, 'prod.db'))).toBe(false);
    // with the setting pointed at the scratch, the same app rehearses cleanly
    const ok = await rehearse(
      dir,
      { urlEnv: ['DEV_DATABASE_URL'] },
      { ...env, DATABASE_URL: 'sqlite:///prod.db' },
    );
    expect(ok.outcome.steps.map((s) => `${s.command} ${s.target} ${s.ok}`)).toEqual([
      'upgrade head true',
      'downgrade base true',
      'upgrade head true',
    ]);
    expect(ok.exitCode).toBe(0);
    expect(readFileSync(dev).equals(bytes)).toBe(true);
  }, 120_000);
});

describe('rehearse: what keeps a step honest besides the fence', () => {
  it('a step that leaves the scratch version table elsewhere than Alembic plans (env.py running offline) stops the rehearsal there', async () => {
    const root = dotenvProject('');
    writeFileSync(
      path.join(root, 'migrations', 'env.py'),
      'import os\nfrom alembic import context\n\ncontext.configure(url=os.environ["DATABASE_URL"], literal_binds=True, as_sql=True)\nwith context.begin_transaction():\n    context.run_migrations()\n',
    );
    const e = await refusal(rehearse(root, {}, { DATABASE_URL: 'sqlite:///app.db' }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(
      "After `alembic upgrade head` the scratch database's alembic_version holds no row, not b2000000: the migrations ran somewhere else, or on another version table.",
    );
  }, 120_000);

  it('a Python that ignores PYTHONPATH (python -I) cannot be fenced: refused before the first step runs', async () => {
    const root = dotenvProject('');
    const marker = path.join(root, 'ran');
    writeFileSync(
      path.join(root, 'migrations', 'versions', 'a1000000_step.py'),
      revisionFile(
        'a1000000',
        null,
        `open(${JSON.stringify(marker)}, "w").close()\n${CLEAN[0]![1]}`,
        CLEAN[0]![2],
      ),
    );
    const bin = path.join(root, 'isolated-bin');
    mkdirSync(bin);
    writeFileSync(
      path.join(bin, 'alembic'),
      '#!/usr/bin/python3 -I\nimport sys\nfrom alembic.config import main\nsys.exit(main())\n',
      { mode: 0o755 },
    );
    const e = await refusal(
      rehearse(root, {}, { PATH: `${bin}:${process.env.PATH ?? ''}`, DATABASE_URL: 'sqlite:///app.db' }),
    );
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(
      /^The Python that runs alembic did not load alembic-preflight's connection fence/u,
    );
    expect(existsSync(marker)).toBe(false);
  }, 120_000);
});

describe('rehearse on PostgreSQL: the fence', () => {
  const pg = postgresForSuite();

  it('env.py loads .env naming a real PostgreSQL database: refused before its first statement; no write reaches it', async () => {
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS fence_real', 'CREATE DATABASE fence_real']);
    const real = pg().urlFor('fence_real');
    const root = dotenvProject(`DATABASE_URL=${real}\n`);
    expect(exampleAlembic(root, real, 'upgrade', 'head').status).toBe(0);
    await pgExec(real, "INSERT INTO users (email, nickname) VALUES ('a@example.com', 'a')");
    const logBefore = readFileSync(pg().logFile!, 'utf8').length;
    const e = await refusal(rehearse(root, { scratchUrl: pg().url }, { DATABASE_URL: real }));
    // the fenced child connected to fence_real and was closed before any statement
    const onReal = readFileSync(pg().logFile!, 'utf8')
      .slice(logBefore)
      .split('\n')
      .filter((l) => l.includes(':db=fence_real:'));
    expect(onReal.filter((l) => l.includes('connection authorized')).length).toBeGreaterThan(0);
    expect(onReal.filter((l) => l.includes('statement: '))).toEqual([]);
    expect(e.message).toContain("the PostgreSQL database 'fence_real'");
    expect(e.message).not.toContain(pg().password);
    expect(e.hint).not.toContain(pg().password);
    expect(await pgExec(real, 'SELECT count(*)::int FROM users')).toEqual([[1]]);
    expect(await pgExec(real, 'SELECT version_num FROM alembic_version')).toEqual([['b2000000']]);
  }, 120_000);

  it('--from-production with .env naming production: production is never written, whatever env.py does', async () => {
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS fence_prod', 'CREATE DATABASE fence_prod']);
    const prod = pg().urlFor('fence_prod');
    const root = dotenvProject(`DATABASE_URL=${prod}\n`);
    expect(exampleAlembic(root, prod, 'upgrade', 'a1000000').status).toBe(0);
    await pgExec(prod, "INSERT INTO users (email) VALUES ('p@example.com')");
    const logBefore = readFileSync(pg().logFile!, 'utf8').length;
    const e = await refusal(rehearse(root, { fromProduction: true }, { DATABASE_URL: prod }));
    const statements = readFileSync(pg().logFile!, 'utf8')
      .slice(logBefore)
      .split('\n')
      .filter((l) => l.includes(':db=fence_prod:') && l.includes('statement: '))
      .map((l) => l.replace(/^.*statement: /u, ''));
    // the schema copy's reads, and nothing that writes
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements)
      expect(s).not.toMatch(/^\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|TRUNCATE|GRANT|REVOKE|COMMENT)\b/iu);
    expect(e.message).toContain("the PostgreSQL database 'fence_prod'");
    expect(await pgExec(prod, 'SELECT version_num FROM alembic_version')).toEqual([['a1000000']]);
    expect(
      await pgExec(
        prod,
        "SELECT count(*)::int FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname'",
      ),
    ).toEqual([[0]]);
  }, 120_000);
});
