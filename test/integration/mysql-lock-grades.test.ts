import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import { exampleAlembic, exampleCopy } from '../helpers/example-db.js';
import { runCli } from '../helpers/cli.js';
import { mariadbForSuite } from '../helpers/mariadb-suite.js';

// lock-on-large-table on MariaDB, judged by what the real upgrade then does: the step graded COPY
// rebuilds the table (a new InnoDB id), the one graded INSTANT does not; under --locks block the
// release stops before Alembic starts.

const revision = (id: string, body: string): string =>
  `revision = "${id}"\ndown_revision = "2a3b4c5d6e7f"\nfrom alembic import op\nimport sqlalchemy as sa\n\n\ndef upgrade():\n    ${body}\n`;
const RETYPE =
  'op.alter_column("guest_sessions", "failed_attempts", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False, existing_server_default="0")';
const ADD = 'op.add_column("guest_sessions", sa.Column("note", sa.String(40), nullable=True))';
// every table is large: the grades decide
const TINY = { rows: 1, bytes: 1 };

describe('lock grades on MariaDB (a real server, real Alembic over PyMySQL)', () => {
  const maria = mariadbForSuite();

  const tableId = (db: string): string =>
    maria().exec(
      `SELECT TABLE_ID FROM information_schema.INNODB_SYS_TABLES WHERE NAME = '${db}/guest_sessions'`,
    )[0]![0]!;

  function atHead(db: string, body: string): { root: string; url: string } {
    maria().exec(`CREATE DATABASE ${db}`);
    const root = exampleCopy();
    const url = maria().urlFor(db);
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    maria().exec(
      `INSERT INTO ${db}.users (id, email) VALUES (1, 'a@example.com'); INSERT INTO ${db}.guest_sessions (user_id) VALUES (1), (1); ANALYZE TABLE ${db}.guest_sessions`,
    );
    writeFileSync(
      path.join(root, 'migrations/versions/3c4d5e6f7a8b_step.py'),
      revision('3c4d5e6f7a8b', body),
    );
    return { root, url };
  }

  it('a type change is COPY, LOCK=SHARED: named, and the real upgrade rebuilds the table', async () => {
    const { root, url } = atHead('retype', RETYPE);
    const out = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      locks: { mode: 'warn', ...TINY },
    });
    const f = out.result.findings.find((x) => x.code === 'lock-on-large-table')!;
    expect(f.title).toBe('alter_column rebuilds guest_sessions with ALGORITHM=COPY, LOCK=SHARED');
    expect(f.message).toMatch(
      /^op\.alter_column rebuilds guest_sessions \(2 rows, [\d.]+ kB\) with ALGORITHM=COPY, LOCK=SHARED: /u,
    );
    expect(f.message).toContain("the app's writes on guest_sessions wait until it ends");
    expect(f.message).toContain('graded as MariaDB 10.11 answers ALGORITHM= and LOCK=');
    // under a gate the release stops before Alembic starts
    const blocked = runCli(root, ['release', '--locks', 'block', '--locks-rows', '1'], {
      DATABASE_URL: url,
      ALEMBIC_PREFLIGHT_CACHE: 'off',
    });
    expect(blocked.status, blocked.stdout).toBe(1);
    expect(blocked.stdout + blocked.stderr).not.toContain('Running upgrade');
    expect(maria().exec('SELECT version_num FROM retype.alembic_version')).toEqual([['2a3b4c5d6e7f']]);
    const before = tableId('retype');
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    expect(tableId('retype')).not.toBe(before);
  }, 120_000);

  it('a nullable column is INSTANT: not named, and the real upgrade keeps the table', async () => {
    const { root, url: plain } = atHead('instant', ADD);
    // its wait for the metadata lock bounded, as lock-timeout-missing asks (below)
    const url = `${plain}?init_command=${encodeURIComponent('SET SESSION lock_wait_timeout = 5')}`;
    const out = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      locks: { mode: 'block', ...TINY },
    });
    expect(out.result.findings.map((x) => x.code)).not.toContain('lock-on-large-table');
    expect(out.stdout).toMatch(
      /^lock grades: 1 step on existing tables graded, 0 not graded \(--locks block\)$/mu,
    );
    expect(out.exitCode).toBe(0);
    const before = tableId('instant');
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    expect(tableId('instant')).toBe(before);
  }, 120_000);

  it('lock-timeout-missing: the server leaves lock_wait_timeout at a day; a SET in the migration or init_command bounds it', async () => {
    const { root, url } = atHead('waits', ADD);
    const wait = async (u: string) =>
      (
        await verifyCommand({
          cwd: root,
          format: 'text',
          env: { DATABASE_URL: u },
          locks: { mode: 'warn', ...TINY },
        })
      ).result.findings.find((x) => x.code === 'lock-timeout-missing');
    const f = await wait(url);
    expect(f?.title).toBe('no lock_wait_timeout: a step on guest_sessions may wait 86400 s');
    // the URL's init_command runs first in Alembic's session: real Alembic takes it, and verify reads it
    const bounded = `${url}?init_command=${encodeURIComponent('SET SESSION lock_wait_timeout = 5')}`;
    expect(await wait(bounded)).toBeUndefined();
    writeFileSync(
      path.join(root, 'migrations/versions/3c4d5e6f7a8b_step.py'),
      revision('3c4d5e6f7a8b', `op.execute("SET SESSION lock_wait_timeout = 5")\n    ${ADD}`),
    );
    expect(await wait(url)).toBeUndefined();
    expect(exampleAlembic(root, bounded, 'upgrade', 'head').status).toBe(0);
  }, 120_000);
});
