import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { exampleAlembic, exampleCopy } from '../../helpers/example-db.js';
import { mariadbForSuite } from '../../helpers/mariadb-suite.js';
import { expectFindingSample } from '../../helpers/doc-sample.js';

const BLOCK = { mode: 'block', rows: 100_000, bytes: 2 ** 40 } as const;

describe('lock-sessions-hidden (a real MariaDB server, a user without PROCESS as on JawsDB)', () => {
  const maria = mariadbForSuite();

  it('says other sessions cannot be seen; --locks block stops on it unless the settings accept it by name', async () => {
    maria().exec(
      "CREATE DATABASE addon; CREATE USER 'addon'@'127.0.0.1' IDENTIFIED BY 'addon-pw'; GRANT ALL ON addon.* TO 'addon'@'127.0.0.1'",
    );
    const root = exampleCopy();
    const url = `mysql+pymysql://addon:addon-pw@127.0.0.1:${maria().port}/addon`;
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    maria().exec("INSERT INTO addon.users (email) VALUES ('a@example.com')");
    writeFileSync(
      path.join(root, 'migrations/versions/3c_nickname.py'),
      'revision = "3c"\ndown_revision = "2a3b4c5d6e7f"\nfrom alembic import op\nimport sqlalchemy as sa\n\n\ndef upgrade():\n    op.add_column("users", sa.Column("nickname", sa.String(40)))\n',
    );
    const warn = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    const f = warn.result.findings.find((x) => x.code === 'lock-sessions-hidden')!;
    expect(f.message).toMatch(
      /^Other sessions cannot be seen: this user cannot see other sessions' transactions \(.*PROCESS/u,
    );
    expect(warn.exitCode).toBe(0);
    expectFindingSample(
      warn.result.findings,
      'lock-sessions-hidden',
      "MariaDB 10.11 as a user granted everything on its database but not PROCESS (as JawsDB's are)",
      (t) => t,
    );
    const block = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      locks: BLOCK,
    });
    expect(block.exitCode).toBe(1);
    writeFileSync(
      path.join(root, 'pyproject.toml'),
      '[[tool.alembic-preflight.ignore]]\nrule = "lock-sessions-hidden"\nreason = "JawsDB grants no PROCESS; env.py sets lock_wait_timeout"\n',
    );
    const accepted = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      locks: BLOCK,
    });
    expect(accepted.result.findings.map((x) => x.code)).not.toContain('lock-sessions-hidden');
    expect(accepted.exitCode).toBe(0);
  }, 120_000);
});
