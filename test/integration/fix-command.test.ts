import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { fixCommand } from '../../src/commands/fix/fix-command.js';
import { PreflightError } from '../../src/errors/errors.js';
import { PYTHON } from '../helpers/oracle.js';
import { pgExec } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { makeProject, migration, rev } from '../helpers/project.js';
import { tempDir } from '../helpers/temp-dir.js';

// `fix` as a user runs it: the dry run changes nothing and prints a diff that patch applies to give
// exactly what --write writes, in every layout the rewrite meets (calls over several lines, trailing
// commas and comments, tabs, CRLF, no final newline, no sqlalchemy import); what it writes is Python
// that CPython compiles; and each refusal, with a control that goes through.

const FILE = 'migrations/versions/b1_step.py';

/** `fix` in process, as the CLI runs it: its output and exit code, or a refusal's (UsageError: 2, WriteError: 73). */
async function fix(
  cwd: string,
  args: {
    revisions?: string[];
    write?: boolean;
    force?: boolean;
    json?: boolean;
    env?: Record<string, string>;
  } = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const out = await fixCommand({
      format: args.json ? 'json' : 'text',
      cwd,
      env: args.env ?? {},
      revisions: args.revisions ?? ['b1'],
      ...(args.write ? { write: true } : {}),
      ...(args.force ? { force: true } : {}),
    });
    return { status: out.exitCode, stdout: out.stdout, stderr: '' };
  } catch (e) {
    if (e instanceof PreflightError) return { status: e.exitCode, stdout: '', stderr: e.message };
    throw e;
  }
}

/** A project whose b1 file is `text` as given (bytes kept), after a0. */
function project(text: string, extra: Record<string, string> = {}): string {
  return makeProject({ 'migrations/versions/a0_base.py': rev('a0', null), [FILE]: text, ...extra });
}

const HEADER = `"""heavy steps

Revision ID: b1
Revises: a0
"""
from alembic import op

revision = 'b1'
down_revision = 'a0'
`;

const LAYOUTS: Record<string, string> = {
  'one line each, with a comment after a call, no sqlalchemy import': `${HEADER}

def upgrade():
    op.create_index('ix_orders_amount', 'orders', ['amount'])  # the report
    op.create_check_constraint('ck_orders_amount', 'orders', 'amount >= 0')


def downgrade():
    pass
`,
  'a call over several lines with a trailing comma, and one without': `${HEADER}import sqlalchemy as sa


def upgrade():
    op.create_foreign_key(
        'fk_orders_customer',
        'orders',
        'customers',
        ['customer_id'],
        ['id'],
    )
    op.create_index(
        op.f('ix_orders_code'), 'orders', ['code'], unique=False
    )
    op.alter_column('orders', 'note',
                    existing_type=sa.String(50),
                    nullable=False)
`,
  'tabs, CRLF and no final newline':
    `${HEADER}import sqlalchemy as sa\n\n\ndef upgrade():\n\top.create_unique_constraint('uq_orders_code', 'orders', ['code'])\n\top.add_column('orders', sa.Column('extra', sa.Integer()))`.replaceAll(
      '\n',
      '\r\n',
    ),
  'a check whose SQL is a string over several lines': `${HEADER}

def upgrade():
    op.create_check_constraint(
        'ck_orders_note',
        'orders',
        """note <> ''
        AND amount >= 0""",
    )
`,
};

