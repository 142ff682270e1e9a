import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/check/finding.js';
import { alembicCommand, alembicTargets } from '../helpers/oracle.js';
import { check, makeProject } from '../helpers/project.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

// A script written from a multi-database template (Alembic's `multidb`, Flask-Migrate's `init --multidb`)
// has an upgrade(engine_name) that only dispatches to upgrade_<engine>(), once per database. The lints that
// read upgrade() and downgrade() must read those functions instead, and keep each database's tables apart.

afterAll(removeTempDirs);

/** Replaces the `pass` of `def NAME():` (the template's empty body, after the newer templates' docstring) with `body`. */
function fill(text: string, name: string, body: string): string {
  const empty = new RegExp(`(def ${name}\\(\\)(?: -> None)?:\\n(?:    """.*"""\\n)?)    pass\\n`);
  expect(text, `${name}() in the generated script`).toMatch(empty);
  return text.replace(
    empty,
    `$1${body
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}\n`,
  );
}

const ENGINE1_A1 = [
  "op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True))",
  "op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('status', sa.Enum('new', 'paid', name='order_status')))",
].join('\n');
// engine2's users table has a text key: a foreign key in engine1 must not be compared with it
const ENGINE2_A1 = [
  "op.create_table('users', sa.Column('id', sa.String(36), primary_key=True))",
  'try:',
  "    op.create_index('ix_users_id', 'users', ['id'])",
  'except Exception:',
  '    pass',
].join('\n');
const FK =
  "op.create_table('posts', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id')))";

const A1 = 'migrations/versions/a1_first.py';
const B2 = 'migrations/versions/b2_second.py';

/**
 * a1 and b2 of a two-database project written by hand: `dispatcher` (upgrade(), downgrade() and any
 * helper), then upgrade_<engine>() and downgrade_<engine>() for each engine, holding the bodies the
 * template-written test fills in (engine1's enum and tables, engine2's try/except, the foreign key).
 */
function twoDatabaseProject(
  dispatcher: string,
  [one, two]: readonly [string, string],
): Record<string, string> {
  const script = (id: string, down: string | null, bodies: Record<string, string>): string => {
    const fn = (name: string): string =>
      `def ${name}() -> None:\n${(bodies[name] ?? 'pass')
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n')}\n`;
    return [
      `"""${id}\n\nRevision ID: ${id}\nRevises: ${down ?? ''}\n"""\n\nimport sys\n\nimport sqlalchemy as sa\nfrom alembic import op\n`,
      `revision: str = '${id}'\ndown_revision: str | None = ${down ? `'${down}'` : 'None'}\nbranch_labels = None\ndepends_on = None\n\n`,
      dispatcher,
      ...[`upgrade_${one}`, `downgrade_${one}`, `upgrade_${two}`, `downgrade_${two}`].map(fn),
    ].join('\n');
  };
  return {
    [A1]: script('a1', null, {
      [`upgrade_${one}`]: ENGINE1_A1,
      [`downgrade_${one}`]: "op.drop_table('orders')\nop.drop_table('users')",
      [`upgrade_${two}`]: ENGINE2_A1,
    }),
    [B2]: script('b2', 'a1', {
      [`upgrade_${one}`]: FK,
      [`upgrade_${two}`]: FK,
      [`downgrade_${one}`]: "op.drop_table('posts')",
      [`downgrade_${two}`]: "op.drop_table('posts')",
    }),
  };
}

