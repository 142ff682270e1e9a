import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { TEST_DB_ENV_PY, useAlembicOnPostgres } from '../../helpers/alembic-on-postgres.js';
import { alembicTargets } from '../../helpers/oracle.js';
import { check, codes, makeProject, migration } from '../../helpers/project.js';

const V = 'migrations/versions/';
const indent = (code: string): string =>
  code
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
const reported = async (upgrade: string): Promise<boolean> =>
  (await check(makeProject({ [V + 'a1_x.py']: migration('a1', null, upgrade, 'pass') }))).findings.some(
    (f) => f.code === 'ddl-in-try-except',
  );

describeRule(
  'ddl-in-try-except',
  {
    bad: () =>
      makeProject({
        [V + 'a1_x.py']: migration(
          'a1',
          null,
          "try:\n    op.create_index('ix_a', 'a', ['x'])\nexcept Exception:\n    pass",
          "op.drop_index('ix_a')",
        ),
      }),
    // a savepoint, a re-raise and a plain check are all fine
    good: () =>
      makeProject({
        [V + 'a1_x.py']: migration(
          'a1',
          null,
          "try:\n    with op.get_bind().begin_nested():\n        op.create_index('ix_a', 'a', ['x'])\nexcept Exception:\n    pass\ntry:\n    op.drop_index('ix_b')\nexcept Exception:\n    log('x')\n    raise\ntry:\n    import json\nexcept ImportError:\n    json = None",
          "op.drop_index('ix_a')",
        ),
      }),
  },
  (f) => {
    expect(f.severity).toBe('error');
    expect(f.line).toBe(17);
    expect(f.message).toContain('op.create_index');
    expect(f.message).toContain('current transaction is aborted');
    expect(f.hint).toContain('begin_nested');
  },
);

describe('ddl-in-try-except: code PostgreSQL never runs', () => {
  const TRY = "try:\n    op.drop_constraint('fk_a', 'a', type_='foreignkey')\nexcept Exception:\n    pass";

  it('is quiet in a branch for another dialect (OpenStack Ironic drops MySQL-only constraints this way)', async () => {
    expect(await reported(`bind = op.get_bind()\nif bind.engine.name == 'mysql':\n${indent(TRY)}`)).toBe(
      false,
    );
    expect(await reported(`if op.get_bind().dialect.name != 'postgresql':\n${indent(TRY)}`)).toBe(false);
    expect(await reported(`if op.get_bind().dialect.name in ('mysql', 'mariadb'):\n${indent(TRY)}`)).toBe(
      false,
    );
    expect(
      await reported(`if op.get_bind().dialect.name == 'postgresql':\n    pass\nelse:\n${indent(TRY)}`),
    ).toBe(false);
    expect(await reported(`if op.get_bind().dialect.name == 'postgresql':\n    return\n${TRY}`)).toBe(false);
  });

  it('reads a dialect name held in a local variable (Keep: `dialect = conn.dialect.name`)', async () => {
    expect(
      await reported(
        `conn = op.get_bind()\ndialect = conn.dialect.name\nif dialect == 'mysql':\n${indent(TRY)}`,
      ),
    ).toBe(false);
    expect(
      await reported(
        `dialect_name = op.get_context().dialect.name\nif dialect_name in ('mysql', 'sqlite'):\n${indent(TRY)}`,
      ),
    ).toBe(false);
    expect(await reported(`dialect = conn.dialect.name\nif dialect == 'postgresql':\n${indent(TRY)}`)).toBe(
      true,
    );
    // bound twice, or to something else: not a dialect test
    expect(
      await reported(
        `dialect = conn.dialect.name\ndialect = 'mysql'\nif dialect == 'mysql':\n${indent(TRY)}`,
      ),
    ).toBe(true);
    expect(await reported(`dialect = settings.DB\nif dialect == 'mysql':\n${indent(TRY)}`)).toBe(true);
  });

  it("looks through the module's own dialect test (MindsDB: `if _is_sqlite():`)", async () => {
    const helper =
      'import sqlalchemy as sa\n\n\ndef _is_sqlite():\n    bind = op.get_bind()\n    return bind.dialect.name == "sqlite"\n';
    const file = (upgrade: string): string => migration('a1', null, upgrade, 'pass', helper);
    const reportedIn = async (upgrade: string): Promise<boolean> =>
      (await check(makeProject({ [V + 'a1_x.py']: file(upgrade) }))).findings.some(
        (f) => f.code === 'ddl-in-try-except',
      );
    expect(await reportedIn(`if _is_sqlite():\n${indent(TRY)}`)).toBe(false);
    expect(await reportedIn(`if not _is_sqlite():\n${indent(TRY)}`)).toBe(true);
    expect(await reportedIn(`if _is_sqlite():\n    pass\nelse:\n${indent(TRY)}`)).toBe(true);
    expect(await reportedIn(`if _unknown():\n${indent(TRY)}`)).toBe(true);
  });

  it('still reports where PostgreSQL runs it, or where the condition is not a plain dialect test', async () => {
    expect(await reported(`if op.get_bind().dialect.name == 'postgresql':\n${indent(TRY)}`)).toBe(true);
    expect(await reported(`if op.get_bind().dialect.name in ('mysql', 'postgresql'):\n${indent(TRY)}`)).toBe(
      true,
    );
    expect(await reported(`if op.get_bind().dialect.name == 'mysql':\n    pass\nelse:\n${indent(TRY)}`)).toBe(
      true,
    );
    expect(await reported(`if op.get_bind().dialect.name == 'mysql' or FORCE:\n${indent(TRY)}`)).toBe(true);
    expect(await reported(`if op.get_bind().dialect.name == 'sqlite':\n    return\n${TRY}`)).toBe(true);
  });
});

