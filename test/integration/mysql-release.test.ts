import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleCopy } from '../helpers/example-db.js';
import { loadDotenvFirst } from '../helpers/dotenv-env-py.js';
import { runCli } from '../helpers/cli.js';
import { MARIA_PASSWORD } from '../helpers/mariadb-server.js';
import { mariadbForSuite } from '../helpers/mariadb-suite.js';

// release on a real MariaDB server, judged by what happened to the databases: the upgrade applied and
// recorded through PyMySQL and mysqlclient; env.py reaching for another database on the same server
// stopped by the fence before its first statement there; a driver the fence cannot check never started.

const env = (url: string): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  DATABASE_URL: url,
  ALEMBIC_PREFLIGHT_CACHE: 'off',
  PYTHONDONTWRITEBYTECODE: '1',
});

describe('release on MySQL and MariaDB (a real MariaDB server, real Alembic)', () => {
  const maria = mariadbForSuite();

  /** The statements the app's user sent that name the database, from the server's own log. */
  const statementsOn = (db: string): number =>
    Number(
      maria().exec(
        `SELECT COUNT(*) FROM mysql.general_log WHERE user_host LIKE 'preflight[preflight]%' AND (argument LIKE '%${db}%')`,
      )[0]![0],
    );

  for (const scheme of ['mysql+pymysql', 'mysql+mysqldb']) {
    const driver = scheme.split('+')[1]!;
    it(`${driver}: applies the pending migrations, records them in the ledger, prints no password`, () => {
      maria().exec(`CREATE DATABASE rel_${driver}`);
      const root = exampleCopy();
      const r = runCli(root, ['release'], env(maria().urlFor(`rel_${driver}`, scheme)));
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(MARIA_PASSWORD);
      expect(maria().exec(`SELECT version_num FROM rel_${driver}.alembic_version`)).toEqual([
        ['2a3b4c5d6e7f'],
      ]);
      expect(maria().exec(`SHOW TABLES FROM rel_${driver} LIKE 'guest_sessions'`)).toEqual([
        ['guest_sessions'],
      ]);
      expect(
        maria().exec(
          `SELECT revision FROM rel_${driver}.alembic_preflight_history ORDER BY applied_at, revision`,
        ),
      ).toEqual([['1f2a3b4c5d6e'], ['2a3b4c5d6e7f']]);
    }, 60_000);

    it(`${driver}: env.py loading a .env that names another database is stopped there, both unchanged`, () => {
      const [app, other] = [`fence_${driver}`, `elsewhere_${driver}`];
      maria().exec(`CREATE DATABASE ${app}; CREATE DATABASE ${other}`);
      const root = exampleCopy();
      loadDotenvFirst(root, `DATABASE_URL=${maria().urlFor(other, scheme)}\n`);
      const before = statementsOn(other);
      const r = runCli(root, ['release'], env(maria().urlFor(app, scheme)));
      expect(r.status, r.stdout + r.stderr).toBe(2);
      expect(r.stdout).toContain(`the MySQL database '${other}' on 127.0.0.1:${maria().port}`);
      expect(r.stdout + r.stderr).not.toContain(MARIA_PASSWORD);
      // nothing reached the other database; the one verify read has no version table yet
      expect(statementsOn(other)).toBe(before);
      expect(maria().exec(`SHOW TABLES FROM ${other}`)).toEqual([]);
      expect(maria().exec(`SHOW TABLES FROM ${app}`)).toEqual([]);
    }, 60_000);
  }

  it('a driver the fence cannot check (mariadb+mariadbconnector) never starts the upgrade', () => {
    maria().exec('CREATE DATABASE unfenced');
    const root = exampleCopy();
    // declared, so taken as installed (database-driver-missing stays quiet): the fence is what stops it
    appendFileSync(path.join(root, 'requirements.txt'), 'mariadb==1.1.6\n');
    const r = runCli(root, ['release'], env(maria().urlFor('unfenced', 'mariadb+mariadbconnector')));
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stdout + r.stderr).toContain('the connection fence cannot check');
    expect(r.stdout + r.stderr).not.toContain(MARIA_PASSWORD);
    expect(r.stdout + r.stderr).not.toContain('Running upgrade');
    expect(maria().exec('SHOW TABLES FROM unfenced')).toEqual([]);
  }, 60_000);
});
