import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/commands/verify-command.js';
import {
  prepareDatabase,
  readRowsAfter,
  runAlembicUpgrade,
  writeScenarioProject,
  type RevSpec,
  type Scenario,
} from '../helpers/db-scenario.js';
import { startPostgres, type PgServer } from '../helpers/pg-cluster.js';

// Graph shapes
const LINEAR: RevSpec[] = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
  { id: 'ccc333', down: 'bbb222' },
];
const BRANCHED: RevSpec[] = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
  { id: 'ddd444', down: 'aaa111' },
];
const MERGED: RevSpec[] = [...BRANCHED, { id: 'mmm999', down: ['bbb222', 'ddd444'] }];
const PREFIXES: RevSpec[] = [
  { id: 'aaa111', down: null },
  { id: 'aaa122', down: 'aaa111' },
];
const SHORT: RevSpec[] = [
  { id: 'ab1', down: null },
  { id: 'bbb222', down: 'ab1' },
];
const LABELLED: RevSpec[] = [
  { id: 'aaa111', down: null, labels: ['core'] },
  { id: 'bbb222', down: 'aaa111' },
  { id: 'ddd444', down: null, labels: ['feature'] },
  { id: 'eee555', down: 'ddd444' },
];
const DEPENDS: RevSpec[] = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
  { id: 'xxx111', down: null },
  { id: 'yyy222', down: 'xxx111', depends: ['bbb222'] },
];
const DUPLICATE: RevSpec[] = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111', file: 'b1' },
  { id: 'bbb222', down: 'aaa111', file: 'b2' },
];
const DANGLING: RevSpec[] = [...LINEAR, { id: 'fff666', down: 'nope9999' }];
const LONG_ID = 'a'.repeat(40);
const LONG: RevSpec[] = [
  { id: 'aaa111', down: null },
  { id: LONG_ID, down: 'aaa111' },
];

const SCENARIOS: Scenario[] = [
  { name: 'fresh database, no version table', revs: LINEAR, rows: 'no-table' },
  { name: 'empty version table', revs: LINEAR, rows: [] },
  { name: 'at head', revs: LINEAR, rows: ['ccc333'] },
  { name: 'behind by two', revs: LINEAR, rows: ['aaa111'] },
  { name: 'behind, target heads', revs: LINEAR, rows: ['aaa111'], target: 'heads' },
  { name: 'stamped-missing alone (guest_lockout_001)', revs: LINEAR, rows: ['guest_lockout_001'] },
  {
    name: 'stamped-missing among known rows',
    revs: BRANCHED,
    rows: ['bbb222', 'guest_lockout_001'],
    target: 'heads',
  },
  { name: 'two unknown rows: the first is named', revs: LINEAR, rows: ['guest_lockout_001', 'zzz999'] },
  { name: 'unique prefix row', revs: LINEAR, rows: ['aaa1'] },
  { name: 'one-character prefix row', revs: LINEAR, rows: ['b'] },
  { name: 'ambiguous prefix row', revs: PREFIXES, rows: ['aaa1'] },
  { name: 'row shorter than a 3-char id', revs: SHORT, rows: ['ab'] },
  { name: 'row in the wrong case', revs: LINEAR, rows: ['AAA111'] },
  { name: 'row with a trailing space', revs: LINEAR, rows: ['aaa111 '] },
  { name: 'empty-string row', revs: LINEAR, rows: [''] },
  { name: "symbolic row 'head'", revs: LINEAR, rows: ['head'] },
  { name: "symbolic row 'base'", revs: LINEAR, rows: ['base'] },
  { name: "symbolic row 'heads'", revs: LINEAR, rows: ['heads'] },
  { name: 'overlapping rows', revs: LINEAR, rows: ['aaa111', 'bbb222'] },
  { name: 'explicit revision target', revs: LINEAR, rows: ['aaa111'], target: 'bbb222' },
  { name: 'prefix target', revs: LINEAR, rows: ['aaa111'], target: 'ccc3' },
  { name: 'unknown target', revs: LINEAR, rows: ['aaa111'], target: 'zzzz9999' },
  { name: 'target already passed', revs: LINEAR, rows: ['ccc333'], target: 'aaa111' },
  { name: 'two heads, target head', revs: BRANCHED, rows: ['aaa111'] },
  { name: 'two heads, target heads', revs: BRANCHED, rows: ['aaa111'], target: 'heads' },
  {
    name: 'two heads and a stale row, target head (target checked first)',
    revs: BRANCHED,
    rows: ['guest_lockout_001'],
  },
  {
    name: 'two heads and a stale row, target heads',
    revs: BRANCHED,
    rows: ['guest_lockout_001'],
    target: 'heads',
  },
  { name: 'on one branch head, target heads', revs: BRANCHED, rows: ['bbb222'], target: 'heads' },
  { name: 'both branch heads, merge to head', revs: MERGED, rows: ['bbb222', 'ddd444'] },
  { name: 'one branch head, merge to head', revs: MERGED, rows: ['bbb222'] },
  { name: 'branch-label row', revs: LABELLED, rows: ['core'], target: 'heads' },
  { name: 'label@head target', revs: LABELLED, rows: ['bbb222'], target: 'feature@head' },
  { name: 'unknown label@head target', revs: LABELLED, rows: [], target: 'nolabel@head' },
  { name: 'duplicate revision ids, target head', revs: DUPLICATE, rows: ['aaa111'] },
  { name: 'depends_on across roots, target heads', revs: DEPENDS, rows: 'no-table', target: 'heads' },
  { name: 'depends_on across roots, target head', revs: DEPENDS, rows: [] },
  {
    name: 'dangling down_revision with a stale row (load fails first)',
    revs: DANGLING,
    rows: ['guest_lockout_001'],
  },
  {
    name: 'custom version table from env.py ignores a stale alembic_version',
    revs: LINEAR,
    rows: ['bbb222'],
    table: 'my_versions',
    pre: (d) => [
      'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)',
      "INSERT INTO alembic_version VALUES ('guest_lockout_001')",
      ...(d === 'postgresql' ? [] : []),
    ],
  },
  { name: 'custom schema from env.py', revs: LINEAR, rows: ['aaa111'], schema: 'meta', only: 'postgresql' },
  {
    name: 'duplicate rows in a table without a primary key',
    revs: LINEAR,
    rows: ['aaa111', 'aaa111'],
    noPk: true,
  },
  { name: 'revision id over 32 characters', revs: LONG, rows: ['aaa111'] },
  { name: "'label@head' row", revs: LABELLED, rows: ['core@head', 'eee555'], target: 'heads' },
  { name: "'label@rev' row outside its branch", revs: LABELLED, rows: ['feature@aaa111'], target: 'heads' },
  { name: 'NULL row in a hand-made table', revs: LINEAR, rows: [null], nullable: true },
  { name: 'NULL row beside a real one', revs: LINEAR, rows: ['aaa111', null], nullable: true },
];