describe('ddl-in-try-except: dialect tests by prefix, handlers that re-raise on PostgreSQL, other libraries', () => {
  const TRY = "try:\n    op.alter_column('t', 'c', type_=sa.String(300))\nexcept Exception:\n    pass";

  it('reads `….name.startswith("mysql")` and `not` (OpenStack Cinder)', async () => {
    expect(
      await reported(
        `connection = op.get_bind()\nif connection.engine.name.startswith('mysql'):\n${indent(TRY)}`,
      ),
    ).toBe(false);
    expect(
      await reported(`if op.get_bind().dialect.name.startswith(('mysql', 'mariadb')):\n${indent(TRY)}`),
    ).toBe(false);
    expect(await reported(`if not op.get_bind().dialect.name == 'postgresql':\n${indent(TRY)}`)).toBe(false);
    expect(await reported(`if (op.get_bind().dialect.name == 'sqlite'):\n${indent(TRY)}`)).toBe(false);
    expect(await reported(`if op.get_bind().dialect.name.startswith('postgres'):\n${indent(TRY)}`)).toBe(
      true,
    );
    expect(await reported(`if not op.get_bind().dialect.name.startswith('mysql'):\n${indent(TRY)}`)).toBe(
      true,
    );
  });

  it('is quiet when the handler re-raises on PostgreSQL, and reports when it only re-raises elsewhere', async () => {
    const body = "try:\n    op.alter_column('t', 'c', type_=sa.String(300))\nexcept Exception:\n";
    expect(
      await reported(
        `connection = op.get_bind()\n${body}    if not connection.engine.name.startswith('mysql'):\n        raise`,
      ),
    ).toBe(false);
    expect(
      await reported(
        `${body}    if op.get_bind().dialect.name == 'mysql':\n        log('x')\n    else:\n        raise`,
      ),
    ).toBe(false);
    expect(await reported(`${body}    if op.get_bind().dialect.name == 'mysql':\n        raise`)).toBe(true);
    expect(await reported(`${body}    if 'exists' not in str(e):\n        raise`)).toBe(true);
  });

  it('takes a handler that ends the process as stopping (Designate logs, then sys.exit(1))', async () => {
    const body =
      "try:\n    op.alter_column('t', 'c', type_=sa.String(300))\nexcept sa.exc.IntegrityError as e:\n    LOG.error('duplicates: %s', e)\n";
    expect(await reported(`${body}    sys.exit(1)`)).toBe(false);
    expect(await reported(`${body}    raise SystemExit(1)`)).toBe(false);
    expect(await reported(`${body}    sys.exit(1)\n    pass`)).toBe(true);
    expect(await reported(`${body}    log_and_continue(1)`)).toBe(true);
  });

  it("does not take another library's query.execute() for SQL on Alembic's connection (quay's peewee models)", async () => {
    expect(
      await reported(
        "try:\n    User.update(email='x').where(User.id == 1).execute()\nexcept Exception:\n    pass",
      ),
    ).toBe(false);
    expect(
      await reported(
        "try:\n    op.get_bind().execute(sa.text('ALTER TABLE t ADD c int'))\nexcept Exception:\n    pass",
      ),
    ).toBe(true);
  });
});

