import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixCommand } from '../../src/commands/fix/fix-command.js';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import { exampleAlembic, exampleCopy } from '../helpers/example-db.js';
import { mariadbForSuite } from '../helpers/mariadb-suite.js';
import { openSession } from '../helpers/mariadb-session.js';
import { ORACLE_PYTHON, oracleEnv } from '../helpers/oracle.js';

// `fix` on MariaDB, judged by what real Alembic then does on a real server: the index a rewrite builds
// is the original's, and the server's statement log shows it asked for ALGORITHM=INPLACE, LOCK=NONE;
// verify grades an Aria table's index the copy it is, and fix leaves it; written without a database
// (the engine unknown), the server refuses it and nothing changes, where the original silently copies; a session idle in transaction makes the rewrite give up at the
// lock-timeout setting (the original waits, queued); duplicates fail the unique index and leave nothing;
// a retry after a partial run succeeds where the original's fails. A step only a table copy can do is
// left, and the online copy's ALTER clause it prints is one the server takes.

const FILE = 'migrations/versions/3c4d5e6f7a8b_step.py';
const HEAD = '2a3b4c5d6e7f';
// every table is large: the grades decide
const TINY = { mode: 'block' as const, rows: 1, bytes: 1 };

const revision = (upgrade: string, downgrade: string): string =>
  `"""step\n\nRevision ID: 3c4d5e6f7a8b\nRevises: ${HEAD}\n"""\nfrom alembic import op\n\nrevision = "3c4d5e6f7a8b"\ndown_revision = "${HEAD}"\n\n\ndef upgrade():\n    ${upgrade}\n\n\ndef downgrade():\n    ${downgrade}\n`;

const INDEX = revision(
  'op.create_index("ix_gs_user", "guest_sessions", ["failed_attempts", "user_id"])',
  'op.drop_index("ix_gs_user", table_name="guest_sessions")',
);
const UNIQUE = revision(
  'op.create_unique_constraint("uq_gs_user", "guest_sessions", ["failed_attempts", "user_id"])',
  'op.drop_constraint("uq_gs_user", "guest_sessions", type_="unique")',
);

