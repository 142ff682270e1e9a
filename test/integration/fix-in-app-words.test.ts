import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { alembicOnPath } from '../helpers/oracle.js';
import { DEFAULT_INI, ENV_PY, migration, rev } from '../helpers/project.js';
import { tempDir } from '../helpers/temp-dir.js';

// A finding's fix is a command a person pastes where they ran the tool: in the app's own words
// (`flask db …` in a Flask-Migrate app, `alembic -c INI …` where the ini is not at the root). Each
// fix here is pasted into a shell as printed, and judged by what the database or the graph is after.

const PATH = '/usr/bin:/bin';

const APP_PY = `import os
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_migrate import Migrate

app = Flask(__name__)
app.config['SQLALCHEMY_DATABASE_URI'] = os.environ['DATABASE_URL']
db = SQLAlchemy(app)
migrate = Migrate(app, db)
`;

interface Found {
  readonly code: string;
  readonly fix?: string;
}

const findings = (stdout: string): Found[] => (JSON.parse(stdout) as { findings: Found[] }).findings;

const paste = (cwd: string, command: string, env: Record<string, string>) =>
  spawnSync('/bin/sh', ['-c', command], { cwd, encoding: 'utf8', env: { PATH, ...env } });

describe("a finding's fix, pasted as printed, works in the app's own words", () => {
  it('Flask-Migrate: stamped without running, the fix is `flask db stamp … && flask db upgrade`, and it works', () => {
    const dir = tempDir('preflight-flask-words-');
    writeFileSync(path.join(dir, 'app.py'), APP_PY);
    const db = path.join(dir, 'app.db');
    const env = { FLASK_APP: 'app.py', DATABASE_URL: `sqlite:///${db}` };
    expect(paste(dir, 'flask db init', env).status).toBe(0);
    mkdirSync(path.join(dir, 'migrations', 'versions'), { recursive: true });
    writeFileSync(
      path.join(dir, 'migrations', 'versions', 'a1_users.py'),
      migration(
        'a1users',
        null,
        "op.create_table('users', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('users')",
      ),
    );
    // stamped at head without running it: the version table says a1users ran, the schema has no users
    expect(paste(dir, 'flask db stamp head', env).status).toBe(0);
    const verified = runCli(dir, ['verify', '--format', 'json', '--no-git'], { PATH, ...env });
    const behind = findings(verified.stdout).find((f) => f.code === 'schema-behind-stamp');
    expect(behind?.fix).toBe('flask db stamp base && flask db upgrade');
    const fixed = paste(dir, behind!.fix!, env);
    expect(fixed.status, fixed.stderr).toBe(0);
    const sqlite = new Database(db, { readonly: true });
    try {
      expect(sqlite.prepare("SELECT name FROM sqlite_master WHERE name = 'users'").all()).toHaveLength(1);
      expect(sqlite.prepare('SELECT version_num FROM alembic_version').raw().all()).toEqual([['a1users']]);
    } finally {
      sqlite.close();
    }
    expect(runCli(dir, ['verify', '--no-git'], { PATH, ...env }).status).toBe(0);
  }, 60_000);

  it('an ini under db/: the merge fix carries -c db/alembic.ini, and real Alembic runs it to one head', () => {
    const dir = tempDir('preflight-ini-words-');
    const V = 'db/migrations/versions';
    mkdirSync(path.join(dir, V), { recursive: true });
    writeFileSync(
      path.join(dir, 'db', 'alembic.ini'),
      DEFAULT_INI.replace(/script_location\s*=.*/u, 'script_location = db/migrations'),
    );
    writeFileSync(path.join(dir, 'db', 'migrations', 'env.py'), ENV_PY);
    writeFileSync(path.join(dir, 'db', 'migrations', 'script.py.mako'), MAKO);
    writeFileSync(path.join(dir, V, 'a1_root.py'), rev('a1', null));
    writeFileSync(path.join(dir, V, 'b1_left.py'), rev('b1', 'a1'));
    writeFileSync(path.join(dir, V, 'c1_right.py'), rev('c1', 'a1'));
    const checked = runCli(dir, ['check', '-c', 'db/alembic.ini', '--format', 'json']);
    const heads = findings(checked.stdout).find((f) => f.code === 'multiple-heads');
    expect(heads?.fix).toBe('alembic -c db/alembic.ini merge -m "merge heads" b1 c1');
    const bin = alembicOnPath(tempDir('preflight-alembic-bin-'));
    const merged = paste(dir, heads!.fix!, { PATH: `${bin}:${PATH}` });
    expect(merged.status, merged.stderr).toBe(0);
    const again = runCli(dir, ['check', '-c', 'db/alembic.ini', '--format', 'json']);
    expect((JSON.parse(again.stdout) as { graph: { heads: string[] } }).graph.heads).toHaveLength(1);
    expect(again.status).toBe(0);
  }, 60_000);
});

/** Alembic's generic script template, which `alembic merge` renders the merge revision from. */
const MAKO = `"""\${message}

Revision ID: \${up_revision}
Revises: \${down_revision | comma,n}
Create Date: \${create_date}

"""
from alembic import op
import sqlalchemy as sa
\${imports if imports else ""}

revision = \${repr(up_revision)}
down_revision = \${repr(down_revision)}
branch_labels = \${repr(branch_labels)}
depends_on = \${repr(depends_on)}


def upgrade():
    \${upgrades if upgrades else "pass"}


def downgrade():
    \${downgrades if downgrades else "pass"}
`;
