import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { checkCommand } from '../../../src/commands/check/check-command.js';
import { DEFAULT_INI, check, makeProject, migration } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'enum-add-value-unguarded',
  {
    bad: () =>
      makeProject({
        [V + 'a1_x.py']: migration(
          'a1',
          null,
          `op.execute("ALTER TYPE status ADD VALUE 'archived'")`,
          'pass',
        ),
      }),
    good: () =>
      makeProject({
        [V + 'a1_x.py']: migration(
          'a1',
          null,
          `op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived'")`,
          'pass',
        ),
      }),
  },
  (f) => {
    expect(f.message).toContain("ADD VALUE 'archived' has no IF NOT EXISTS");
    expect(f.hint).toContain("ADD VALUE IF NOT EXISTS 'archived'");
  },
);

describe('enum-add-value-unguarded and the server version', () => {
  const project = (upgrade: string): string => {
    const root = makeProject({ [V + 'a1_x.py']: migration('a1', null, upgrade, 'pass') });
    writeFileSync(
      path.join(root, 'alembic.ini'),
      `${DEFAULT_INI}\n[alembic-preflight]\npostgres-version = 11\n`,
    );
    return root;
  };
  it('flags a guarded ADD VALUE inside the transaction on PostgreSQL 11', async () => {
    const r = await check(project(`op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'x'")`));
    const f = r.findings.filter((x) => x.code === 'enum-add-value-unguarded');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('cannot run inside a transaction block');
  });
  it('accepts it in an autocommit block', async () => {
    const r = await check(
      project(
        `with op.get_context().autocommit_block():\n    op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'x'")`,
      ),
    );
    expect(r.findings.map((x) => x.code)).not.toContain('enum-add-value-unguarded');
  });
  it('accepts it where env.py runs every statement in autocommit (privacyIDEA), but still asks for IF NOT EXISTS', async () => {
    const env =
      'from alembic import context\nconnection = connection.execution_options(isolation_level="AUTOCOMMIT")\n';
    const guarded = project(`op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'x'")`);
    writeFileSync(path.join(guarded, 'migrations/env.py'), env);
    expect((await check(guarded)).findings.map((x) => x.code)).not.toContain('enum-add-value-unguarded');
    const bare = project(`op.execute("ALTER TYPE status ADD VALUE 'x'")`);
    writeFileSync(path.join(bare, 'migrations/env.py'), env);
    const f = (await check(bare)).findings.filter((x) => x.code === 'enum-add-value-unguarded');
    expect(f.map((x) => x.message.includes('has no IF NOT EXISTS'))).toEqual([true]);
  });
});

