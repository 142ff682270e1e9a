import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { scanLogText } from '../../../src/check/log-scanner.js';
import { exampleAlembic, exampleCopy } from '../../helpers/example-db.js';
import type { MariaServer } from '../../helpers/mariadb-server.js';
import { mariadbForSuite } from '../../helpers/mariadb-suite.js';
import { openSession } from '../../helpers/mariadb-session.js';
import { expectFindingSample } from '../../helpers/doc-sample.js';

const BLOCK = { mode: 'block', rows: 100_000, bytes: 2 ** 40 } as const;

const NICKNAME = `revision = "3c4d5e6f7a8b"
down_revision = "2a3b4c5d6e7f"
from alembic import op
import sqlalchemy as sa


def upgrade():
    op.add_column("users", sa.Column("nickname", sa.String(40), nullable=True))
`;

/** The example at 2a3b4c5d6e7f with rows in users, and a pending revision that adds a column to users. */
function behind(maria: MariaServer, db: string): { root: string; url: string } {
  maria.exec(`CREATE DATABASE ${db}`);
  const root = exampleCopy();
  const url = maria.urlFor(db);
  expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
  maria.exec(`INSERT INTO ${db}.users (email) VALUES ('a@example.com'), ('b@example.com')`);
  writeFileSync(path.join(root, 'migrations/versions/3c4d5e6f7a8b_nickname.py'), NICKNAME);
  return { root, url };
}

/** What the finding predicts: the real ALTER waits (bounded to 2 s here, where the server's default is a day), the version unchanged. */
function expectAlterWaits(maria: MariaServer, root: string, url: string, db: string): void {
  const started = exampleAlembic(
    root,
    `${url}?init_command=SET SESSION lock_wait_timeout = 2`,
    'upgrade',
    'head',
  );
  expect(started.status).not.toBe(0);
  expect(scanLogText(started.error).groups).toMatchObject([{ kind: 'lock-wait-timeout' }]);
  expect(maria.exec(`SELECT version_num FROM ${db}.alembic_version`)).toEqual([['2a3b4c5d6e7f']]);
}

/** The holder gone: nothing to wait for under --locks block, and the same upgrade goes through. */
async function expectClear(root: string, url: string): Promise<void> {
  const after = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url }, locks: BLOCK });
  expect(after.result.findings.map((x) => x.code)).not.toContain('metadata-lock-wait');
  expect(after.exitCode).toBe(0);
  expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
}

describe('metadata-lock-wait (a real MariaDB server)', () => {
  for (const [name, args, exact] of [
    ['performance_schema off (the default)', [], false],
    [
      'performance_schema on, its metadata locks instrumented',
      ['--performance-schema=ON', '--performance-schema-instrument=wait/lock/metadata/sql/mdl=ON'],
      true,
    ],
  ] as const) {
    describe(name, () => {
      const maria = mariadbForSuite(args);

      it('an idle transaction that read users: named, blocks under --locks block, and the real ALTER waits for it', async () => {
        const { root, url } = behind(maria(), 'mlw');
        const idle = await openSession(maria(), 'BEGIN; SELECT COUNT(*) FROM mlw.users;');
        try {
          const warn = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
          const f = warn.result.findings.find((x) => x.code === 'metadata-lock-wait')!;
          expect(f.severity).toBe('warning');
          expect(f.message).toContain(`Session ${idle.thread} (root) has a transaction open`);
          expect(f.message).toContain(
            exact ? 'holds the metadata lock of users' : 'may hold the metadata lock of users',
          );
          expect(warn.exitCode).toBe(0);
          if (exact)
            expectFindingSample(
              warn.result.findings,
              'metadata-lock-wait',
              'MariaDB 10.11 with performance_schema on, a session that read users and never committed (its thread and age normalised)',
              (t) =>
                t
                  .replace(/\b(session|Session|ID = |KILL )(\s?)\d+/gu, '$1$212')
                  .replace(/open for \d+ s/gu, 'open for 40 s'),
            );
          const block = await verifyCommand({
            cwd: root,
            format: 'text',
            env: { DATABASE_URL: url },
            locks: BLOCK,
          });
          expect(block.exitCode).toBe(1);
          expect(block.result.findings.find((x) => x.code === 'metadata-lock-wait')?.severity).toBe('error');
          expectAlterWaits(maria(), root, url, 'mlw');
        } finally {
          await idle.end();
        }
        // the transaction ended: nothing to wait for, and the same upgrade goes through
        await expectClear(root, url);
      }, 120_000);

      if (!exact)
        it('a session holding LOCK TABLES users WRITE, with no transaction to see: named as a lock, blocks, and the ALTER waits for it', async () => {
          const { root, url } = behind(maria(), 'locked');
          const holder = await openSession(maria(), 'LOCK TABLES locked.users WRITE;');
          try {
            const block = await verifyCommand({
              cwd: root,
              format: 'text',
              env: { DATABASE_URL: url },
              locks: BLOCK,
            });
            const f = block.result.findings.find((x) => x.code === 'metadata-lock-wait')!;
            expect(f.title).toBe('another session holds users locked: the ALTER waits');
            expect(f.severity).toBe('error');
            expect(block.exitCode).toBe(1);
            expectAlterWaits(maria(), root, url, 'locked');
          } finally {
            await holder.end();
          }
          // unlocked (the session gone): nothing to wait for, and the same upgrade goes through
          await expectClear(root, url);
        }, 120_000);

      it(`${exact ? 'an idle transaction on another table is not named' : 'any idle transaction in the database is named: its tables cannot be seen'}`, async () => {
        const { root, url } = behind(maria(), 'other_table');
        const idle = await openSession(maria(), 'BEGIN; SELECT COUNT(*) FROM other_table.guest_sessions;');
        try {
          const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
          expect(out.result.findings.some((x) => x.code === 'metadata-lock-wait')).toBe(!exact);
        } finally {
          await idle.end();
        }
      }, 120_000);
    });
  }
});
