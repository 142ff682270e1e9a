import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, check, makeProject, migration } from '../../helpers/project.js';

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
    const root2 = makeProject(
      { [V + 'a1_x.py']: migration('a1', null, UP, "op.drop_table('t')") },
      inDefault,
    );
    expect((await check(root2)).findings.map((f) => f.code)).toContain('uuid-not-portable');
  });
});

describe('uuid-not-portable names SQLAlchemy UUID types only', () => {
  const codes = async (up: string, header: string): Promise<string[]> =>
    (
      await check(
        makeProject({ [V + 'a1_x.py']: migration('a1', null, up, "op.drop_table('t')", header) }, SQLITE_INI),
      )
    ).findings.map((f) => f.code);

  it('follows the imports: aliases, from-imports and renamed types', async () => {
    expect(
      await codes(
        "op.create_table('t', sa.Column('id', pg.UUID()))",
        'import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql as pg\n',
      ),
    ).toContain('uuid-not-portable');
    expect(
      await codes(
        "op.create_table('t', sa.Column('id', PG_UUID()))",
        'import sqlalchemy as sa\nfrom sqlalchemy.dialects.postgresql import UUID as PG_UUID\n',
      ),
    ).toContain('uuid-not-portable');
    expect(
      await codes("op.create_table('t', sa.Column('id', sa.UUID()))", 'import sqlalchemy as sa\n'),
    ).toContain('uuid-not-portable');
    expect(
      await codes(
        "op.create_table('t', sa.Column('id', sqlalchemy.dialects.postgresql.UUID()))",
        'import sqlalchemy\nimport sqlalchemy as sa\nimport sqlalchemy.dialects.postgresql\n',
      ),
    ).toContain('uuid-not-portable');
  });

  it("ignores another library's or the project's own UUID (quay's tester.TestDataType.UUID)", async () => {
    expect(
      await codes(
        "op.create_table('t', sa.Column('id', sa.String(36)))\ntester.populate_column('t', 'id', tester.TestDataType.UUID)",
        'import sqlalchemy as sa\n',
      ),
    ).not.toContain('uuid-not-portable');
    expect(
      await codes(
        "op.create_table('t', sa.Column('id', UUID()))",
        'import sqlalchemy as sa\nfrom app.db.types import UUID\n',
      ),
    ).not.toContain('uuid-not-portable');
    expect(
      await codes(
        "op.create_table('t', sa.Column('id', sa.String(36), default=lambda: str(uuid.UUID(int=0))))",
        'import uuid\nimport sqlalchemy as sa\n',
      ),
    ).not.toContain('uuid-not-portable');
  });
});
