import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { DEFAULT_INI, check, makeProject, migration } from '../helpers/project.js';

const V = 'migrations/versions/';
const SQLITE_INI = `${DEFAULT_INI}sqlalchemy.url = sqlite:///app.db\n`;
const UP = "op.create_table('t', sa.Column('id', postgresql.UUID(as_uuid=True), primary_key=True))";

describeRule(
  'uuid-not-portable',
  {
    bad: () => makeProject({ [V + 'a1_x.py']: migration('a1', null, UP, "op.drop_table('t')") }, SQLITE_INI),
    good: () =>
      makeProject(
        {
          [V + 'a1_x.py']: migration(
            'a1',
            null,
            "op.create_table('t', sa.Column('id', sa.Uuid(), primary_key=True), sa.Column('o', postgresql.UUID(as_uuid=True).with_variant(sa.String(36), 'sqlite')), sa.Column('d', sa.String(), default=str(uuid.UUID(int=0))))",
            "op.drop_table('t')",
          ),
        },
        SQLITE_INI,
      ),
  },
  (f) => {
    expect(f.message).toContain('postgresql.UUID');
    expect(f.hint).toContain('sa.Uuid()');
  },
);

describe('uuid-not-portable only where SQLite is a target', () => {
  it('stays quiet on a PostgreSQL-only project, and obeys targets-sqlite', async () => {
    const root = makeProject({ [V + 'a1_x.py']: migration('a1', null, UP, "op.drop_table('t')") });
    expect((await check(root)).findings.map((f) => f.code)).not.toContain('uuid-not-portable');
    writeFileSync(path.join(root, 'pyproject.toml'), '[tool.alembic-preflight]\ntargets-sqlite = true\n');
    expect((await check(root)).findings.map((f) => f.code)).toContain('uuid-not-portable');
  });

  it('reads sqlalchemy.url of the configured section only, as Alembic does', async () => {
    const other = `${DEFAULT_INI}sqlalchemy.url = postgresql://db/app\n\n[tests]\nscript_location = migrations\nsqlalchemy.url = sqlite:///test.db\n`;
    const root = makeProject({ [V + 'a1_x.py']: migration('a1', null, UP, "op.drop_table('t')") }, other);
    expect((await check(root)).findings.map((f) => f.code)).not.toContain('uuid-not-portable');
    const inDefault = `[DEFAULT]\nsqlalchemy.url = sqlite:///%(here)s/app.db\n\n${DEFAULT_INI}`;
    const root2 = makeProject({ [V + 'a1_x.py']: migration('a1', null, UP, "op.drop_table('t')") }, inDefault);
    expect((await check(root2)).findings.map((f) => f.code)).toContain('uuid-not-portable');
  });
});
