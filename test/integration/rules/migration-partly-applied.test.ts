import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { scanLogText } from '../../../src/check/log-scanner.js';
import { exampleAlembic, exampleCopy } from '../../helpers/example-db.js';
import { runCli } from '../../helpers/cli.js';
import { MARIA_PASSWORD } from '../../helpers/mariadb-server.js';
import { mariadbForSuite } from '../../helpers/mariadb-suite.js';

/** A third revision whose unique index fails on production's data after its first two steps committed. */
const LOCKOUT = (failing: boolean): string => `"""lockout

Revision ID: 3b4c5d6e7f80
Revises: 2a3b4c5d6e7f
"""
from alembic import op
import sqlalchemy as sa

revision = "3b4c5d6e7f80"
down_revision = "2a3b4c5d6e7f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "lockouts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
    )
    op.add_column("users", sa.Column("nickname", sa.String(40), nullable=True))
${failing ? `    op.execute("UPDATE users SET nickname = 'same'")\n` : ''}    op.create_index("ix_users_nickname", "users", ["nickname"], unique=True)
    op.add_column("users", sa.Column("locked_until", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column("users", "locked_until")
    op.drop_index("ix_users_nickname", table_name="users")
    op.drop_column("users", "nickname")
    op.drop_table("lockouts")
`;

describe('migration-partly-applied (a real MariaDB server, real Alembic over PyMySQL)', () => {
  const maria = mariadbForSuite();

  it('a migration that failed halfway: what is there and what is not, the next run stops as predicted, and the way out works', async () => {
    maria().exec('CREATE DATABASE half');
    const url = maria().urlFor('half');
    const root = exampleCopy();
    const file = path.join(root, 'migrations/versions/3b4c5d6e7f80_lockout.py');
    expect(exampleAlembic(root, url, 'upgrade', '2a3b4c5d6e7f').status).toBe(0);
    maria().exec("INSERT INTO half.users (email) VALUES ('a@example.com'), ('b@example.com')");
    // the release that failed: two steps committed, the unique index refused, the version table behind
    writeFileSync(file, LOCKOUT(true));
    const failed = exampleAlembic(root, url, 'upgrade', 'head');
    expect(failed.status).not.toBe(0);
    expect(failed.error).toContain('1062');
    expect(maria().exec('SELECT version_num FROM half.alembic_version')).toEqual([['2a3b4c5d6e7f']]);
    // the team removes the statement that broke it and releases again
    writeFileSync(file, LOCKOUT(false));
    maria().exec('UPDATE half.users SET nickname = NULL');
    const out = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      locks: undefined,
    });
    expect(out.exitCode).toBe(1);
    const f = out.result.findings.find((x) => x.code === 'migration-partly-applied')!;
    expect(f.title).toBe('3b4c5d6e7f80 is partly applied: its first 2 of 4 steps are there');
    expect(f.evidence?.map((e) => e.text)).toEqual([
      'There: creates the table lockouts (line 16); creates the column users.nickname (line 21).',
      'Not there: creates the index ix_users_nickname (line 22); creates the column users.locked_until (line 23).',
    ]);
    expect(out.result.findings.map((x) => x.code)).not.toContain('schema-ahead-of-stamp');
    // the real next release stops exactly there
    const next = exampleAlembic(root, url, 'upgrade', 'head');
    expect(next.status).not.toBe(0);
    expect(f.alembicError).toBe(next.error);
    // and scan-logs knows the line in the failed release's log
    expect(scanLogText(next.error).groups).toMatchObject([{ kind: 'object-exists', key: 'lockouts' }]);
    expect(out.stdout).toContain(`BLOCKED: \`alembic upgrade head\` will fail: ${next.error}`);
    expect(out.stdout).not.toContain(MARIA_PASSWORD);
    // the way out: the two missing steps by hand, then the stamp the finding gives; verify then agrees
    maria().exec(
      'CREATE UNIQUE INDEX ix_users_nickname ON half.users (nickname); ALTER TABLE half.users ADD COLUMN locked_until DATETIME NULL',
    );
    expect(f.fix).toMatch(/^alembic stamp 3b4c5d6e7f80 /u);
    expect(exampleAlembic(root, url, 'stamp', '3b4c5d6e7f80').status).toBe(0);
    const after = runCli(root, ['verify'], { DATABASE_URL: url, ALEMBIC_PREFLIGHT_CACHE: 'off' });
    expect(after.status, after.stdout).toBe(0);
    expect(after.stdout).toMatch(/^schema probes: the database agrees/mu);
  }, 120_000);
});