const DIALECTS = ['sqlite', 'postgresql'] as const;

describe('verify agrees with real Alembic (alembic upgrade run on the same database)', () => {
  let pg: PgServer;
  const dirs: string[] = [];
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('has at least 30 scenarios on each database', () => {
    for (const d of DIALECTS)
      expect(SCENARIOS.filter((s) => !s.only || s.only === d).length).toBeGreaterThanOrEqual(30);
  });

  let index = 0;
  for (const dialect of DIALECTS) {
    for (const s of SCENARIOS) {
      if (s.only && s.only !== dialect) continue;
      const i = index++;
      it(`${dialect}: ${s.name}`, async () => {
        const root = writeScenarioProject(s);
        dirs.push(root);
        const target = s.target ?? 'head';
        const url = await prepareDatabase(s, dialect, root, {
          adminUrl: pg.url,
          urlFor: (db) => pg.urlFor(db),
          index: i,
        });
        // ours first (read-only), then the real thing on the same database
        const ours = await verifyCommand({
          cwd: root,
          format: 'json',
          env: { DATABASE_URL: url },
          target,
          alembicVersion: '1.8.1',
          connectRetries: 0,
        });
        const doc = JSON.parse(ours.stdout) as {
          prediction: {
            willSucceed: boolean;
            pending: string[];
            finalHeads: string[] | null;
            cliOutput: string | null;
          };
        };
        const real = runAlembicUpgrade(root, url, target);
        const p = doc.prediction;
        const context = `alembic rc=${real.rc}\nstdout: ${real.stdout}\nstderr: ${real.stderr}\nours: ${JSON.stringify(p)}`;
        expect(p.willSucceed, context).toBe(real.rc === 0);
        if (real.rc === 0) {
          expect(p.pending, context).toEqual(real.applied);
          expect(p.finalHeads, context).toEqual(await readRowsAfter(s, dialect, root, url));
          expect(ours.exitCode).toBe(0);
        } else {
          expect(ours.exitCode).toBe(1);
          const failedLine = real.stdout.split('\n').find((l) => l.startsWith('FAILED:'));
          if (failedLine) expect(p.cliOutput, context).toBe(failedLine);
          else
            expect(
              real.stderr.split('\n').map((l) => l.trim()),
              context,
            ).toContain(p.cliOutput);
        }
      }, 60_000);
    }
  }
});
