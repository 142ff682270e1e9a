import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { TEST_DB_ENV_PY, useAlembicOnPostgres } from '../../helpers/alembic-on-postgres.js';
import { alembicTargets } from '../../helpers/oracle.js';
import { check, makeProject, migration } from '../../helpers/project.js';

const V = 'migrations/versions/';
const UP =
  "op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('status', sa.Enum('new', 'paid', name='order_status')))";

describeRule(
  'enum-not-dropped-in-downgrade',
  {
    bad: () => makeProject({ [V + 'a1_x.py']: migration('a1', null, UP, "op.drop_table('orders')") }),
    good: () =>
      makeProject({
        [V + 'a1_x.py']: migration(
          'a1',
          null,
          UP,
          "op.drop_table('orders')\nsa.Enum(name='order_status').drop(op.get_bind(), checkfirst=True)",
        ),
        [V + 'b2_x.py']: migration(
          'b2',
          'a1',
          "op.create_table('t', sa.Column('k', sa.Enum('a', name='kind')))",
          "op.drop_table('t')\nop.execute('DROP TYPE IF EXISTS kind')",
        ),
        [V + 'c3_x.py']: migration(
          'c3',
          'b2',
          "op.add_column('t', sa.Column('k2', postgresql.ENUM('a', name='kind', create_type=False)))",
          "op.drop_column('t', 'k2')",
        ),
      }),
  },
  (f) => {
    expect(f.message).toContain("'order_status'");
    expect(f.line).toBe(17);
    expect(f.hint).toContain('sa.Enum(name="order_status").drop(op.get_bind(), checkfirst=True)');
  },
);

describe('enum-not-dropped-in-downgrade: a type created only when missing', () => {
  const reported = async (upgrade: string): Promise<number> =>
    (
      await check(
        makeProject({
          [V + 'a1_x.py']: migration('a1', null, upgrade, "op.drop_column('annotation', 'status')"),
        }),
      )
    ).findings.filter((f) => f.code === 'enum-not-dropped-in-downgrade').length;
  const ENUM = "status_type = postgresql.ENUM('APPROVED', 'SPAM', name='moderationstatus')";
  const ADD = "op.add_column('annotation', sa.Column('status', status_type, nullable=True))";

  it('is quiet when upgrade() creates it with checkfirst=True: the next upgrade does not fail (Hypothesis)', async () => {
    expect(await reported(`${ENUM}\nstatus_type.create(op.get_bind(), checkfirst=True)\n${ADD}`)).toBe(0);
    expect(await reported(`${ENUM}\nstatus_type.create(op.get_bind(), True)\n${ADD}`)).toBe(0);
    expect(
      await reported(`postgresql.ENUM('a', name='moderationstatus').create(op.get_bind(), checkfirst=True)`),
    ).toBe(0);
  });

  it('still reports a plain create, checkfirst=False, or checkfirst on another type', async () => {
    expect(await reported(`${ENUM}\nstatus_type.create(op.get_bind())\n${ADD}`)).toBe(1);
    expect(await reported(`${ENUM}\nstatus_type.create(op.get_bind(), checkfirst=False)\n${ADD}`)).toBe(1);
    expect(
      await reported(
        `${ENUM}\nother = postgresql.ENUM('b', name='other')\nother.create(op.get_bind(), checkfirst=True)\nstatus_type.create(op.get_bind())\n${ADD}`,
      ),
    ).toBe(1);
  });
});

