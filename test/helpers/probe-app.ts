import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exampleCopy } from './example-db.js';

/** One revision file as Alembic's template writes it, with `body` as upgrade()'s body. */
export function revisionFile(id: string, down: string | null, body: string, downgrade = 'pass'): string {
  return [
    `"""${id}\n\nRevision ID: ${id}\nRevises: ${down ?? ''}\n"""`,
    'from alembic import op',
    'import sqlalchemy as sa',
    '',
    `revision = "${id}"`,
    `down_revision = ${down === null ? 'None' : `"${down}"`}`,
    'branch_labels = None',
    'depends_on = None',
    '',
    '',
    'def upgrade():',
    ...body.split('\n').map((l) => `    ${l}`),
    '',
    '',
    'def downgrade():',
    ...downgrade.split('\n').map((l) => `    ${l}`),
    '',
  ].join('\n');
}

/** The example app's configuration with `revisions` ([id, body] in order, each revising the one before) as its migrations. */
export function projectWith(revisions: readonly (readonly [string, string])[]): string {
  const root = exampleCopy();
  const versions = path.join(root, 'migrations', 'versions');
  rmSync(versions, { recursive: true });
  rmSync(path.join(root, 'app.db'), { force: true });
  mkdirSync(versions);
  revisions.forEach(([id, body], i) =>
    writeFileSync(
      path.join(versions, `${id}_step.py`),
      revisionFile(id, i === 0 ? null : revisions[i - 1]![0], body),
    ),
  );
  return root;
}

/**
 * Three revisions that touch every kind the probes compare: a table with an index and an enum
 * column, a column added and a second table with raw-SQL index, then a batch drop, a new table
 * whose enum type create_table makes, and an index dropped.
 */
export const PROBE_APP: readonly (readonly [string, string])[] = [
  [
    'a1000000',
    [
      'op.create_table(',
      '    "users",',
      '    sa.Column("id", sa.Integer(), primary_key=True),',
      '    sa.Column("email", sa.String(255), nullable=False),',
      ')',
      'op.create_index(op.f("ix_users_email"), "users", ["email"], unique=True)',
    ].join('\n'),
  ],
  [
    'b2000000',
    [
      'op.add_column("users", sa.Column("nickname", sa.String(50), nullable=True))',
      'op.create_table(',
      '    "sessions",',
      '    sa.Column("id", sa.Integer(), primary_key=True),',
      '    sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),',
      ')',
      'op.execute("CREATE INDEX ix_sessions_user ON sessions (user_id)")',
    ].join('\n'),
  ],
  [
    'c3000000',
    [
      'with op.batch_alter_table("users") as batch_op:',
      '    batch_op.drop_column("nickname")',
      'op.create_table(',
      '    "audit",',
      '    sa.Column("id", sa.Integer(), primary_key=True),',
      '    sa.Column("kind", sa.Enum("login", "logout", name="audit_kind"), nullable=False),',
      ')',
      'op.drop_index("ix_sessions_user", table_name="sessions")',
    ].join('\n'),
  ],
];
