import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleCopy } from '../helpers/example-db.js';
import { runCli } from '../helpers/cli.js';
import { startMariadb, MARIA_PASSWORD, type MariaServer } from '../helpers/mariadb-server.js';
import { ORACLE_PYTHON } from '../helpers/oracle.js';

// Until the MySQL reader exists, a MySQL or MariaDB URL is refused before anything connects: verify
// and release exit 2, real Alembic's database is left exactly as it was, and the password is never
// printed. The throwaway MariaDB server (Debian's mariadb-server) is the one the MySQL work tests on.

describe('MySQL and MariaDB URLs are refused, not guessed at (a real MariaDB server)', () => {
  let maria: MariaServer;
  beforeAll(async () => {
    maria = await startMariadb();
  }, 60_000);
  afterAll(async () => {
    await maria?.stop();
  });

  it('verify and release exit 2 before connecting; the database real Alembic migrated is unchanged', () => {
    maria.exec('CREATE DATABASE shop');
    const root = exampleCopy();
    const url = maria.urlFor('shop');
    // real Alembic with PyMySQL takes the example to its head
    const alembic = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', '1f2a3b4c5d6e'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: url, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(alembic.status, alembic.stderr).toBe(0);
    expect(maria.exec('SELECT version_num FROM shop.alembic_version')).toEqual([['1f2a3b4c5d6e']]);
    // what reached the server as the app's user: Alembic's connection and statements so far
    const asApp = "SELECT COUNT(*) FROM mysql.general_log WHERE user_host LIKE 'preflight[preflight]%'";
    const before = maria.exec(asApp);
    expect(Number(before[0]![0])).toBeGreaterThan(0);
    for (const scheme of ['mysql', 'mysql+pymysql', 'mysql+mysqldb', 'mariadb+mariadbconnector']) {
      for (const command of [['verify'], ['release']]) {
        const r = runCli(root, command, {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: maria.urlFor('shop', scheme),
          ALEMBIC_PREFLIGHT_CACHE: 'off',
        });
        expect(
          r.status === 2 || r.stdout.includes('exit 2'),
          `${scheme} ${command}: ${r.stdout}${r.stderr}`,
        ).toBe(true);
        expect(r.stdout + r.stderr).toMatch(/(MySQL|MariaDB) databases are not supported yet/u);
        expect(r.stdout + r.stderr).not.toContain(MARIA_PASSWORD);
      }
    }
    // still where Alembic left it, and nothing of ours even connected (the server's statement log)
    expect(maria.exec('SELECT version_num FROM shop.alembic_version')).toEqual([['1f2a3b4c5d6e']]);
    expect(maria.exec(asApp)).toEqual(before);
  }, 60_000);
});
