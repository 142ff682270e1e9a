import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  prepareDatabase,
  readRowsAfter,
  runAlembicUpgrade,
  writeScenarioProject,
  type Scenario,
} from '../helpers/db-scenario.js';
import { runCli as cli } from '../helpers/cli.js';
import { startPostgres, TEST_PASSWORD, type PgServer } from '../helpers/pg-cluster.js';

const RENAMED: Scenario = {
  name: 'renamed',
  revs: [
    { id: 'aaa111', down: null },
    { id: 'new222', down: 'aaa111' },
    { id: 'ccc333', down: 'new222' },
  ],
  rows: ['old222'],
};

describe.each(['sqlite', 'postgresql'] as const)('restamp on %s', (dialect) => {
  let pg: PgServer | undefined;
  let root: string;
  let url: string;
  beforeAll(async () => {
    if (dialect === 'postgresql') pg = await startPostgres();
    root = writeScenarioProject(RENAMED);
    url = await prepareDatabase(
      RENAMED,
      dialect,
      root,
      pg ? { adminUrl: pg.url, urlFor: (db) => pg!.urlFor(db), index: 800 } : undefined,
    );
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
    rmSync(root, { recursive: true, force: true });
  });
  const rows = () => readRowsAfter(RENAMED, dialect, root, url);

  it('refuses unless NEW is in the graph and OLD is a row, and changes nothing', async () => {
    const env = { DATABASE_URL: url };
    const notInGraph = cli(root, ['restamp', '--from', 'old222', '--to', 'zzz999', '--yes'], env);
    expect(notInGraph.status).toBe(1);
    expect(notInGraph.stdout).toContain("REFUSED: 'zzz999' is not a revision in the repository.");
    const notARow = cli(root, ['restamp', '--from', 'nope11', '--to', 'new222', '--yes'], env);
    expect(notARow.status).toBe(1);
    expect(notARow.stdout).toContain("REFUSED: 'nope11' is not a row of alembic_version (rows: old222).");
    const missingFlag = cli(root, ['restamp', '--from', 'old222'], env);
    expect(missingFlag.status).toBe(2);
    expect(await rows()).toEqual(['old222']);
  });

  it('dry run prints the SQL and the predicted upgrade; --yes updates exactly one row in one transaction', async () => {
    const env = { DATABASE_URL: dialect === 'postgresql' ? url.replace(/^postgresql:/u, 'postgres:') : url };
    const dry = cli(root, ['restamp', '--from', 'old222', '--to', 'new222'], env);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(
      `SQL (one transaction; commits only if exactly one row changes): UPDATE "alembic_version" SET version_num = 'new222' WHERE version_num = 'old222';`,
    );
    expect(dry.stdout).toContain('then `alembic upgrade head` runs ccc333');
    expect(dry.stdout).toContain('Dry run: nothing changed.');
    expect(await rows()).toEqual(['old222']);

    const logBefore = pg?.logFile ? readFileSync(pg.logFile, 'utf8').length : 0;
    const wet = cli(root, ['restamp', '--from', 'old222', '--to', 'new222', '--yes'], env);
    expect(wet.status, wet.stdout + wet.stderr).toBe(0);
    expect(wet.stdout).toContain('DONE: alembic_version now holds new222.');
    expect(wet.stdout + wet.stderr).not.toContain(TEST_PASSWORD);
    expect(await rows()).toEqual(['new222']);
    if (pg?.logFile) {
      const ours = readFileSync(pg.logFile, 'utf8')
        .slice(logBefore)
        .split('\n')
        .filter((l) => l.startsWith('app=alembic-preflight:') && /statement: |execute /u.test(l))
        .map((l) => l.replace(/^.*?(statement|execute [^:]*): /u, ''));
      const writes = ours.filter((s) => /^\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|TRUNCATE)/iu.test(s));
      expect(writes).toEqual([`UPDATE "alembic_version" SET version_num = $1 WHERE version_num = $2`]);
      const begin = ours.findIndex((s) => s.startsWith('BEGIN; SET LOCAL statement_timeout'));
      const commit = ours.indexOf('COMMIT');
      const update = ours.findIndex((s) => s.startsWith('UPDATE'));
      expect(begin).toBeGreaterThanOrEqual(0);
      expect(begin < update && update < commit).toBe(true);
    }

    // the same row cannot be restamped twice
    const again = cli(root, ['restamp', '--from', 'old222', '--to', 'new222', '--yes'], env);
    expect(again.status).toBe(1);
    const run = runAlembicUpgrade(root, url, 'head');
    expect(run.rc, run.stderr).toBe(0);
    expect(run.applied).toEqual(['ccc333']);
  });
});