describe('ddl-in-try-except: handlers that cannot catch a failed statement', () => {
  const body = "try:\n    op.drop_constraint('uq', 'secret', type_='unique')\nexcept ";
  it('is quiet when every class caught is a built-in a failed statement never raises (Mage catches ValueError for an unnamed constraint)', async () => {
    expect(await reported(`${body}ValueError:\n    pass`)).toBe(false);
    expect(await reported(`${body}(KeyError, NotImplementedError) as e:\n    pass`)).toBe(false);
  });

  it('still reports a handler that catches Exception, a database error, or a class it cannot know', async () => {
    expect(await reported(`${body}Exception:\n    pass`)).toBe(true);
    expect(await reported(`${body}(ValueError, sa.exc.ProgrammingError):\n    pass`)).toBe(true);
    expect(await reported(`${body}ProgrammingError:\n    pass`)).toBe(true);
    expect(await reported(`${body}MyError:\n    pass`)).toBe(true);
    expect(await reported(`${body}ValueError:\n    pass\nexcept:\n    pass`)).toBe(true);
  });
});

describe('ddl-in-try-except: batch operations run when their with block ends', () => {
  const found = async (upgrade: string): Promise<[string, string][]> =>
    (await check(makeProject({ [V + 'a1_x.py']: migration('a1', null, upgrade, 'pass') }))).findings
      .filter((f) => f.code === 'ddl-in-try-except')
      .map((f) => [f.severity, f.message]);
  const inBatch = (call: string): string =>
    `with op.batch_alter_table('t') as batch_op:\n    try:\n        ${call}\n    except Exception:\n        pass`;

  it('warns that a try inside the block catches nothing, instead of the poisoned transaction', async () => {
    expect(await found(inBatch("batch_op.drop_index('ix_t_x')"))).toEqual([
      [
        'warning',
        expect.stringContaining(
          'batch_op.drop_index(…) in upgrade(), but inside `with op.batch_alter_table(…)` that call only queues the operation',
        ),
      ],
    ]);
    expect(await found(inBatch("batch_op.drop_constraint('uq_t_x', type_='unique')"))).toEqual([
      ['warning', expect.stringContaining('the except never sees its failure')],
    ]);
  });

  it('still reports a poisoned transaction where the call runs in the try: batch_op.execute, op.* next to it, a try around the block', async () => {
    expect(await found(inBatch("batch_op.execute('DROP INDEX ix_t_x')"))).toEqual([
      ['error', expect.stringContaining('current transaction is aborted')],
    ]);
    expect(await found(inBatch("batch_op.drop_index('ix_t_x')\n        op.drop_index('ix_u_y')"))).toEqual([
      ['error', expect.stringContaining('try: wraps op.drop_index(…)')],
    ]);
    expect(
      await found(
        "try:\n    with op.batch_alter_table('t') as batch_op:\n        batch_op.drop_index('ix_t_x')\nexcept Exception:\n    pass",
      ),
    ).toEqual([['error', expect.stringContaining('current transaction is aborted')]]);
  });
});

