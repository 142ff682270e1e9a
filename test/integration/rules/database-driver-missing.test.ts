import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { stepProject, upgradeCells } from '../../helpers/data-matrix.js';
import { mariadbForSuite } from '../../helpers/mariadb-suite.js';
import { alembicOnPath } from '../../helpers/oracle.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { onlineEnvPy } from '../../helpers/project.js';

const VERSION = [
  'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)',
  "INSERT INTO alembic_version VALUES ('a0')",
];

describe('database-driver-missing', () => {
  const maria = mariadbForSuite();

  it("asks the alembic script's Python: a driver it cannot import blocks, and Alembic fails so; one it has passes", async () => {
    const bin = alembicOnPath(tempDir('driver-bin-'));
    for (const [name, scheme, missing] of [
      ['drv_connector', 'mysql+mysqlconnector', true],
      ['drv_pymysql', 'mysql+pymysql', false],
    ] as const) {
      maria().exec(`CREATE DATABASE ${name}; USE ${name}; ${VERSION.join('; ')}`);
      const url = maria().urlFor(name, scheme);
      const root = stepProject("op.execute('SELECT 1')");
      const { exitCode, result } = await verifyCommand({
        cwd: root,
        format: 'json',
        env: { DATABASE_URL: url, PATH: `${bin}:${process.env.PATH ?? ''}` },
      });
      const f = result.findings.find((x) => x.code === 'database-driver-missing');
      const alembic = upgradeCells([{ dir: root, url }])[0]!;
      if (missing) {
        expect(exitCode).toBe(1);
        expect(f?.severity).toBe('error');
        expect(f?.title).toMatch(/^the URL's driver mysql\.connector is not installed for \/\S+python/u);
        expect(f?.hint).toContain("pip install 'mysql-connector-python'");
        expect(alembic.ok).toBe(false);
        expect(f?.alembicError).toBe(alembic.error);
        expect(maria().exec(`SELECT version_num FROM ${name}.alembic_version`)).toEqual([['a0']]);
      } else {
        expect(f, f?.message).toBeUndefined();
        expect(exitCode).toBe(0);
        expect(alembic.ok).toBe(true);
      }
    }
  }, 120_000);

  it('is a warning where env.py hands SQLAlchemy another driver, as this one does: Alembic then succeeds', async () => {
    const bin = alembicOnPath(tempDir('driver-bin-'));
    maria().exec(`CREATE DATABASE drv_rewritten; USE drv_rewritten; ${VERSION.join('; ')}`);
    const url = maria().urlFor('drv_rewritten', 'mysql+mysqlconnector');
    const root = stepProject("op.execute('SELECT 1')");
    writeFileSync(
      path.join(root, 'migrations/env.py'),
      onlineEnvPy(
        'config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"].replace("mysql+mysqlconnector", "mysql+pymysql").replace("%", "%%"))',
      ),
    );
    const { exitCode, result } = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: url, PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
    const f = result.findings.find((x) => x.code === 'database-driver-missing');
    expect(f?.severity).toBe('warning');
    expect(f?.message).toContain('env.py names a driver in a URL');
    expect(exitCode).toBe(0);
    expect(upgradeCells([{ dir: root, url }])[0]!.ok).toBe(true);
  }, 60_000);

  it('with no alembic script to ask, the declarations alone make it a warning; a declared driver is taken as there', async () => {
    maria().exec(`CREATE DATABASE drv_declared; USE drv_declared; ${VERSION.join('; ')}`);
    const url = maria().urlFor('drv_declared', 'mysql+pymysql');
    for (const [requirement, warned] of [
      ['psycopg2-binary==2.9.9', true],
      ['PyMySQL==1.1.0', false],
    ] as const) {
      const root = stepProject("op.execute('SELECT 1')");
      writeFileSync(path.join(root, 'requirements.txt'), `alembic==1.8.1\n${requirement}\n`);
      const { exitCode, result } = await verifyCommand({
        cwd: root,
        format: 'json',
        env: { DATABASE_URL: url, PATH: tempDir('no-alembic-') },
      });
      const f = result.findings.find((x) => x.code === 'database-driver-missing');
      expect(exitCode).toBe(0);
      if (warned) {
        expect(f?.severity).toBe('warning');
        expect(f?.title).toBe("no requirement names the URL's driver pymysql");
        expect(f?.alembicError).toBeUndefined();
      } else expect(f, f?.message).toBeUndefined();
    }
  }, 60_000);
});