describe('enum-not-dropped-in-downgrade: a type renamed away', () => {
  const CREATE =
    "t = postgresql.ENUM('mailgun', name='servicetype')\nt.create(op.get_bind())\nop.add_column('config', sa.Column('service', t))";
  const reported = async (upgrade: string, downgrade: string): Promise<number> =>
    (
      await check(makeProject({ [V + 'a1_x.py']: migration('a1', null, upgrade, downgrade) }))
    ).findings.filter((f) => f.code === 'enum-not-dropped-in-downgrade').length;

  it('is quiet when downgrade() renames the type out of the way, as the swap-an-enum pattern does (Fides)', async () => {
    expect(
      await reported(
        CREATE,
        "op.execute('alter type servicetype rename to servicetype_old')\nop.drop_column('config', 'service')\nop.execute('drop type servicetype_old')",
      ),
    ).toBe(0);
    expect(
      await reported(
        CREATE,
        "op.execute('ALTER TYPE public.\"servicetype\" RENAME TO servicetype_old')\nop.drop_column('config', 'service')",
      ),
    ).toBe(0);
  });

  it('still reports when downgrade() renames another type, or only a value', async () => {
    expect(
      await reported(
        CREATE,
        "op.execute('ALTER TYPE servicetype_x RENAME TO y')\nop.drop_column('config', 'service')",
      ),
    ).toBe(1);
    expect(
      await reported(
        CREATE,
        "op.execute(\"ALTER TYPE servicetype RENAME VALUE 'a' TO 'b'\")\nop.drop_column('config', 'service')",
      ),
    ).toBe(1);
  });

  it('is quiet when upgrade() frees the name itself before creating the type: a re-run after the downgrade does too (Fides, SkyPortal)', async () => {
    const swap = `op.execute('ALTER TYPE servicetype RENAME TO servicetype_old')\n${CREATE}\nop.execute('DROP TYPE servicetype_old')`;
    expect(await reported(swap, "op.drop_column('config', 'service')")).toBe(0);
    expect(
      await reported(
        `op.execute('DROP TYPE IF EXISTS servicetype')\n${CREATE}`,
        "op.drop_column('config', 'service')",
      ),
    ).toBe(0);
    const raw =
      'op.execute("""\nalter type "public"."followup_apis" rename to "followup_apis_old";\ncreate type "public"."followup_apis" as enum (\'A\', \'B\');\ndrop type "public"."followup_apis_old";\n""")';
    expect(await reported(raw, "op.drop_column('instruments', 'target_name')")).toBe(0);
  });

  it('still reports when the upgrade renames or drops another type first', async () => {
    expect(
      await reported(
        `op.execute('ALTER TYPE servicetype_x RENAME TO servicetype_old')\n${CREATE}`,
        "op.drop_column('config', 'service')",
      ),
    ).toBe(1);
    expect(
      await reported(
        `op.execute('DROP TYPE IF EXISTS servicetypes')\n${CREATE}`,
        "op.drop_column('config', 'service')",
      ),
    ).toBe(1);
    const raw =
      'op.execute("""\nalter type followup_api rename to followup_api_old;\ncreate type followup_apis as enum (\'A\');\n""")';
    expect(await reported(raw, "op.drop_column('instruments', 'target_name')")).toBe(1);
  });
});

describe('enum-not-dropped-in-downgrade: alter_column types', () => {
  it('does not take existing_type= or type_= of alter_column for a created type (Fides turns an enum column into a string)', async () => {
    const count = async (upgrade: string, downgrade: string): Promise<number> =>
      (
        await check(
          makeProject({
            [V + 'a1_x.py']: migration(
              'a1',
              null,
              upgrade,
              downgrade,
              'import sqlalchemy as sa\nfrom app.models import ConsentMechanism\n',
            ),
          }),
        )
      ).findings.filter((f) => f.code === 'enum-not-dropped-in-downgrade').length;
    const down =
      "op.alter_column('history', 'preference', type_=sa.Enum(ConsentMechanism), existing_type=sa.String())\nop.drop_column('history', 'extra')";
    expect(
      await count(
        "op.alter_column('history', 'preference', type_=sa.String(), existing_type=sa.Enum(ConsentMechanism))\nop.add_column('history', sa.Column('extra', sa.String()))",
        down,
      ),
    ).toBe(0);
    // a table created with the type still counts
    expect(
      await count(
        "op.create_table('extra', sa.Column('kind', sa.Enum(ConsentMechanism)))",
        "op.drop_table('extra')",
      ),
    ).toBe(1);
  });
});

describe('enum-not-dropped-in-downgrade: raw CREATE TYPE, and alter_column in any form', () => {
  const findings = async (upgrade: string, downgrade: string) =>
    (
      await check(makeProject({ [V + 'a1_x.py']: migration('a1', null, upgrade, downgrade) }))
    ).findings.filter((f) => f.code === 'enum-not-dropped-in-downgrade');
  const CREATE = `op.execute("CREATE TYPE openidgroupmanagementmode AS ENUM ('NONE', 'FULL')")`;
  const ADD =
    "op.add_column('provider', sa.Column('mode', postgresql.ENUM(name='openidgroupmanagementmode', create_type=False)))";

  it('reports a type created with raw SQL that downgrade() leaves behind, at the statement that creates it (mwdb)', async () => {
    const found = await findings(`${CREATE}\n${ADD}`, "op.drop_column('provider', 'mode')");
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toContain("'openidgroupmanagementmode'");
    expect(found[0]!.line).toBe(17);
    expect(
      (await findings(`op.execute('create type public."kind" as enum (\\'a\\')')`, "op.drop_table('t')"))[0]
        ?.message,
    ).toContain("'kind'");
  });

  it('is quiet when downgrade() drops it, or the SQL creates it only when missing', async () => {
    expect(
      await findings(
        `${CREATE}\n${ADD}`,
        "op.drop_column('provider', 'mode')\nop.execute('DROP TYPE openidgroupmanagementmode')",
      ),
    ).toHaveLength(0);
    const guarded = `op.execute("""DO $$ BEGIN CREATE TYPE mode AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN null; END $$;""")`;
    expect(await findings(guarded, "op.drop_table('t')")).toHaveLength(0);
  });

  it('does not take an Enum inside a column given whole to alter_column for a created type (mwdb)', async () => {
    const alter =
      "with op.batch_alter_table('provider') as batch_op:\n    batch_op.alter_column(sa.Column('mode', sa.Enum(GroupMode), nullable=False))";
    expect(await findings(alter, "op.drop_column('provider', 'mode')")).toHaveLength(0);
  });
});

