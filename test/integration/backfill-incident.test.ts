import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  prepareDatabase,
  readRowsAfter,
  runAlembicUpgrade,
  writeScenarioProject,
  type Scenario,
} from '../helpers/db-scenario.js';
import { runCli as cli, unwrapped } from '../helpers/cli.js';
import { ORACLE_PYTHON, PYTHON } from '../helpers/oracle.js';
import { startPostgres, type PgServer } from '../helpers/pg-cluster.js';

function alembicHeads(root: string, url: string): string {
  const r = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: url, PYTHONWARNINGS: 'ignore' },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

function snapshot(root: string): Map<string, Buffer> {
  const dir = path.join(root, 'migrations', 'versions');
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.py'))
      .map((f) => [f, readFileSync(path.join(dir, f))]),
  );
}

/** Lines (as bytes) that differ between two versions of a file with the same line count. */
function changedLines(a: Buffer, b: Buffer): number[] {
  const la = a.toString('latin1').split('\n');
  const lb = b.toString('latin1').split('\n');
  expect(lb.length).toBe(la.length);
  return la.flatMap((l, i) => (l !== lb[i] ? [i + 1] : []));
}

const INCIDENT: Scenario = {
  name: 'incident',
  revs: [
    { id: 'aaa111', down: null },
    { id: 'bbb222', down: 'aaa111' },
  ],
  rows: ['guest_lockout_001'],
};

describe.each(['sqlite', 'postgresql'] as const)(
  'the guest_lockout_001 incident, end to end on %s',
  (dialect) => {
    let pg: PgServer | undefined;
    let root: string;
    let url: string;
    beforeAll(async () => {
      if (dialect === 'postgresql') pg = await startPostgres();
      root = writeScenarioProject(INCIDENT);
      url = await prepareDatabase(
        INCIDENT,
        dialect,
        root,
        pg ? { adminUrl: pg.url, urlFor: (db) => pg!.urlFor(db), index: 700 } : undefined,
      );
    }, 120_000);
    afterAll(async () => {
      await pg?.stop();
      rmSync(root, { recursive: true, force: true });
    });

    it('verify blocks, backfill places and proves the placeholder, and real Alembic then upgrades', async () => {
      const env = { DATABASE_URL: url };
      const before = snapshot(root);
      const blocked = cli(root, ['verify'], env);
      expect(blocked.status).toBe(1);
      expect(blocked.stdout).toContain("Can't locate revision identified by 'guest_lockout_001'");
      expect(unwrapped(blocked.stdout)).toContain(
        'alembic-preflight backfill --after <REV> --rewire --write',
      );

      // without a parent it refuses and lists what each choice would run on this database
      const refused = cli(root, ['backfill'], env);
      expect(refused.status).toBe(1);
      expect(refused.stdout).toContain('--after bbb222 --rewire: runs nothing');
      expect(refused.stdout).toContain('--after aaa111 --rewire: runs bbb222 (rewires bbb222)');
      expect(snapshot(root)).toEqual(before);

      // the dry run shows the diff and writes nothing
      const dry = cli(root, ['backfill', '--after', 'aaa111', '--rewire'], env);
      expect(dry.status, dry.stdout + dry.stderr).toBe(0);
      expect(dry.stdout).toContain('+++ b/migrations/versions/guest_lockout_001_placeholder.py');
      expect(dry.stdout).toContain("-down_revision = 'aaa111'");
      expect(dry.stdout).toContain("+down_revision = 'guest_lockout_001'");
      expect(snapshot(root)).toEqual(before);

      const wrote = cli(root, ['backfill', '--after', 'aaa111', '--rewire', '--write'], env);
      expect(wrote.status, wrote.stdout + wrote.stderr).toBe(0);
      expect(wrote.stdout).toMatch(
        /database at guest_lockout_001: rows resolve; `alembic upgrade head` runs bbb222/u,
      );
      const after = snapshot(root);
      expect([...after.keys()].sort()).toEqual([...before.keys(), 'guest_lockout_001_placeholder.py'].sort());
      // the child changed in exactly its down_revision line, byte for byte elsewhere
      const child = 'bbb222_m.py';
      expect(changedLines(before.get(child)!, after.get(child)!)).toEqual([6]);
      expect(after.get(child)!.toString()).toBe(
        before
          .get(child)!
          .toString()
          .replace("down_revision = 'aaa111'", "down_revision = 'guest_lockout_001'"),
      );
      const placeholder = after.get('guest_lockout_001_placeholder.py')!.toString();
      expect(placeholder).toContain("revision = 'guest_lockout_001'");
      expect(placeholder).toContain("down_revision = 'aaa111'");
      // the docstring is committed: the dialect and the table, not where the database lives
      expect(placeholder).toContain(
        dialect === 'sqlite'
          ? "a SQLite database's alembic_version table"
          : "a PostgreSQL database's alembic_version table",
      );
      expect(placeholder).not.toMatch(/127\.0\.0\.1|matrix_700|app\.db/u);
      expect(placeholder).not.toContain(pg?.password ?? 'no-password');

      const ok = cli(root, ['verify'], env);
      expect(ok.status, ok.stdout).toBe(0);
      const run = runAlembicUpgrade(root, url, 'head');
      expect(run.rc, run.stderr).toBe(0);
      expect(run.applied).toEqual(['bbb222']);
      expect(await readRowsAfter(INCIDENT, dialect, root, url)).toEqual(['bbb222']);
      expect(alembicHeads(root, url)).toBe('bbb222 (head)');

      // a second write never overwrites the placeholder
      const again = cli(
        root,
        ['backfill', '--revision', 'guest_lockout_001', '--after', 'aaa111', '--rewire', '--write'],
        {},
      );
      expect(again.status).toBe(0);
      expect(again.stdout).toContain(
        'guest_lockout_001: skipped, already defined by migrations/versions/guest_lockout_001_placeholder.py',
      );
      expect(snapshot(root)).toEqual(after);
    }, 120_000);
  },
);

describe('a stale extra row beside the head ({HEAD, guest_lockout_001})', () => {
  it('backfill says the row should go, with the DELETE and what the upgrade then runs; real Alembic agrees', async () => {
    const s: Scenario = { ...INCIDENT, name: 'stale-beside-head', rows: ['bbb222', 'guest_lockout_001'] };
    const root = writeScenarioProject(s);
    const url = await prepareDatabase(s, 'sqlite', root);
    const r = cli(root, ['backfill'], { DATABASE_URL: url });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("the row 'guest_lockout_001' is stale and should go, not get a placeholder");
    expect(r.stdout).not.toContain('Pick the revision');
    expect(r.stdout).toContain('Proof: from bbb222 alone, `alembic upgrade head` runs nothing.');
    const del = /DELETE FROM alembic_version WHERE version_num = 'guest_lockout_001';/u.exec(r.stdout)![0];
    const json = JSON.parse(cli(root, ['backfill', '--format', 'json'], { DATABASE_URL: url }).stdout);
    expect(json.refused[0].stale).toEqual({
      otherRows: ['bbb222'],
      prediction: { willSucceed: true, steps: [], alembicOutput: null, unpredictable: null },
    });
    const run = spawnSync(
      PYTHON,
      [
        '-c',
        'import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute(sys.argv[2])\nc.commit()\n',
        path.join(root, 'app.db'),
        del,
      ],
      { encoding: 'utf8' },
    );
    expect(run.status).toBe(0);
    const up = runAlembicUpgrade(root, url, 'head');
    expect(up.rc).toBe(0);
    expect(up.applied).toEqual([]);
    rmSync(root, { recursive: true, force: true });
  });
});
