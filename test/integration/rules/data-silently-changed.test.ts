import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify-command.js';
import { cellProject, seedSql, upgradeCells } from '../../helpers/data-matrix.js';
import { mariadbForSuite } from '../../helpers/mariadb-suite.js';
import { expectFindingSample } from '../../helpers/doc-sample.js';

describe('data-silently-changed', () => {
  // a server whose sql_mode is not strict, as older MySQL installs and some hosted ones are
  const maria = mariadbForSuite(['--sql-mode=NO_ENGINE_SUBSTITUTION']);
  const cell = { kind: 'not-null', rows: 'fails' } as const;

  it('blocks a NOT NULL over NULLs that the server would rewrite, and Alembic then rewrites them', async () => {
    maria().exec(`CREATE DATABASE loose; USE loose; ${seedSql(cell).join('; ')}`);
    const url = maria().urlFor('loose');
    const root = cellProject(cell, 'mariadb');
    const { exitCode, result } = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: url },
    });
    expect(exitCode).toBe(1);
    const f = result.findings.find((x) => x.code === 'data-silently-changed')!;
    expect(f.title).toBe('pending b1 would rewrite rows: t has 1 row with NULL in c');
    expect(f.message).toContain("sql_mode 'NO_ENGINE_SUBSTITUTION' (not strict)");
    expect(f.alembicError).toBeUndefined();
    expect(result.verdict.willSucceed).toBe(true);
    expectFindingSample(
      result.findings,
      'data-silently-changed',
      'MariaDB 10.11 started with sql_mode NO_ENGINE_SUBSTITUTION, a pending NOT NULL over one NULL',
      (t) => t,
    );
    expect(maria().exec('SELECT id FROM loose.t WHERE c IS NULL')).toEqual([['1']]);
    expect(upgradeCells([{ dir: root, url }])[0]!.ok).toBe(true);
    // the NULL is gone, and no one chose its value
    expect(maria().exec('SELECT c FROM loose.t WHERE id = 1')).toEqual([['0']]);
  });

  it('is a failure, not a rewrite, where the session is strict (sql_mode in the URL), and Alembic fails', async () => {
    maria().exec(`CREATE DATABASE strictly; USE strictly; ${seedSql(cell).join('; ')}`);
    const url = `${maria().urlFor('strictly')}?sql_mode=STRICT_TRANS_TABLES`;
    const root = cellProject(cell, 'mariadb');
    const { result } = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    const codes = result.findings.map((x) => x.code);
    expect(codes).not.toContain('data-silently-changed');
    expect(codes).toContain('data-fails-step');
    expect(upgradeCells([{ dir: root, url }])[0]!.ok).toBe(false);
    expect(maria().exec('SELECT id FROM strictly.t WHERE c IS NULL')).toEqual([['1']]);
  });
});