describe('fix on MariaDB: real Alembic runs what it writes', () => {
  const maria = mariadbForSuite();
  let n = 0;

  /** The example at head on a database of its own, with rows, and the step's revision written. */
  function atHead(text: string, settings?: string): { root: string; url: string; db: string } {
    const db = `fx${++n}`;
    maria().exec(`CREATE DATABASE ${db}`);
    const root = exampleCopy();
    const url = maria().urlFor(db);
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    maria().exec(
      `INSERT INTO ${db}.users (id, email) VALUES (1, 'a@example.com'), (2, 'b@example.com'); INSERT INTO ${db}.guest_sessions (user_id) VALUES (1), (2); ANALYZE TABLE ${db}.guest_sessions`,
    );
    writeFileSync(path.join(root, FILE), text);
    if (settings) writeFileSync(path.join(root, 'pyproject.toml'), `[tool.alembic-preflight]\n${settings}\n`);
    return { root, url, db };
  }

  const fix = (root: string, url: string, write = false) =>
    fixCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url }, locks: TINY, write });

  /** fix without a database, for MariaDB, written. */
  const fixBlind = (root: string) =>
    fixCommand({ cwd: root, format: 'text', env: {}, revisions: ['3c4d'], dialect: 'mariadb', write: true });

  const version = (db: string): string =>
    maria().exec(`SELECT version_num FROM ${db}.alembic_version`)[0]![0]!;
  const indexes = (db: string, table: string): string[][] =>
    maria().exec(
      `SELECT index_name, seq_in_index, column_name, non_unique FROM information_schema.statistics WHERE table_schema = '${db}' AND table_name = '${table}' AND index_name <> 'PRIMARY' ORDER BY index_name, seq_in_index`,
    );

  it('create_index: rewritten, built by Alembic with ALGORITHM=INPLACE, LOCK=NONE, the same index as the original', async () => {
    const fixed = atHead(INDEX);
    const original = atHead(INDEX);
    const dry = await fix(fixed.root, fixed.url);
    expect(dry.exitCode).toBe(0);
    expect(readFileSync(path.join(fixed.root, FILE), 'utf8')).toBe(INDEX);
    expect(dry.stdout).toContain(
      `steps heavy on the live sizes of mariadb 127.0.0.1:${maria().port}/${fixed.db}`,
    );
    expect(dry.stdout).toContain(
      ':13 op.create_index on guest_sessions: index built with ALGORITHM=INPLACE, LOCK=NONE',
    );
    expect((await fix(fixed.root, fixed.url, true)).exitCode).toBe(0);
    maria().exec("SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = 1; TRUNCATE mysql.general_log");
    try {
      expect(exampleAlembic(fixed.root, fixed.url, 'upgrade', 'head')).toMatchObject({ status: 0 });
    } finally {
      maria().exec('SET GLOBAL general_log = 0');
    }
    const alters = maria()
      .exec("SELECT argument FROM mysql.general_log WHERE argument LIKE 'ALTER TABLE%'")
      .map((r) => r[0]);
    expect(alters).toEqual([
      'ALTER TABLE `guest_sessions` ADD INDEX `ix_gs_user` (`failed_attempts`, `user_id`), ALGORITHM=INPLACE, LOCK=NONE',
    ]);
    expect(exampleAlembic(original.root, original.url, 'upgrade', 'head').status).toBe(0);
    expect(indexes(fixed.db, 'guest_sessions')).toEqual(indexes(original.db, 'guest_sessions'));
    expect(indexes(fixed.db, 'guest_sessions').map((r) => r[0])).toContain('ix_gs_user');
    // downgrade() as written still undoes it, and the upgrade runs again
    expect(exampleAlembic(fixed.root, fixed.url, 'downgrade', '-1').status).toBe(0);
    expect(indexes(fixed.db, 'guest_sessions').map((r) => r[0])).not.toContain('ix_gs_user');
    expect(exampleAlembic(fixed.root, fixed.url, 'upgrade', 'head').status).toBe(0);
    expect(version(fixed.db)).toBe('3c4d5e6f7a8b');
  }, 120_000);

  it('the tool accepts its own output: verify grades the written ALTER, and fix finds nothing left to do', async () => {
    const { root, url } = atHead(INDEX);
    const verify = async () =>
      (
        await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url }, locks: TINY })
      ).result.findings
        .map((f) => f.code)
        .filter((c) => c.startsWith('lock-'));
    const before = await verify();
    // the control for the Aria case: an index on an InnoDB table is built online, no lock finding
    expect(before).not.toContain('lock-on-large-table');
    await fix(root, url, true);
    const written = readFileSync(path.join(root, FILE), 'utf8');
    expect(written).toContain('ALGORITHM=INPLACE, LOCK=NONE');
    const after = await verify();
    expect(after.filter((c) => !before.includes(c))).toEqual([]);
    expect(after).not.toContain('lock-not-graded');
    const again = await fix(root, url);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('OK: no step takes a heavy lock');
    expect(readFileSync(path.join(root, FILE), 'utf8')).toBe(written);
  }, 120_000);

  it('an Aria table: verify grades its index a copy and fix leaves it; written blind, the server refuses it where the original copies', async () => {
    const body = revision(
      'op.create_index("ix_body", "notes", ["body"])',
      'op.drop_index("ix_body", table_name="notes")',
    );
    const fixed = atHead(body);
    const original = atHead(body);
    for (const { db } of [fixed, original])
      maria().exec(
        `CREATE TABLE ${db}.notes (id INT PRIMARY KEY, body VARCHAR(40)) ENGINE=Aria; INSERT INTO ${db}.notes VALUES (1, 'x'), (2, 'y'); ANALYZE TABLE ${db}.notes`,
      );
    // with the database: the catalog names the engine, so the grade is the copy the server makes
    const verified = await verifyCommand({
      cwd: fixed.root,
      format: 'text',
      env: { DATABASE_URL: fixed.url },
      locks: TINY,
    });
    const lock = verified.result.findings.find((f) => f.code === 'lock-on-large-table');
    expect(lock?.message).toContain('ALGORITHM=COPY, LOCK=SHARED');
    expect(lock?.hint).toContain('notes is Aria: only InnoDB changes a table online');
    const left = await fix(fixed.root, fixed.url, true);
    expect(left.exitCode).toBe(1);
    expect(left.stdout).toContain('the server copies notes for it (ALGORITHM=COPY, LOCK=SHARED)');
    expect(readFileSync(path.join(fixed.root, FILE), 'utf8')).toBe(body);
    // the control: the same index on an InnoDB table is no lock finding (the test before)

    // without a database the engine is not known: the rewrite is written, and the server refuses it
    expect((await fixBlind(fixed.root)).exitCode).toBe(0);
    const run = exampleAlembic(fixed.root, fixed.url, 'upgrade', 'head');
    expect(run.status).not.toBe(0);
    expect(run.error).toMatch(/ALGORITHM=INPLACE is not supported|LOCK=NONE is not supported/u);
    expect(version(fixed.db)).toBe(HEAD);
    expect(indexes(fixed.db, 'notes')).toEqual([]);
    // as written, the server copies the table (under a lock that stops its writes) and succeeds
    expect(exampleAlembic(original.root, original.url, 'upgrade', 'head').status).toBe(0);
    expect(indexes(original.db, 'notes').map((r) => r[0])).toEqual(['ix_body']);
  }, 120_000);

  it('a session idle in transaction: the rewrite gives up at the lock-timeout setting; the retry then succeeds, where the original queues', async () => {
    const fixed = atHead(INDEX, 'lock-timeout = "1s"');
    expect((await fix(fixed.root, fixed.url, true)).exitCode).toBe(0);
    expect(readFileSync(path.join(fixed.root, FILE), 'utf8')).toContain('SET SESSION lock_wait_timeout = 1');
    const idle = await openSession(maria(), `USE ${fixed.db}; BEGIN; SELECT COUNT(*) FROM guest_sessions;`);
    let run;
    try {
      run = exampleAlembic(fixed.root, fixed.url, 'upgrade', 'head');
    } finally {
      await idle.end();
    }
    expect(run.status).not.toBe(0);
    expect(run.error).toContain('Lock wait timeout exceeded');
    expect(version(fixed.db)).toBe(HEAD);
    expect(indexes(fixed.db, 'guest_sessions').map((r) => r[0])).not.toContain('ix_gs_user');
    expect(exampleAlembic(fixed.root, fixed.url, 'upgrade', 'head').status).toBe(0);
    expect(version(fixed.db)).toBe('3c4d5e6f7a8b');

    // the control: as written, the ALTER waits for the metadata lock, and every later query on the table queues behind it
    const original = atHead(INDEX);
    const held = await openSession(
      maria(),
      `USE ${original.db}; BEGIN; SELECT COUNT(*) FROM guest_sessions;`,
    );
    const child = spawn(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
      cwd: original.root,
      env: oracleEnv({
        PATH: process.env.PATH ?? '',
        DATABASE_URL: original.url,
        PYTHONDONTWRITEBYTECODE: '1',
      }),
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    let waiting: string[][] = [];
    for (let i = 0; i < 400 && waiting.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      waiting = maria().exec(
        `SELECT state FROM information_schema.processlist WHERE db = '${original.db}' AND info LIKE 'CREATE INDEX%' AND state = 'Waiting for table metadata lock'`,
      );
    }
    await held.end();
    expect(waiting.length).toBe(1);
    expect(await exited).toBe(0);
  }, 120_000);

  it('a unique index over duplicates fails and leaves nothing; with the duplicates gone the retry succeeds', async () => {
    const { root, url, db } = atHead(UNIQUE);
    maria().exec(`INSERT INTO ${db}.guest_sessions (user_id) VALUES (1)`);
    expect((await fix(root, url, true)).exitCode).toBe(0);
    expect(readFileSync(path.join(root, FILE), 'utf8')).toContain(
      "op.execute('ALTER TABLE `guest_sessions` ADD UNIQUE INDEX `uq_gs_user` (`failed_attempts`, `user_id`), ALGORITHM=INPLACE, LOCK=NONE')",
    );
    // the data-aware verdict still sees the unique index in the SQL written, and names the duplicates
    const verify = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      locks: TINY,
    });
    expect(
      verify.result.findings.filter((f) => f.code.startsWith('data-')).map((f) => `${f.severity} ${f.code}`),
    ).toEqual(['error data-fails-step']);
    expect(verify.exitCode).toBe(1);
    const first = exampleAlembic(root, url, 'upgrade', 'head');
    expect(first.status).not.toBe(0);
    expect(first.error).toContain('Duplicate entry');
    expect(version(db)).toBe(HEAD);
    expect(indexes(db, 'guest_sessions').map((r) => r[0])).not.toContain('uq_gs_user');
    maria().exec(`DELETE FROM ${db}.guest_sessions WHERE id = 3`);
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    expect(indexes(db, 'guest_sessions').filter((r) => r[0] === 'uq_gs_user')).toEqual([
      ['uq_gs_user', '1', 'failed_attempts', '0'],
      ['uq_gs_user', '2', 'user_id', '0'],
    ]);
    // and downgrade() as written drops it
    expect(exampleAlembic(root, url, 'downgrade', '-1').status).toBe(0);
    expect(indexes(db, 'guest_sessions').map((r) => r[0])).not.toContain('uq_gs_user');
  }, 120_000);

  it('a retry after a partial run: the index an earlier run committed is not built again; the original fails on it', async () => {
    const body = revision(
      'op.create_index("ix_gs_user", "guest_sessions", ["failed_attempts"])\n    op.execute("INSERT INTO audit_notes (note) VALUES (\'indexed\')")',
      'op.drop_index("ix_gs_user", table_name="guest_sessions")',
    );
    const fixed = atHead(body);
    const original = atHead(body);
    // the upgrade fails on this database (what verify says): written from the file, as for MariaDB
    expect((await fixBlind(fixed.root)).exitCode).toBe(0);
    for (const { root, url, db } of [fixed, original]) {
      const first = exampleAlembic(root, url, 'upgrade', 'head');
      expect(first.error).toContain("audit_notes' doesn't exist");
      // MariaDB committed the index before the INSERT failed
      expect(indexes(db, 'guest_sessions').map((r) => r[0])).toContain('ix_gs_user');
      expect(version(db)).toBe(HEAD);
      maria().exec(`CREATE TABLE ${db}.audit_notes (note VARCHAR(20))`);
    }
    expect(exampleAlembic(fixed.root, fixed.url, 'upgrade', 'head').status).toBe(0);
    expect(version(fixed.db)).toBe('3c4d5e6f7a8b');
    const retry = exampleAlembic(original.root, original.url, 'upgrade', 'head');
    expect(retry.error).toContain("Duplicate key name 'ix_gs_user'");
    expect(version(original.db)).toBe(HEAD);
  }, 120_000);

  it('a step only a table copy can do is left, named, with the online copy whose ALTER clause the server takes', async () => {
    const body = revision(
      'op.create_check_constraint("ck_attempts", "guest_sessions", "failed_attempts >= 0")',
      'op.drop_constraint("ck_attempts", "guest_sessions", type_="check")',
    );
    const { root, url, db } = atHead(body);
    const out = await fix(root, url, true);
    expect(out.exitCode).toBe(1);
    expect(readFileSync(path.join(root, FILE), 'utf8')).toBe(body);
    expect(out.stdout).toContain(`left unchanged: ${FILE}:13 op.create_check_constraint on guest_sessions`);
    expect(out.stdout).toContain('ALGORITHM=COPY, LOCK=SHARED');
    const clause = /--alter '([^']+)' D=([^,]+),t=guest_sessions --execute/u.exec(out.stdout);
    expect(clause?.[2]).toBe(db);
    maria().exec(`ALTER TABLE ${db}.guest_sessions ${clause![1]}`);
    expect(
      maria().exec(
        `SELECT constraint_name FROM information_schema.table_constraints WHERE table_schema = '${db}' AND constraint_type = 'CHECK'`,
      ),
    ).toEqual([['ck_attempts']]);
    expect(out.stdout.trimEnd().split('\n').at(-1)).toBe('BLOCKED: 1 heavy step left unchanged');
  }, 120_000);

  it('without a database, --dialect mariadb grades every table the revision does not create', async () => {
    const root = exampleCopy();
    writeFileSync(path.join(root, FILE), INDEX);
    const out = await fixCommand({
      cwd: root,
      format: 'json',
      env: {},
      revisions: ['3c4d'],
      dialect: 'mariadb',
    });
    const doc = out.document as { assumedServer: string; files: { steps: { how?: string }[] }[] };
    expect(doc.assumedServer).toBe('MariaDB 10.6 or later');
    expect(doc.files[0]!.steps.map((s) => s.how)).toEqual(['index built with ALGORITHM=INPLACE, LOCK=NONE']);
    // the control: for PostgreSQL (the default) the same step is built CONCURRENTLY
    const pg = await fixCommand({ cwd: root, format: 'text', env: {}, revisions: ['3c4d'] });
    expect(pg.stdout).toContain('built CONCURRENTLY in autocommit_block');
  });
});