describe('ddl-in-try-except: no transaction to poison', () => {
  const TRY = "try:\n    op.execute('SHOW bdr.permit_ddl_locking')\nexcept Exception:\n    pass";

  it("is quiet after op.execute('COMMIT') (Bodhi) and inside an autocommit block", async () => {
    expect(await reported(`op.execute('COMMIT')\n${TRY}`)).toBe(false);
    expect(await reported(`with op.get_context().autocommit_block():\n${indent(TRY)}`)).toBe(false);
  });

  it('takes a COMMIT through the connection and text() too, and does not count a COMMIT itself as DDL (Keep)', async () => {
    const commit =
      "conn = op.get_bind()\ntry:\n    conn.execute(sa.text('COMMIT'))\nexcept Exception:\n    pass";
    expect(await reported(commit)).toBe(false);
    expect(await reported(`${commit}\n${TRY}`)).toBe(false);
    expect(await reported("try:\n    op.execute('ROLLBACK')\nexcept Exception:\n    pass")).toBe(false);
    expect(await reported("try:\n    op.execute('COMMIT; DROP TABLE t')\nexcept Exception:\n    pass")).toBe(
      true,
    );
  });

  it('is quiet about DDL after a COMMIT inside the same try, which runs with no transaction open (merklebot/storage adds an enum value so)', async () => {
    expect(
      await reported(
        "try:\n    op.execute('COMMIT')\n    op.execute(\"ALTER TYPE status ADD VALUE 'PENDING'\")\nexcept Exception as e:\n    print(e)",
      ),
    ).toBe(false);
    // DDL before that COMMIT still runs in the migration's transaction
    expect(
      await reported(
        "try:\n    op.drop_index('ix_t_x')\n    op.execute('COMMIT')\n    op.execute(\"ALTER TYPE status ADD VALUE 'PENDING'\")\nexcept Exception:\n    pass",
      ),
    ).toBe(true);
  });

  it('is quiet when env.py runs every statement in autocommit, and only when it names that isolation level alone (privacyIDEA)', async () => {
    const withEnv = async (env: string): Promise<boolean> => {
      const root = makeProject({
        'migrations/env.py': `from alembic import context\nfrom sqlalchemy import create_engine\n${env}\n`,
        [V + 'a1_x.py']: migration('a1', null, TRY, 'pass'),
      });
      return codes(await check(root)).includes('ddl-in-try-except');
    };
    expect(await withEnv('connection = connection.execution_options(isolation_level="AUTOCOMMIT")')).toBe(
      false,
    );
    expect(
      await withEnv("engine = create_engine(url, isolation_level='AUTOCOMMIT', pool_pre_ping=True)"),
    ).toBe(false);
    expect(await withEnv('engine = create_engine(url, **{"isolation_level": "AUTOCOMMIT"})')).toBe(false);
    // a comment, another level beside it, a level chosen at run time, or none: the migration's transaction is there
    expect(
      await withEnv(
        '# connection.execution_options(isolation_level="AUTOCOMMIT")\nengine = create_engine(url)',
      ),
    ).toBe(true);
    expect(
      await withEnv(
        'a = create_engine(url, isolation_level="AUTOCOMMIT")\nb = create_engine(url, isolation_level="SERIALIZABLE")',
      ),
    ).toBe(true);
    expect(await withEnv('engine = create_engine(url, isolation_level=LEVEL)')).toBe(true);
    expect(
      await withEnv(
        'engine = create_engine(url, isolation_level="AUTOCOMMIT" if FAST else "READ COMMITTED")',
      ),
    ).toBe(true);
    expect(await withEnv('engine = create_engine(url)')).toBe(true);
  });

  it('says what a ROLLBACK in the except does instead: it undoes the whole run before it', async () => {
    const message = async (handler: string): Promise<string[]> => {
      const r = await check(
        makeProject({
          [V + 'a1_x.py']: migration(
            'a1',
            null,
            `try:\n    op.execute('CREATE EXTENSION pg_trgm')\nexcept Exception:\n${indent(handler)}\nop.create_index('ix', 't', ['x'])`,
            'pass',
          ),
        }),
      );
      return r.findings
        .filter((f) => f.code === 'ddl-in-try-except')
        .map((f) => (f.message.includes('Its ROLLBACK clears') ? 'rollback' : 'aborted'));
    };
    expect(await message('op.execute("Rollback")')).toEqual(['rollback']);
    expect(await message("op.get_bind().execute(sa.text('ROLLBACK'))")).toEqual(['rollback']);
    expect(await message('op.get_bind().rollback()')).toEqual(['rollback']);
    expect(await message('print("already there")')).toEqual(['aborted']);
    expect(await message("op.execute('ROLLBACK TO SAVEPOINT sp')")).toEqual(['aborted']);
  });

  it('still reports before the COMMIT, or when the COMMIT is not a statement of its own', async () => {
    expect(await reported(`${TRY}\nop.execute('COMMIT')`)).toBe(true);
    expect(await reported(`op.execute('UPDATE t SET x = 1; COMMIT')\n${TRY}`)).toBe(true);
  });
});