describe('enum-not-dropped-in-downgrade: add_column', () => {
  const count = async (upgrade: string, downgrade: string): Promise<number> =>
    (
      await check(makeProject({ [V + 'a1_x.py']: migration('a1', null, upgrade, downgrade) }))
    ).findings.filter((f) => f.code === 'enum-not-dropped-in-downgrade').length;

  it('does not take a type named in add_column for one the upgrade creates: Alembic emits no CREATE TYPE there (Skyvern reuses a type)', async () => {
    expect(
      await count(
        "op.add_column('workflows', sa.Column('proxy', sa.Enum('US', 'GB', name='proxylocation'), nullable=True))",
        "op.drop_column('workflows', 'proxy')",
      ),
    ).toBe(0);
    expect(
      await count(
        "with op.batch_alter_table('workflows') as batch_op:\n    batch_op.add_column(sa.Column('proxy', sa.Enum('US', name='proxylocation')))",
        "op.drop_column('workflows', 'proxy')",
      ),
    ).toBe(0);
  });

  it('follows a type held in a name that is only given to add_column (GOV.UK Notify reuses a type an earlier create_table made)', async () => {
    expect(
      await count(
        "kinds = sa.Enum('email', 'sms', name='notification_type')\nop.add_column('notifications', sa.Column('kind', kinds, nullable=True))",
        "op.drop_column('notifications', 'kind')",
      ),
    ).toBe(0);
    // the name also goes to create_table: that creates it
    expect(
      await count(
        "kinds = sa.Enum('email', name='notification_type')\nop.add_column('n', sa.Column('kind', kinds))\nop.create_table('m', sa.Column('kind', kinds))",
        "op.drop_table('m')\nop.drop_column('n', 'kind')",
      ),
    ).toBe(1);
  });

  it('still reports a type the upgrade creates itself before adding the column, or a batch that recreates the table', async () => {
    expect(
      await count(
        "kind = sa.Enum('US', name='proxylocation')\nkind.create(op.get_bind())\nop.add_column('workflows', sa.Column('proxy', kind))",
        "op.drop_column('workflows', 'proxy')",
      ),
    ).toBe(1);
    expect(
      await count(
        "with op.batch_alter_table('workflows', recreate='always') as batch_op:\n    batch_op.add_column(sa.Column('proxy', sa.Enum('US', name='proxylocation')))",
        "op.drop_column('workflows', 'proxy')",
      ),
    ).toBe(1);
  });
});

// What the rule claims, asked of real Alembic on a real PostgreSQL: create_table creates the type and
// drop_table leaves it, so the upgrade after a downgrade fails as the message says; add_column creates none.
describe('enum-not-dropped-in-downgrade against real Alembic and PostgreSQL', () => {
  const alembicOnPostgres = useAlembicOnPostgres();

  for (const target of alembicTargets()) {
    it(`Alembic ${target.version}: a type created with its table fails the next upgrade after the downgrade, as reported`, async () => {
      const dir = makeProject({
        'migrations/env.py': TEST_DB_ENV_PY,
        [V + 'a1_x.py']: migration('a1', null, UP, "op.drop_table('orders')"),
      });
      const finding = (await check(dir)).findings.find((f) => f.code === 'enum-not-dropped-in-downgrade');
      const alembic = await alembicOnPostgres(dir, target.env);
      expect(alembic('upgrade', 'head').ok).toBe(true);
      expect(alembic('downgrade', 'base').ok).toBe(true);
      const again = alembic('upgrade', 'head');
      expect(again.ok).toBe(false);
      expect(again.out).toContain('type "order_status" already exists');
      expect(finding?.message).toContain('type "order_status" already exists');
    });

    it(`Alembic ${target.version}: add_column creates no type, so dropping the column leaves nothing behind (not reported)`, async () => {
      const dir = makeProject({
        'migrations/env.py': TEST_DB_ENV_PY,
        [V + 'a1_x.py']: migration(
          'a1',
          null,
          "op.create_table('t', sa.Column('id', sa.Integer(), primary_key=True))\nsa.Enum('a', name='kind').create(op.get_bind())",
          "op.drop_table('t')\nop.execute('DROP TYPE kind')",
        ),
        [V + 'b2_x.py']: migration(
          'b2',
          'a1',
          "op.add_column('t', sa.Column('k', sa.Enum('a', name='kind')))",
          "op.drop_column('t', 'k')",
        ),
        [V + 'c3_x.py']: migration(
          'c3',
          'b2',
          "op.add_column('t', sa.Column('m', sa.Enum('x', name='brand_new')))",
          "op.drop_column('t', 'm')",
        ),
      });
      expect((await check(dir)).findings.filter((f) => f.code === 'enum-not-dropped-in-downgrade')).toEqual(
        [],
      );
      const alembic = await alembicOnPostgres(dir, target.env);
      // b2 reuses the type a1 created; down to a1 and up again works: b2 never created it
      expect(alembic('upgrade', 'b2').ok).toBe(true);
      expect(alembic('downgrade', 'a1').ok).toBe(true);
      expect(alembic('upgrade', 'b2').ok).toBe(true);
      // a type that does not exist yet is not created by add_column either
      expect(alembic('upgrade', 'c3').out).toContain('type "brand_new" does not exist');
    });
  }
});