describe('fix: the diff, --write and what they write', () => {
  it.each(Object.entries(LAYOUTS))('%s', async (_name, text) => {
    const dry = project(text);
    const written = project(text);
    const out = await fix(dry);
    expect(out.status, out.stdout + out.stderr).toBe(0);
    // the dry run changed nothing
    expect(readFileSync(path.join(dry, FILE)).equals(Buffer.from(text))).toBe(true);
    const w = await fix(written, { write: true });
    expect(w.status, w.stdout + w.stderr).toBe(0);
    const after = readFileSync(path.join(written, FILE));
    expect(after.equals(Buffer.from(text))).toBe(false);
    // patch applies the printed diff and gives exactly what --write wrote
    const diff = JSON.parse((await fix(dry, { json: true })).stdout).files[0].diff as string;
    const applied = spawnSync('patch', ['-p1', '--binary', '--no-backup-if-mismatch'], {
      cwd: dry,
      input: diff,
    });
    expect(applied.status, `${applied.stdout}${applied.stderr}`).toBe(0);
    expect(readFileSync(path.join(dry, FILE)).toString('utf8')).toEqual(after.toString('utf8'));
    // CPython compiles what was written
    const compiled = spawnSync(PYTHON, ['-m', 'py_compile', path.join(written, FILE)], { encoding: 'utf8' });
    expect(compiled.status, compiled.stderr).toBe(0);
    // and fix finds nothing left to do in its own output
    const again = await fix(written, { json: true });
    expect(JSON.parse(again.stdout).files[0].changed, again.stdout).toBe(false);
  });

  it('keeps what it cannot rewrite, names it with the way instead, and exits 1', async () => {
    const root = project(
      migration(
        'b1',
        'a0',
        "if op.get_context().dialect.name == 'postgresql':\n    op.create_index('ix_a', 'orders', ['amount'])\nop.alter_column('orders', 'amount', type_=sa.BigInteger())\nop.create_index('ix_b', 'orders', ['code'])",
        'pass',
      ),
    );
    const out = await fix(root, { json: true });
    expect(out.status).toBe(1);
    const steps = JSON.parse(out.stdout).files[0].steps as {
      line: number;
      rewritten: boolean;
      why?: string;
      instead?: string;
    }[];
    expect(steps.map((s) => [s.line, s.rewritten])).toEqual([
      [18, false],
      [19, false],
      [20, true],
    ]);
    expect(steps[0]!.why).toContain('under if, for or try');
    expect(steps[1]!.instead).toContain('expand/contract');
    const text = await fix(root);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe(
      'BLOCKED: 2 heavy steps left unchanged, 1 rewritten in the diff; dry run: nothing written',
    );
  });

  it('leaves a table the revision creates alone, and says nothing is heavy', async () => {
    const root = project(
      migration(
        'b1',
        'a0',
        "op.create_table('notes', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('n', sa.Integer()))\nop.create_index('ix_notes_n', 'notes', ['n'])",
        'pass',
      ),
    );
    const out = await fix(root);
    expect(out.status, out.stdout).toBe(0);
    expect(out.stdout.trimEnd().split('\n').at(-1)).toBe(
      'OK: no step takes a heavy lock; dry run: nothing written',
    );
    expect((await fix(root, { write: true })).status).toBe(0);
    expect(readFileSync(path.join(root, FILE), 'utf8')).not.toContain('CONCURRENTLY');
  });

  it('with neither a revision nor a database: exit 2, naming both; with a revision it runs', async () => {
    const root = project(LAYOUTS['one line each, with a comment after a call, no sqlalchemy import']!);
    const none = runCli(root, ['fix']);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('Name the revisions to fix, or give the database');
    expect((await fix(root, { revisions: ['b1'] })).status).toBe(0);
    // ids resolve as alembic resolves them: head is b1; a prefix needs four characters
    const head = await fix(root, { revisions: ['head'] });
    expect(head.status).toBe(0);
    expect(head.stdout).toContain(`${FILE}:`);
    const short = await fix(root, { revisions: ['b'] });
    expect(short.status).toBe(2);
    expect(short.stderr).toContain(
      "Alembic cannot resolve b: No such revision or branch 'b'; please ensure at least four characters are present",
    );
    const unknown = await fix(root, { revisions: ['zz'] });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("No such revision or branch 'zz'");
  });

  it('a file with uncommitted changes in git is not written over (73) unless --force; a committed one is', async () => {
    const text = LAYOUTS['one line each, with a comment after a call, no sqlalchemy import']!;
    const root = project(text);
    const git = (...args: string[]): string =>
      execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
        cwd: root,
        encoding: 'utf8',
      });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'base');
    writeFileSync(path.join(root, FILE), `${text}# edited\n`);
    const refused = runCli(root, ['fix', 'b1', '--write']);
    expect(refused.status).toBe(73);
    expect(refused.stderr).toContain('uncommitted changes');
    expect(readFileSync(path.join(root, FILE), 'utf8')).toBe(`${text}# edited\n`);
    expect((await fix(root, { write: true, force: true })).status).toBe(0);
    expect(readFileSync(path.join(root, FILE), 'utf8')).toContain('CONCURRENTLY');
    // committed: written without --force
    git('checkout', '-q', '--', FILE);
    expect((await fix(root, { write: true })).status).toBe(0);
    expect(readFileSync(path.join(root, FILE), 'utf8')).toContain('CONCURRENTLY');
  });

  it('Alembic before 1.2 is refused (no autocommit_block); 1.2 is not', async () => {
    const text = LAYOUTS['one line each, with a comment after a call, no sqlalchemy import']!;
    const old = project(text, { 'requirements.txt': 'alembic==1.1.0\n' });
    const refused = runCli(old, ['fix', 'b1']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('autocommit_block(), from Alembic 1.2');
    expect((await fix(project(text, { 'requirements.txt': 'alembic==1.2.0\n' }))).status).toBe(0);
  });

  it('MySQL needs no autocommit_block: Alembic 1.1 is rewritten for --dialect mysql; a SQLite database is refused', async () => {
    const text = LAYOUTS['one line each, with a comment after a call, no sqlalchemy import']!;
    const old = project(text, { 'requirements.txt': 'alembic==1.1.0\n' });
    const mysql = runCli(old, ['fix', 'b1', '--dialect', 'mysql']);
    expect(mysql.stdout).toContain('ALGORITHM=INPLACE, LOCK=NONE');
    expect(mysql.stdout).toContain('(MySQL 8.0)');
    const db = new Database(path.join(old, 'app.db'));
    db.exec(
      "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL); INSERT INTO alembic_version VALUES ('a0')",
    );
    db.close();
    const sqlite = runCli(old, ['fix', '--database-url', `sqlite:///${path.join(old, 'app.db')}`]);
    expect(sqlite.status).toBe(2);
    expect(sqlite.stderr).toContain('is SQLite');
  });

  it('an app pinned below SQLAlchemy 1.4.32 gets NOT VALID as SQL; a condition with a colon is left; 1.4.32 gets the keyword', async () => {
    const text = LAYOUTS['one line each, with a comment after a call, no sqlalchemy import']!;
    const pinned = project(text, { 'requirements.txt': 'SQLAlchemy==1.4.31\n' });
    const old = await fix(pinned, { json: true, write: true });
    expect(old.status).toBe(0);
    const steps = JSON.parse(old.stdout).files[0].steps as { step: string; how?: string }[];
    expect(steps.map((s) => [s.step, s.how])).toEqual([
      ['op.create_index', 'built CONCURRENTLY in autocommit_block'],
      [
        'op.create_check_constraint',
        'check added NOT VALID (as SQL: the SQLAlchemy pinned is older than 1.4.32), then validated in its own transaction',
      ],
    ]);
    const written = readFileSync(path.join(pinned, FILE), 'utf8');
    expect(written).not.toContain('postgresql_not_valid');
    expect(written).toContain(
      `op.execute('ALTER TABLE "orders" ADD CONSTRAINT "ck_orders_amount" CHECK (amount >= 0) NOT VALID')`,
    );
    const compiled = spawnSync(PYTHON, ['-m', 'py_compile', path.join(pinned, FILE)], { encoding: 'utf8' });
    expect(compiled.status, compiled.stderr).toBe(0);
    // op.execute would read :x as a bind parameter: such a condition is left, named
    const colon = await fix(
      project(text.replace("'amount >= 0'", "'code <> \\':x\\''"), {
        'requirements.txt': 'SQLAlchemy==1.4.31\n',
      }),
      { json: true },
    );
    expect(colon.status).toBe(1);
    expect(JSON.parse(colon.stdout).files[0].steps[1].why).toBe(
      'postgresql_not_valid= needs SQLAlchemy 1.4.32; requirements.txt:1 pins 1.4.31, and only a call of literal names, columns and condition is written as SQL',
    );
    const current = project(text, { 'requirements.txt': 'SQLAlchemy==1.4.32\n' });
    expect((await fix(current, { write: true })).status).toBe(0);
    expect(readFileSync(path.join(current, FILE), 'utf8')).toContain('postgresql_not_valid=True');
  });

  it('a lock-timeout setting without a unit is a configuration error', async () => {
    const text = LAYOUTS['one line each, with a comment after a call, no sqlalchemy import']!;
    const bad = await fix(
      project(text, { 'pyproject.toml': '[tool.alembic-preflight]\nlock-timeout = "5"\n' }),
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('lock-timeout must be a duration with its unit');
    const good = await fix(
      project(text, { 'pyproject.toml': '[tool.alembic-preflight]\nlock-timeout = "2s"\n' }),
    );
    expect(good.stdout).toContain("SET LOCAL lock_timeout = '2s'");
  });
});