describe('ddl-in-try-except: a project that plainly runs elsewhere', () => {
  const SQLITE_INI = '[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite:///app.db\n';
  const ENV =
    "from alembic import context\nfrom sqlalchemy import engine_from_config\nconfig = context.config\nconnectable = engine_from_config(config.get_section(config.config_ini_section), prefix='sqlalchemy.')\n";
  const TRY = "try:\n    op.create_table('t', sa.Column('id', sa.Integer()))\nexcept Exception:\n    pass";
  const severity = async (
    files: Record<string, string>,
    ini = SQLITE_INI,
    header?: string,
  ): Promise<string[]> => {
    const dir = makeProject(
      {
        'migrations/env.py': ENV,
        [V + 'a1_x.py']: migration('a1', null, TRY, "op.drop_table('t')", header),
        ...files,
      },
      ini,
    );
    return (await check(dir)).findings
      .filter((f) => f.code === 'ddl-in-try-except')
      .map(
        (f) =>
          `${f.severity}${f.message.includes('does not appear to use PostgreSQL (alembic.ini:3 sets sqlalchemy.url to sqlite') ? ' (sqlite)' : ''}`,
      );
  };

  it('is information only when alembic.ini names SQLite, env.py uses it, and nothing mentions PostgreSQL (a greyhound-racing app)', async () => {
    expect(await severity({}, SQLITE_INI, 'import sqlalchemy as sa\n')).toEqual(['info (sqlite)']);
    expect(
      await severity(
        {},
        SQLITE_INI.replace('sqlite:///app.db', 'mysql+pymysql://u@h/db'),
        'import sqlalchemy as sa\n',
      ),
    ).toEqual(['info']);
  });

  it('stays an error on any sign of PostgreSQL, or when production may be something else', async () => {
    const header = 'import sqlalchemy as sa\n';
    expect(
      await severity({ 'requirements.txt': 'flask\npsycopg2-binary==2.9\n' }, SQLITE_INI, header),
    ).toEqual(['error']);
    expect(
      await severity(
        {
          'migrations/env.py': ENV + "config.set_main_option('sqlalchemy.url', os.environ['DATABASE_URL'])\n",
        },
        SQLITE_INI,
        header,
      ),
    ).toEqual(['error']);
    expect(
      await severity(
        { Procfile: 'release: alembic upgrade head\n', 'app.json': '{"addons": ["heroku-postgresql"]}' },
        SQLITE_INI,
        header,
      ),
    ).toEqual(['error']);
    // the migrations import the PostgreSQL dialect (the default header does)
    expect(await severity({})).toEqual(['error']);
    // no sqlalchemy.url at all
    expect(await severity({}, '[alembic]\nscript_location = migrations\n', header)).toEqual(['error']);
  });

  it("is information only when the URL comes from the application but the project declares only another database's driver (Anubis, Nylas sync-engine)", async () => {
    const header = 'import sqlalchemy as sa\n';
    const appUrl = {
      'migrations/env.py':
        ENV + "config.set_main_option('sqlalchemy.url', current_app.config['SQLALCHEMY_DATABASE_URI'])\n",
    };
    const noUrl = '[alembic]\nscript_location = migrations\n';
    const found = async (files: Record<string, string>): Promise<[string, string][]> => {
      const dir = makeProject(
        { ...appUrl, [V + 'a1_x.py']: migration('a1', null, TRY, "op.drop_table('t')", header), ...files },
        noUrl,
      );
      return (await check(dir)).findings
        .filter((f) => f.code === 'ddl-in-try-except')
        .map((f) => [f.severity, f.message.slice(0, 160)]);
    };
    expect(await found({ 'requirements/common.txt': 'flask\npymysql==1.1.2\n' })).toEqual([
      [
        'info',
        expect.stringContaining(
          'does not appear to use PostgreSQL (the project declares pymysql (MySQL) and no PostgreSQL driver',
        ),
      ],
    ]);
    // a PostgreSQL driver too, an extra that brings one, a compose file with a postgres service, or no driver at all
    expect((await found({ 'requirements.txt': 'pymysql\npsycopg[binary]\n' })).map(([s]) => s)).toEqual([
      'error',
    ]);
    expect(
      (await found({ 'requirements.txt': 'pymysql\nsqlalchemy[postgresql-psycopg2binary]\n' })).map(
        ([s]) => s,
      ),
    ).toEqual(['error']);
    expect(
      (
        await found({
          'requirements.txt': 'pymysql\n',
          'docker-compose.yml': 'services:\n  db:\n    image: postgres:16\n',
        })
      ).map(([s]) => s),
    ).toEqual(['error']);
    expect((await found({ 'requirements.txt': 'flask\n' })).map(([s]) => s)).toEqual(['error']);
    expect(
      (await found({ 'requirements.txt': 'pymysql\n', 'test-requirements.txt': 'psycopg2>=2.8\n' })).map(
        ([s]) => s,
      ),
    ).toEqual(['error']);
  });
});