describe('enum-add-value-unguarded and the guards generated migrations write instead of IF NOT EXISTS', () => {
  const messages = async (upgrade: string, extra = ''): Promise<string[]> => {
    const root = makeProject({ [V + 'a1_x.py']: migration('a1', null, upgrade, 'pass') });
    if (extra)
      writeFileSync(path.join(root, 'alembic.ini'), `${DEFAULT_INI}\n[alembic-preflight]\n${extra}\n`);
    return (await check(root)).findings
      .filter((x) => x.code === 'enum-add-value-unguarded')
      .map((x) => x.message);
  };
  const doBlock = (body: string): string => `op.execute("""DO $$\nBEGIN\n${body}\nEND $$;""")`;
  const lookup = (label: string): string =>
    `SELECT 1 FROM pg_type t JOIN pg_enum e ON t.oid = e.enumtypid WHERE t.typname = 'status' AND e.enumlabel = '${label}'`;

  it('accepts IF NOT EXISTS (… pg_enum …) THEN around it, and a handler for duplicate_object, others or 42710', async () => {
    expect(
      await messages(
        doBlock(`IF NOT EXISTS (${lookup('x')}) THEN\n    ALTER TYPE status ADD VALUE 'x';\nEND IF;`),
      ),
    ).toEqual([]);
    expect(
      await messages(
        doBlock(
          `CREATE TABLE IF NOT EXISTS t (label text);\nIF NOT EXISTS (${lookup('x')}) THEN\n    ALTER TYPE status ADD VALUE 'x';\nEND IF;`,
        ),
      ),
    ).toEqual([]);
    expect(
      await messages(
        doBlock(
          `IF EXISTS (SELECT 1) THEN\n  IF NOT EXISTS (${lookup('x')}) THEN\n    ALTER TYPE status ADD VALUE 'x';\n  END IF;\nEND IF;`,
        ),
      ),
    ).toEqual([]);
    for (const handler of [
      'duplicate_object',
      'others',
      "SQLSTATE '42710'",
      'unique_violation OR duplicate_object',
    ]) {
      expect(
        await messages(doBlock(`ALTER TYPE status ADD VALUE 'x';\nEXCEPTION\n  WHEN ${handler} THEN NULL;`)),
        handler,
      ).toEqual([]);
    }
  });

  it('still reports it where the guard does not cover it', async () => {
    const unguarded = "ALTER TYPE status ADD VALUE 'x' has no IF NOT EXISTS";
    // the condition looks up another label
    expect(
      await messages(
        doBlock(`IF NOT EXISTS (${lookup('y')}) THEN\n    ALTER TYPE status ADD VALUE 'x';\nEND IF;`),
      ),
    ).toEqual([expect.stringContaining(unguarded)]);
    // the statement is in the ELSE branch, or after the IF has ended
    expect(
      await messages(
        doBlock(
          `IF NOT EXISTS (${lookup('x')}) THEN\n    NULL;\nELSE\n    ALTER TYPE status ADD VALUE 'x';\nEND IF;`,
        ),
      ),
    ).toEqual([expect.stringContaining(unguarded)]);
    expect(
      await messages(
        doBlock(`IF NOT EXISTS (${lookup('x')}) THEN\n    NULL;\nEND IF;\nALTER TYPE status ADD VALUE 'x';`),
      ),
    ).toEqual([expect.stringContaining(unguarded)]);
    // CREATE TABLE IF NOT EXISTS is not a PL/pgSQL IF
    expect(
      await messages(
        doBlock(
          `CREATE TABLE IF NOT EXISTS t (label text CHECK (label <> 'x'));\nALTER TYPE status ADD VALUE 'x';`,
        ),
      ),
    ).toEqual([expect.stringContaining(unguarded)]);
    expect(
      await messages(
        doBlock(
          `CREATE TABLE IF NOT EXISTS t (label text);\nALTER TYPE status ADD VALUE 'x';\nIF NOT EXISTS (${lookup('x')}) THEN\n    NULL;\nEND IF;`,
        ),
      ),
    ).toEqual([expect.stringContaining(unguarded)]);
    // a handler for another error, or one that belongs to an inner block
    expect(
      await messages(doBlock(`ALTER TYPE status ADD VALUE 'x';\nEXCEPTION WHEN unique_violation THEN NULL;`)),
    ).toEqual([expect.stringContaining(unguarded)]);
    expect(
      await messages(
        doBlock(`ALTER TYPE status ADD VALUE 'x';\nBEGIN\n  NULL;\nEXCEPTION WHEN others THEN NULL;\nEND;`),
      ),
    ).toEqual([expect.stringContaining(unguarded)]);
    // a Python if that does not look the value up, even where the function looks another value up elsewhere
    expect(
      await messages(
        `if op.get_bind().dialect.name == "postgresql":\n    op.execute("ALTER TYPE status ADD VALUE 'x'")`,
      ),
    ).toEqual([expect.stringContaining(unguarded)]);
    expect(
      await messages(
        `found = op.get_bind().execute(sa.text("${lookup('y')}")).first()\nif op.get_bind().dialect.name == "postgresql":\n    op.execute("ALTER TYPE status ADD VALUE 'x'")`,
      ),
    ).toEqual([expect.stringContaining(unguarded)]);
  });

  it('accepts a Python if on a lookup, or one whose condition names the label', async () => {
    expect(
      await messages(
        `values = [e["name"] for e in sa.inspect(op.get_bind()).get_enums()]\nif "status" not in values:\n    op.execute("ALTER TYPE status ADD VALUE 'x'")`,
      ),
    ).toEqual([]);
    expect(
      await messages(`if 'x' not in existing_labels():\n    op.execute("ALTER TYPE status ADD VALUE 'x'")`),
    ).toEqual([]);
    expect(
      await messages(
        `if not op.get_bind().execute(sa.text("${lookup('x')}")).scalar():\n    op.execute("ALTER TYPE status ADD VALUE 'x'")`,
      ),
    ).toEqual([]);
  });

  it('reports an enum_range() guard once the same transaction has added a value to that type, naming the line', async () => {
    const rangeGuarded = (label: string): string =>
      doBlock(
        `IF NOT ('${label}' = ANY(enum_range(NULL::status)::text[])) THEN\n    ALTER TYPE status ADD VALUE '${label}';\nEND IF;`,
      );
    expect(await messages(rangeGuarded('x'))).toEqual([]);
    const twice = await messages(`${rangeGuarded('x')}\n${rangeGuarded('y')}`);
    expect(twice).toEqual([
      expect.stringContaining(
        "ALTER TYPE status ADD VALUE 'y' is guarded by enum_range(), but line 17 adds a value to status",
      ),
    ]);
    expect(twice[0]).toContain('unsafe use of new value');
    // another type, or each statement committed on its own: no conflict
    expect(
      await messages(`op.execute("ALTER TYPE other ADD VALUE IF NOT EXISTS 'z'")\n${rangeGuarded('y')}`),
    ).toEqual([]);
    expect(
      await messages(
        `with op.get_context().autocommit_block():\n    op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'z'")\n    ${rangeGuarded('y').replace(/\n/g, '\n    ')}`,
      ),
    ).toEqual([]);
  });

  it('on PostgreSQL 11, reports a DO block even in an autocommit block: ADD VALUE cannot run from a function there', async () => {
    const guarded = doBlock(
      `IF NOT EXISTS (${lookup('x')}) THEN\n    ALTER TYPE status ADD VALUE 'x';\nEND IF;`,
    );
    const inAutocommit = `with op.get_context().autocommit_block():\n    ${guarded.replace(/\n/g, '\n    ')}`;
    expect(await messages(inAutocommit, 'postgres-version = 11')).toEqual([
      expect.stringContaining('runs inside a DO block, and postgres-version = 11'),
    ]);
    expect(await messages(inAutocommit, 'postgres-version = 12')).toEqual([]);
  });
});