describe('enum-not-dropped-in-downgrade: a project that plainly runs elsewhere', () => {
  const ENV =
    "from alembic import context\nfrom sqlalchemy import engine_from_config\nconfig = context.config\nconnectable = engine_from_config(config.get_section(config.config_ini_section), prefix='sqlalchemy.')\n";
  const INI = '[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite:///app.db\n';
  const found = async (files: Record<string, string>): Promise<[string, boolean][]> => {
    const dir = makeProject(
      {
        'migrations/env.py': ENV,
        [V + 'a1_x.py']: migration('a1', null, UP, "op.drop_table('orders')", 'import sqlalchemy as sa\n'),
        ...files,
      },
      INI,
    );
    return (await check(dir)).findings
      .filter((f) => f.code === 'enum-not-dropped-in-downgrade')
      .map((f) => [
        f.severity,
        f.message.includes(
          'This project does not appear to use PostgreSQL (alembic.ini:3 sets sqlalchemy.url to sqlite',
        ),
      ]);
  };

  it('is information only on SQLite, where the enum lives in the column and no type is left behind', async () => {
    expect(await found({})).toEqual([['info', true]]);
  });

  it('stays a warning on any sign of PostgreSQL', async () => {
    expect(await found({ 'requirements.txt': 'psycopg2-binary\n' })).toEqual([['warning', false]]);
  });
});

describe('enum-not-dropped-in-downgrade: an upgrade that drops the type', () => {
  const reported = async (upgrade: string): Promise<number> =>
    (
      await check(
        makeProject({
          [V + 'a1_x.py']: migration(
            'a1',
            null,
            upgrade,
            "sa.Enum('CARD', 'CRYPTO', name='method_enum').create(op.get_bind())\nop.add_column('w', sa.Column('method', postgresql.ENUM('CARD', 'CRYPTO', name='method_enum', create_type=False)))\nop.drop_column('w', 'requisite_id')",
          ),
        }),
      )
    ).findings.filter((f) => f.code === 'enum-not-dropped-in-downgrade').length;

  it('is quiet when upgrade() builds the Enum only to drop it, as autogenerate writes (SeasPay)', async () => {
    expect(
      await reported(
        "op.drop_column('w', 'method')\nsa.Enum('CARD', 'CRYPTO', name='method_enum').drop(op.get_bind())",
      ),
    ).toBe(0);
    expect(
      await reported(
        "op.drop_column('w', 'method')\nt = sa.Enum('CARD', 'CRYPTO', name='method_enum')\nt.drop(op.get_bind(), checkfirst=True)",
      ),
    ).toBe(0);
  });

  it('still reports an Enum that upgrade() creates, beside a drop of it or of another type', async () => {
    expect(
      await reported(
        "t = sa.Enum('CARD', name='method_enum')\nt.drop(op.get_bind())\nt.create(op.get_bind())",
      ),
    ).toBe(1);
    expect(
      await reported(
        "sa.Enum('X', name='other').drop(op.get_bind())\nop.create_table('w2', sa.Column('m', sa.Enum('CARD', name='method_enum')))",
      ),
    ).toBe(1);
    expect(await reported("sa.Enum('CARD', name='method_enum').create(op.get_bind())")).toBe(1);
  });
});
