import { beforeAll, describe, expect, it } from 'vitest';
import { rehearseCommand } from '../../src/commands/rehearse/rehearse-command.js';
import { exampleAlembic, exampleCopy } from '../helpers/example-db.js';
import { loadDotenvFirst } from '../helpers/dotenv-env-py.js';
import { MARIA_PASSWORD } from '../helpers/mariadb-server.js';
import { mariadbForSuite } from '../helpers/mariadb-suite.js';

// rehearse on a real MariaDB server: the scratch database is created on the --scratch-url server and
// dropped after, the app's Alembic runs behind the fence over PyMySQL, and --from-production copies
// production's schema with mysqldump (read-only there: production's rows and tables as they were).

const rehearse = (root: string, extra: Record<string, unknown>, env: Record<string, string> = {}) =>
  rehearseCommand({
    cwd: root,
    format: 'text',
    env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1', ...env },
    ...extra,
  });

describe('rehearse on MariaDB', () => {
  const maria = mariadbForSuite();
  beforeAll(() => {
    maria().exec('CREATE DATABASE scratch_admin');
  });
  const scratchDatabases = (): string[][] =>
    maria().exec(
      "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'alembic\\_preflight\\_rehearse\\_%'",
    );

  it('the example passes up, down and up on a --scratch-url server, whose scratch database is dropped after', async () => {
    const root = exampleCopy();
    const out = await rehearse(root, { step: true, scratchUrl: maria().urlFor('scratch_admin') });
    expect(out.exitCode, out.stdout).toBe(0);
    expect(out.outcome.scratch).toBe('a new database on the --scratch-url server');
    expect(out.outcome.steps.length).toBeGreaterThan(2);
    expect(JSON.stringify(out)).not.toContain(MARIA_PASSWORD);
    expect(scratchDatabases()).toEqual([]);
    // the server's own database was only connected to
    expect(maria().exec('SHOW TABLES FROM scratch_admin')).toEqual([]);
  }, 120_000);

  it('--from-production: the schema copied with mysqldump, the pending migration rehearsed, production untouched', async () => {
    maria().exec('CREATE DATABASE prod');
    const root = exampleCopy();
    const prod = maria().urlFor('prod');
    expect(exampleAlembic(root, prod, 'upgrade', '1f2a3b4c5d6e').status).toBe(0);
    // production has a column by hand that the pending migration does not expect: harmless here
    maria().exec("INSERT INTO prod.users (email) VALUES ('a@example.com')");
    const out = await rehearse(
      root,
      { fromProduction: true, scratchUrl: maria().urlFor('scratch_admin') },
      { DATABASE_URL: prod },
    );
    expect(out.exitCode, out.stdout).toBe(0);
    expect(out.outcome.copiedWith).toBe('mysqldump --no-data');
    expect(out.outcome.steps.map((s) => `${s.command} ${s.target} ${s.ok}`)).toEqual(['upgrade head true']);
    expect(maria().exec('SELECT version_num FROM prod.alembic_version')).toEqual([['1f2a3b4c5d6e']]);
    expect(maria().exec('SHOW TABLES FROM prod')).toEqual([['alembic_version'], ['users']]);
    expect(maria().exec('SELECT COUNT(*) FROM prod.users')).toEqual([['1']]);
    expect(scratchDatabases()).toEqual([]);
    expect(JSON.stringify(out)).not.toContain(MARIA_PASSWORD);
  }, 120_000);

  it('env.py loading a .env that names production is stopped by the fence: no statement of it reaches production', async () => {
    maria().exec('CREATE DATABASE fenced_prod');
    const root = exampleCopy();
    const prod = maria().urlFor('fenced_prod');
    expect(exampleAlembic(root, prod, 'upgrade', 'head').status).toBe(0);
    loadDotenvFirst(root, `DATABASE_URL=${prod}\n`);
    const statements = (): string =>
      maria().exec(
        "SELECT COUNT(*) FROM mysql.general_log WHERE user_host LIKE 'preflight[preflight]%' AND argument LIKE '%fenced_prod%' AND command_type <> 'Connect'",
      )[0]![0]!;
    const before = statements();
    const e = await rehearse(
      root,
      { scratchUrl: maria().urlFor('scratch_admin') },
      { DATABASE_URL: prod },
    ).then(
      () => undefined,
      (x: Error) => x,
    );
    expect(e?.message).toContain(`the MySQL database 'fenced_prod' on 127.0.0.1:${maria().port}`);
    expect(e?.message).not.toContain(MARIA_PASSWORD);
    expect(statements()).toBe(before);
    expect(maria().exec('SELECT version_num FROM fenced_prod.alembic_version')).toEqual([['2a3b4c5d6e7f']]);
    expect(scratchDatabases()).toEqual([]);
  }, 120_000);

  it('a MySQL app is not rehearsed on PostgreSQL: without a MySQL --scratch-url it stops before anything is made', async () => {
    const root = exampleCopy();
    await expect(rehearse(root, {}, { DATABASE_URL: maria().urlFor('prod') })).rejects.toThrow(
      /A MySQL or MariaDB app is rehearsed on a MySQL server/u,
    );
  }, 60_000);
});