describe('enum-add-value-unguarded grades by what is certain', () => {
  const graded = async (upgrade: string, extra = ''): Promise<[string[], number]> => {
    const root = makeProject({ [V + 'a1_x.py']: migration('a1', null, upgrade, 'pass') });
    if (extra)
      writeFileSync(path.join(root, 'alembic.ini'), `${DEFAULT_INI}\n[alembic-preflight]\n${extra}\n`);
    const out = await checkCommand({ cwd: root, format: 'text', env: {} });
    const severities = out.result.findings
      .filter((x) => x.code === 'enum-add-value-unguarded')
      .map((x) => x.severity);
    return [severities, out.exitCode];
  };

  it('a missing IF NOT EXISTS depends on the database: a warning, and check exits 0', async () => {
    expect(await graded(`op.execute("ALTER TYPE status ADD VALUE 'archived'")`)).toEqual([['warning'], 0]);
  });

  it('what fails wherever it runs is an error, and check exits 1', async () => {
    const range = (label: string): string =>
      `op.execute("""DO $$\nBEGIN\nIF NOT ('${label}' = ANY(enum_range(NULL::status)::text[])) THEN\n    ALTER TYPE status ADD VALUE '${label}';\nEND IF;\nEND $$;""")`;
    expect(await graded(`${range('x')}\n${range('y')}`)).toEqual([['error'], 1]);
    expect(
      await graded(`op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'x'")`, 'postgres-version = 11'),
    ).toEqual([['error'], 1]);
  });

  it('a severity the settings give applies to every finding of the rule', async () => {
    expect(
      await graded(
        `op.execute("ALTER TYPE status ADD VALUE 'archived'")`,
        'rule.enum-add-value-unguarded = error',
      ),
    ).toEqual([['error'], 1]);
  });
});
