import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanLogText } from '../../src/check/log-scanner.js';
import { prepareDatabase, runAlembicUpgrade, writeScenarioProject } from '../helpers/db-scenario.js';
import { expectVerifyMatchesAlembic } from '../helpers/matrix-check.js';
import { MYSQL_SCENARIOS, SCENARIOS } from '../helpers/matrix-scenarios.js';
import { startMariadb, type MariaServer } from '../helpers/mariadb-server.js';

// The stamped-state matrix of verify-matrix on MariaDB, with real Alembic over PyMySQL on the same
// database, and MariaDB's own cases: a database as version_table_schema, the SQL mode that decides
// whether a long id fails or is cut, and the collation that decides which rows are equal.
describe('verify agrees with real Alembic on MariaDB (alembic upgrade over PyMySQL)', () => {
  let maria: MariaServer;
  const dirs: string[] = [];
  beforeAll(async () => {
    maria = await startMariadb();
  }, 120_000);
  afterAll(async () => {
    await maria?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const scenarios = [...SCENARIOS, ...MYSQL_SCENARIOS].filter((s) => !s.only || s.only === 'mysql');

  it('has at least 30 scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(30);
  });

  it("scan-logs knows the strict server's refusal of a long id in the real upgrade's output", async () => {
    const s = MYSQL_SCENARIOS.find((x) => x.name.includes('strict server'))!;
    const root = writeScenarioProject(s);
    dirs.push(root);
    const url = await prepareDatabase(s, 'mysql', root, undefined, {
      exec: (sql) => maria.exec(sql),
      urlFor: (db) => maria.urlFor(db),
      index: 900,
    });
    const real = runAlembicUpgrade(root, url, 'head');
    expect(real.rc).not.toBe(0);
    expect(scanLogText(real.stderr).groups.map((g) => g.kind)).toEqual(['revision-id-too-long']);
  }, 60_000);

  scenarios.forEach((s, i) => {
    it(`mysql: ${s.name}`, async () => {
      dirs.push(
        await expectVerifyMatchesAlembic(s, 'mysql', i, {
          maria: { exec: (sql) => maria.exec(sql), urlFor: (db) => maria.urlFor(db) },
        }),
      );
    }, 60_000);
  });
});