describe('fix with a database: the pending revisions, sized live', () => {
  const pg = postgresForSuite(async (server) => {
    await pgExec(server.url, ['DROP DATABASE IF EXISTS fixcli', 'CREATE DATABASE fixcli']);
    await pgExec(server.urlFor('fixcli'), [
      'CREATE TABLE orders (id integer PRIMARY KEY, amount integer, code integer)',
      'INSERT INTO orders SELECT g, g % 97, g FROM generate_series(1, 500) g',
      'ANALYZE orders',
      'CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)',
    ]);
  });
  const text = migration('b1', 'a0', "op.create_index('ix_orders_amount', 'orders', ['amount'])", 'pass');

  it('rewrites only what is heavy on the live sizes, and names the database, not its password', async () => {
    const url = pg().urlFor('fixcli');
    await pgExec(url, ['DELETE FROM alembic_version', "INSERT INTO alembic_version VALUES ('a0')"]);
    const root = project(text);
    const small = runCli(root, ['fix', '--locks-rows', '1000'], { DATABASE_URL: url });
    expect(small.status, small.stdout + small.stderr).toBe(0);
    expect(small.stdout).toContain('OK: no step takes a heavy lock');
    const large = runCli(root, ['fix', '--locks-rows', '100'], { DATABASE_URL: url });
    expect(large.status, large.stdout + large.stderr).toBe(0);
    expect(large.stdout).toContain(
      `steps heavy on the live sizes of postgresql 127.0.0.1:${pg().port}/fixcli`,
    );
    expect(large.stdout).toContain('CONCURRENTLY');
    expect(large.stdout + large.stderr).not.toContain(pg().password);
  });

  it('refuses a revision the database already holds (2); the same id pending is rewritten', async () => {
    const url = pg().urlFor('fixcli');
    const root = project(text);
    await pgExec(url, ['DELETE FROM alembic_version', "INSERT INTO alembic_version VALUES ('b1')"]);
    const applied = runCli(root, ['fix', 'b1', '--locks-rows', '100'], { DATABASE_URL: url });
    expect(applied.status).toBe(2);
    expect(applied.stderr).toContain('b1 is not pending');
    const before = readFileSync(path.join(root, FILE));
    expect(runCli(root, ['fix', 'b1', '--write', '--locks-rows', '100'], { DATABASE_URL: url }).status).toBe(
      2,
    );
    expect(readFileSync(path.join(root, FILE)).equals(before)).toBe(true);
    await pgExec(url, ['DELETE FROM alembic_version', "INSERT INTO alembic_version VALUES ('a0')"]);
    const copy = tempDir('preflight-');
    cpSync(root, copy, { recursive: true });
    expect(runCli(copy, ['fix', 'b1', '--locks-rows', '100'], { DATABASE_URL: url }).status).toBe(0);
  });
});