/** The findings each database's functions should give, the same in every form of the script. */
function expectPerDatabaseFindings(findings: readonly Finding[], root: string): void {
  // a message starts with the file and line; what follows names the function
  const of = (code: string): [string | undefined, string][] =>
    findings.filter((f) => f.code === code).map((f) => [f.path, f.message.replace(/^\S+:\d+: /, '')]);
  const starting = (text: string): unknown =>
    expect.stringMatching(new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  // engine1: the enum type outlives its table
  expect(of('enum-not-dropped-in-downgrade')).toEqual([
    [A1, starting("upgrade_engine1() creates the enum type 'order_status', and downgrade_engine1() drops")],
  ]);
  // engine2: DDL in try/except, and a downgrade that undoes nothing
  expect(of('ddl-in-try-except')).toEqual([
    [A1, starting('try: wraps op.create_index(…) in upgrade_engine2()')],
  ]);
  expect(of('empty-downgrade')).toEqual([
    [A1, starting('downgrade_engine2() does nothing, but upgrade_engine2() changes')],
  ]);
  // the same foreign key in both databases: only engine2's users.id is a string
  const fk = findings.filter((f) => f.code === 'foreign-key-type-mismatch');
  expect(fk.map((f) => f.path)).toEqual([B2]);
  expect(fk[0]!.message).toContain('references users.id (sa.String(36)');
  const lines = readFileSync(path.join(root, B2), 'utf8').split('\n');
  expect(lines[fk[0]!.line! - 1]).toContain(FK.slice(0, 30));
  expect(fk[0]!.line).toBeGreaterThan(lines.findIndex((l) => l.startsWith('def upgrade_engine2')));
}

describe('lints in multi-database scripts', () => {
  for (const target of alembicTargets()) {
    it(`reads upgrade_<engine>() and downgrade_<engine>() of scripts real Alembic ${target.version} writes from its multidb template`, async () => {
      const root = tempDir();
      const run = (...args: string[]): void => {
        const r = alembicCommand(root, args, target.env);
        expect(r.status, r.last).toBe(0);
      };
      run('init', '--template', 'multidb', 'migrations');
      run('revision', '-m', 'first', '--rev-id', 'a1');
      run('revision', '-m', 'second', '--rev-id', 'b2');
      const a1 = path.join(root, A1);
      const b2 = path.join(root, B2);
      let text = readFileSync(a1, 'utf8');
      text = fill(text, 'upgrade_engine1', ENGINE1_A1);
      text = fill(text, 'downgrade_engine1', "op.drop_table('orders')\nop.drop_table('users')");
      text = fill(text, 'upgrade_engine2', ENGINE2_A1);
      writeFileSync(a1, text);
      text = readFileSync(b2, 'utf8');
      text = fill(text, 'upgrade_engine1', FK);
      text = fill(text, 'upgrade_engine2', FK);
      text = fill(text, 'downgrade_engine1', "op.drop_table('posts')");
      text = fill(text, 'downgrade_engine2', "op.drop_table('posts')");
      writeFileSync(b2, text);

      const r = await check(root, target.version === 'latest' ? 'latest' : target.version);
      expectPerDatabaseFindings(r.findings, root);
    });
  }

  it("reads Flask-Migrate's multidb scripts: globals().get(f'upgrade_{engine_name}'), and upgrade_() for the default bind (hasgeek/funnel)", async () => {
    const dispatcher = [
      "def upgrade(engine_name: str = '') -> None:\n    # Do not modify. Edit `upgrade_` instead\n    globals().get(f'upgrade_{engine_name}', lambda: None)()\n\n",
      "def downgrade(engine_name: str = '') -> None:\n    globals().get(f'downgrade_{engine_name}', lambda: None)()\n\n",
    ].join('\n');
    const root = makeProject(twoDatabaseProject(dispatcher, ['', 'geoname']));
    const r = await check(root);
    const named = r.findings
      .filter((f) => f.severity !== 'info')
      .map((f) => ({
        ...f,
        message: f.message
          .replaceAll('upgrade_()', 'upgrade_engine1()')
          .replaceAll('downgrade_()', 'downgrade_engine1()')
          .replaceAll('_geoname', '_engine2'),
      }));
    expectPerDatabaseFindings(named, root);
  });

  for (const [form, helper] of [
    ['globals().get(name)', '    found = globals().get(name)\n    if found is not None:\n        found()\n'],
    ['getattr(sys.modules[__name__], name)', '    getattr(sys.modules[__name__], name)()\n'],
  ] as const) {
    it(`reads the per-database functions when upgrade() hands the name to a helper that picks it with ${form}`, async () => {
      // a dispatcher that tolerates a database the older scripts have no section for
      const dispatcher = [
        'def upgrade(engine_name: str) -> None:\n    _run(f"upgrade_{engine_name}")\n\n',
        'def downgrade(engine_name: str) -> None:\n    _run("downgrade_" + engine_name)\n\n',
        `def _run(name: str) -> None:\n${helper}\n`,
      ].join('\n');
      const root = makeProject(twoDatabaseProject(dispatcher, ['engine1', 'engine2']));
      expectPerDatabaseFindings((await check(root)).findings, root);
    });
  }

  it('reads upgrade() itself when the helper it hands a name to does not look that name up', async () => {
    const root = makeProject({
      [A1]: [
        "from alembic import op\nimport sqlalchemy as sa\n\nrevision = 'a1'\ndown_revision = None\n\n",
        "def upgrade():\n    _log('upgrade_start')\n    op.create_table('t', sa.Column('id', sa.Integer(), primary_key=True))\n    try:\n        op.create_index('ix_t', 't', ['id'])\n    except Exception:\n        pass\n\n",
        "def upgrade_data():\n    op.execute('UPDATE t SET id = id')\n\n",
        "def _log(what):\n    print(getattr(op, 'get_context'), what)\n\n",
        "def downgrade():\n    _log('downgrade_start')\n    op.drop_table('t')\n\n",
        'def downgrade_data():\n    pass\n',
      ].join('\n'),
    });
    const findings = (await check(root)).findings.filter((f) => f.severity !== 'info');
    const tryLine = readFileSync(path.join(root, A1), 'utf8').split('\n').indexOf('    try:') + 1;
    // _log() picks nothing by the name it is handed: upgrade() and downgrade() are the migration
    expect(findings.map((f) => [f.code, f.line, f.message.replace(/^\S+:\d+: /, '').slice(0, 42)])).toEqual([
      ['ddl-in-try-except', tryLine, 'try: wraps op.create_index(…) in upgrade()'],
    ]);
  });

  it('leaves a helper named upgrade_… alone when upgrade() calls it directly: that is one database', async () => {
    const root = makeProject({
      'migrations/versions/a1_first.py': [
        "from alembic import op\nimport sqlalchemy as sa\n\nrevision = 'a1'\ndown_revision = None\n\n",
        "def upgrade():\n    op.add_column('t', sa.Column('x', sa.Integer()))\n    upgrade_data()\n\n",
        "def upgrade_data():\n    op.execute('UPDATE t SET x = 1')\n\n",
        'def downgrade():\n    pass\n\n',
        'def downgrade_data():\n    pass\n',
      ].join('\n'),
    });
    const found = (await check(root)).findings.filter((f) => f.code === 'empty-downgrade');
    // no dispatch by name: upgrade() and downgrade() are the migration, and downgrade() is the one that does nothing
    expect(found.map((f) => f.message.replace(/^\S+:\d+: /, '').slice(0, 30))).toEqual([
      'downgrade() does nothing, but ',
    ]);
  });
});
