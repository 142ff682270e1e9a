import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { DEFAULT_INI, check, makeProject, migration } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'enum-add-value-unguarded',
  {
    bad: () => makeProject({ [V + 'a1_x.py']: migration('a1', null, `op.execute("ALTER TYPE status ADD VALUE 'archived'")`, 'pass') }),
    good: () => makeProject({ [V + 'a1_x.py']: migration('a1', null, `op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived'")`, 'pass') }),
  },
  (f) => {
    expect(f.message).toContain("ADD VALUE 'archived' has no IF NOT EXISTS");
    expect(f.hint).toContain("ADD VALUE IF NOT EXISTS 'archived'");
  },
);

describe('enum-add-value-unguarded and the server version', () => {
  const project = (upgrade: string): string => {
    const root = makeProject({ [V + 'a1_x.py']: migration('a1', null, upgrade, 'pass') });
    writeFileSync(path.join(root, 'alembic.ini'), `${DEFAULT_INI}\n[alembic-preflight]\npostgres-version = 11\n`);
    return root;
  };
  it('flags a guarded ADD VALUE inside the transaction on PostgreSQL 11', async () => {
    const r = await check(project(`op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'x'")`));
    const f = r.findings.filter((x) => x.code === 'enum-add-value-unguarded');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('cannot run inside a transaction block');
  });
  it('accepts it in an autocommit block', async () => {
    const r = await check(project(`with op.get_context().autocommit_block():\n    op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'x'")`));
    expect(r.findings.map((x) => x.code)).not.toContain('enum-add-value-unguarded');
  });
  it('accepts it where env.py runs every statement in autocommit (privacyIDEA), but still asks for IF NOT EXISTS', async () => {
    const env = 'from alembic import context\nconnection = connection.execution_options(isolation_level="AUTOCOMMIT")\n';
    const guarded = project(`op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'x'")`);
    writeFileSync(path.join(guarded, 'migrations/env.py'), env);
    expect((await check(guarded)).findings.map((x) => x.code)).not.toContain('enum-add-value-unguarded');
    const bare = project(`op.execute("ALTER TYPE status ADD VALUE 'x'")`);
    writeFileSync(path.join(bare, 'migrations/env.py'), env);
    const f = (await check(bare)).findings.filter((x) => x.code === 'enum-add-value-unguarded');
    expect(f.map((x) => x.message.includes('has no IF NOT EXISTS'))).toEqual([true]);
  });
});