describe('ddl-in-try-except and enum-add-value-unguarded against real Alembic and PostgreSQL: reported exactly where the failure breaks the migration', () => {
  const alembicOnPostgres = useAlembicOnPostgres();

  // each upgrade adds an enum value that exists already, then creates a table
  const AFTER = "op.create_table('after', sa.Column('id', sa.Integer(), primary_key=True))";
  const ADD = `op.execute("ALTER TYPE status ADD VALUE 'new'")`;
  // privacyidea/privacyidea: env.py runs every statement in autocommit, so a failed one poisons nothing
  const AUTOCOMMIT_ENV_PY = TEST_DB_ENV_PY.replace(
    '    context.configure(connection=connection)',
    '    connection = connection.execution_options(isolation_level="AUTOCOMMIT")\n    context.configure(connection=connection)',
  );
  const cases: {
    name: string;
    upgrade: string;
    ddl: boolean;
    enumValue: boolean;
    error?: string;
    env?: string;
  }[] = [
    {
      name: 'a swallowed failure in the transaction',
      upgrade: `try:\n    ${ADD}\nexcept Exception as e:\n    print(e)\n${AFTER}`,
      ddl: true,
      enumValue: true,
      error: 'current transaction is aborted',
    },
    {
      name: 'a COMMIT before it in the same try (merklebot/storage)',
      upgrade: `try:\n    op.execute('COMMIT')\n    ${ADD}\nexcept Exception as e:\n    print(e)\n${AFTER}`,
      ddl: false,
      enumValue: false,
    },
    {
      name: 'a COMMIT before the try (Bodhi)',
      upgrade: `op.execute('COMMIT')\ntry:\n    ${ADD}\nexcept Exception as e:\n    print(e)\n${AFTER}`,
      ddl: false,
      enumValue: false,
    },
    { name: 'no try', upgrade: `${ADD}\n${AFTER}`, ddl: false, enumValue: true, error: 'already exists' },
    {
      name: 'a COMMIT and no try',
      upgrade: `op.execute('COMMIT')\n${ADD}\n${AFTER}`,
      ddl: false,
      enumValue: true,
      error: 'already exists',
    },
    {
      name: 'a swallowed failure where env.py runs in autocommit (privacyIDEA)',
      upgrade: `try:\n    ${ADD}\nexcept Exception as e:\n    print(e)\n${AFTER}`,
      ddl: false,
      enumValue: false,
      env: AUTOCOMMIT_ENV_PY,
    },
    {
      name: 'no try where env.py runs in autocommit',
      upgrade: `${ADD}\n${AFTER}`,
      ddl: false,
      enumValue: true,
      error: 'already exists',
      env: AUTOCOMMIT_ENV_PY,
    },
    // batch_op calls only queue their operation; the batch runs when the with block ends (0x5chn0uf/SmartWalletFX)
    {
      name: 'a batch operation in a try inside its batch_alter_table block (the try catches nothing)',
      upgrade: `with op.batch_alter_table('after_x') as batch_op:\n    try:\n        batch_op.drop_index('ix_missing')\n    except Exception:\n        pass\n${AFTER}`,
      ddl: true,
      enumValue: false,
      error: 'index "ix_missing" does not exist',
    },
    {
      name: 'a try around the whole batch_alter_table block',
      upgrade: `try:\n    with op.batch_alter_table('after_x') as batch_op:\n        batch_op.drop_index('ix_missing')\nexcept Exception:\n    pass\n${AFTER}`,
      ddl: true,
      enumValue: false,
      error: 'current transaction is aborted',
    },
    // PL/pgSQL guards, as generated migrations write them (0mer-Ashraf-ML/aws-ui-gym-harness)
    {
      name: 'a DO block that looks the value up in pg_enum first',
      upgrade: `op.execute("""DO $$\nBEGIN\n    IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_enum e ON t.oid = e.enumtypid\n                   WHERE t.typname = 'status' AND e.enumlabel = 'new') THEN\n        ALTER TYPE status ADD VALUE 'new';\n    END IF;\nEND$$;""")\n${AFTER}`,
      ddl: false,
      enumValue: false,
    },
    {
      name: 'a DO block whose handler catches duplicate_object',
      upgrade: `op.execute("DO $$ BEGIN ALTER TYPE status ADD VALUE 'new'; EXCEPTION WHEN duplicate_object THEN NULL; END $$")\n${AFTER}`,
      ddl: false,
      enumValue: false,
    },
    {
      name: 'a DO block with no guard',
      upgrade: `op.execute("DO $$ BEGIN ALTER TYPE status ADD VALUE 'new'; END $$")\n${AFTER}`,
      ddl: false,
      enumValue: true,
      error: 'already exists',
    },
    {
      name: 'an enum_range() guard after another value was added in the same transaction',
      upgrade: `op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'newer'")\nop.execute("DO $$ BEGIN IF NOT ('new' = ANY(enum_range(NULL::status)::text[])) THEN ALTER TYPE status ADD VALUE 'new'; END IF; END $$")\n${AFTER}`,
      ddl: false,
      enumValue: true,
      error: 'unsafe use of new value',
    },
    {
      name: 'an enum_range() guard with nothing added before it',
      upgrade: `op.execute("DO $$ BEGIN IF NOT ('new' = ANY(enum_range(NULL::status)::text[])) THEN ALTER TYPE status ADD VALUE 'new'; END IF; END $$")\n${AFTER}`,
      ddl: false,
      enumValue: false,
    },
    {
      name: 'a Python if on a pg_enum lookup',
      upgrade: `found = op.get_bind().execute(sa.text("SELECT 1 FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = 'status' AND e.enumlabel = 'new'")).first()\nif not found:\n    ${ADD}\n${AFTER}`,
      ddl: false,
      enumValue: false,
    },
  ];

  for (const target of alembicTargets()) {
    it(`Alembic ${target.version}: a ROLLBACK in the except (SimpleLogin): reported, and the upgrade fails unless this is the one revision applied`, async () => {
      const up = `try:\n    ${ADD}\nexcept sa.exc.ProgrammingError:\n    print('already there')\n    op.execute("Rollback")\n${AFTER}`;
      const dir = makeProject({
        'migrations/env.py': TEST_DB_ENV_PY,
        [V + 'a0_x.py']: migration(
          'a0',
          null,
          "op.create_table('first', sa.Column('id', sa.Integer(), primary_key=True))",
          "op.drop_table('first')",
        ),
        [V + 'a1_x.py']: migration('a1', 'a0', up, "op.drop_table('after')"),
      });
      const found = (await check(dir)).findings.filter((f) => f.code === 'ddl-in-try-except');
      expect(found.map((f) => [f.path, f.severity])).toEqual([[V + 'a1_x.py', 'error']]);
      expect(found[0]!.message).toContain(
        "Its ROLLBACK clears the failed statement by ending the migration's transaction",
      );
      // both revisions in one run: the ROLLBACK undoes a0 and the version table, and the version update fails
      const both = await alembicOnPostgres(dir, target.env, ["CREATE TYPE status AS ENUM ('old', 'new')"]);
      const r = both('upgrade', 'head');
      expect(r.ok).toBe(false);
      expect(r.stderr).toContain('relation "alembic_version" does not exist');
      // a1 alone: it goes through
      const alone = await alembicOnPostgres(dir, target.env, ["CREATE TYPE status AS ENUM ('old', 'new')"]);
      expect(alone('upgrade', 'a0').ok).toBe(true);
      const r2 = alone('upgrade', 'head');
      expect(r2.ok, r2.out.slice(-600)).toBe(true);
    });

    for (const c of cases) {
      const fails = c.ddl || c.enumValue;
      it(`Alembic ${target.version}: ${c.name}: ${fails ? 'reported, and the upgrade fails' : 'not reported, and the upgrade succeeds'}`, async () => {
        const dir = makeProject({
          'migrations/env.py': c.env ?? TEST_DB_ENV_PY,
          [V + 'a1_x.py']: migration('a1', null, c.upgrade, "op.drop_table('after')"),
        });
        const found = codes(await check(dir));
        expect([found.includes('ddl-in-try-except'), found.includes('enum-add-value-unguarded')]).toEqual([
          c.ddl,
          c.enumValue,
        ]);
        const alembic = await alembicOnPostgres(dir, target.env, [
          "CREATE TYPE status AS ENUM ('old', 'new')",
        ]);
        const r = alembic('upgrade', 'head');
        expect(r.ok, r.out.slice(-600)).toBe(!fails);
        if (c.error) expect(r.stderr).toContain(c.error);
      });
    }
  }
});
