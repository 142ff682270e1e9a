import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featuresOf, LATEST_ALEMBIC, parseAlembicVersion } from '../../src/alembic/config/alembic-version.js';
import { loadProject } from '../../src/alembic/loading/project-model.js';
import type { RevisionMap } from '../../src/alembic/graph/revision-map.js';
import { predictUpgrade } from '../../src/alembic/graph/upgrade-plan.js';
import { predictDowngrade } from '../../src/alembic/graph/downgrade-plan.js';
import { alembicTargets, ORACLE_PYTHON, REPO } from '../helpers/oracle.js';
import { generateCorpus } from '../helpers/corpus.js';
import { makeProject, rev } from '../helpers/project.js';
import { rng } from '../helpers/rng.js';
import { full } from '../helpers/full.js';
import { diskFiles } from '../../src/project/project-files.js';

// `alembic upgrade <target>` against many random version tables on generated graphs, each state run by
// real Alembic (its MigrationContext and HeadMaintainer writing to a real SQLite file, migration bodies
// replaced by no-ops) and predicted by predictUpgrade: the steps, the version-table statements of each
// step, the rows left behind, or the exact failure. The hand-picked scenarios live in verify-matrix.

interface State {
  rows: string[] | null;
  target: string;
  /** `alembic downgrade <target>` instead of upgrade. */
  direction?: 'down';
}

interface Outcome {
  target: string;
  rows: string[] | null;
  ok: boolean;
  steps: { revision: string; ops: string[] }[];
  finalRows?: string[];
  error?: { class: string; message: string };
  cli?: string;
}

const SHAPES: { name: string; args: string[] }[] = [
  {
    name: 'branchy with labels and depends_on',
    args: [
      '--n',
      '300',
      '--seed',
      '5',
      '--branch-rate',
      '0.2',
      '--label-rate',
      '0.6',
      '--depends-rate',
      '0.15',
      '--heads',
      '3',
    ],
  },
  {
    name: 'three roots with cross-root merges',
    args: [
      '--n',
      '200',
      '--seed',
      '7',
      '--roots',
      '3',
      '--heads',
      '3',
      '--branch-rate',
      '0.15',
      '--merge-rate',
      '0.3',
      '--cross-root-merges',
    ],
  },
  {
    name: 'one head, many merges',
    args: [
      '--n',
      '200',
      '--seed',
      '11',
      '--branch-rate',
      '0.3',
      '--merge-rate',
      '0.6',
      '--depends-rate',
      '0.1',
      '--label-rate',
      '0.3',
    ],
  },
];

// Each state costs real Alembic a full plan and run (about 0.2 s on these graphs). The CI sample is the
// first 60 states of each shape's seeded sequence: the three fixed ones (no table, empty, at the heads),
// then the same draws of rows and targets as the full run's first 60, and each shape must still show both
// outcomes, two kinds of failure and a merge. PREFLIGHT_FULL=1 (npm run test:full) runs all 120.
const STATES_PER_SHAPE = full() ? 120 : 60;

/**
 * Version tables a production database could hold: fresh, at a head, behind, on several branches, stamped
 * with a revision no file has, with an ancestor and its descendant (overlap), with short prefixes (unique
 * or ambiguous), with a branch label; and targets a deploy could name.
 */
function randomStates(map: RevisionMap, seed: number, n: number): State[] {
  const r = rng(seed);
  const ids = map.revisions.map((x) => x.id);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const labels = [...map.labels.keys()];
  // `alembic heads` lists a duplicate id's losing copy too: one row each
  const heads = [...new Set(map.heads)];
  const ancestorOf = (id: string): string | undefined => {
    let cur = map.byKey.get(id);
    for (let i = 0; cur && i < 1 + Math.floor(r() * 20); i++) {
      const down = cur.versionedDown;
      if (down.length === 0) break;
      cur = map.byKey.get(pick(down));
    }
    return cur && cur.id !== id ? cur.id : undefined;
  };
  const row = (): string => {
    const k = r();
    if (k < 0.6) return pick(ids);
    if (k < 0.7) return pick(heads);
    if (k < 0.8) {
      const id = pick(ids);
      return id.slice(0, Math.max(3, Math.min(id.length, 3 + Math.floor(r() * 4))));
    }
    if (k < 0.88) return 'guest_lockout_001';
    if (k < 0.94 && labels.length > 0) return pick(labels);
    return pick(ids);
  };
  // relative targets (+N, -N, REV+N, base+N, label@+N, label@head-N) a quarter of the time
  const relative = (): string => {
    const n = 1 + Math.floor(r() * r() * 4);
    const k = r();
    if (k < 0.25) return `+${n}`;
    if (k < 0.3) return `-${n}`;
    if (k < 0.5) return `${pick(ids)}+${n}`;
    if (k < 0.6) return `${pick(ids)}-${n}`;
    if (k < 0.7) return `base+${n}`;
    if (k < 0.8 && labels.length > 0) return `${pick(labels)}@+${n}`;
    if (k < 0.9 && labels.length > 0) return `${pick(labels)}@head-${n}`;
    return `head-${n}`;
  };
  const target = (): string => {
    const k = r();
    if (k < 0.25) return relative();
    if (k < 0.45) return 'head';
    if (k < 0.7) return 'heads';
    if (k < 0.8 && labels.length > 0) return `${pick(labels)}@head`;
    if (k < 0.95) return pick(ids);
    return pick(ids).slice(0, 4);
  };
  const out: State[] = [
    { rows: null, target: 'heads' },
    { rows: [], target: 'heads' },
    { rows: [...heads], target: 'heads' },
  ];
  while (out.length < n) {
    const k = r();
    let rows: string[] | null;
    if (k < 0.05) rows = null;
    else if (k < 0.15) {
      const id = pick(ids);
      const anc = ancestorOf(id);
      rows = anc ? [anc, id] : [id];
    } else {
      const count = 1 + Math.floor(r() * r() * 4);
      rows = [...new Set(Array.from({ length: count }, row))];
    }
    out.push({ rows, target: target() });
  }
  return out;
}

/** Version tables as a rollback meets them, and the targets `alembic downgrade` takes. */
function downgradeStates(map: RevisionMap, seed: number, n: number): State[] {
  const r = rng(seed);
  const ids = map.revisions.map((x) => x.id);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const labels = [...map.labels.keys()];
  const heads = [...new Set(map.heads)];
  const target = (): string => {
    const steps = 1 + Math.floor(r() * r() * 4);
    const k = r();
    if (k < 0.1) return 'base';
    if (k < 0.3) return `-${steps}`;
    if (k < 0.5) return pick(ids);
    if (k < 0.6) return `${pick(ids)}-${steps}`;
    if (k < 0.65) return `${pick(ids)}+${steps}`;
    if (k < 0.7) return `+${steps}`;
    if (k < 0.78 && labels.length > 0) return `${pick(labels)}@-${steps}`;
    if (k < 0.84 && labels.length > 0) return `${pick(labels)}@base`;
    if (k < 0.88 && labels.length > 0) return `${pick(labels)}@${pick(ids)}`;
    if (k < 0.92) return `${pick(ids)}:${pick(ids)}`;
    if (k < 0.96) return 'head-1';
    return 'guest_lockout_001';
  };
  const out: State[] = [];
  while (out.length < n) {
    const k = r();
    let rows: string[] | null;
    if (k < 0.05) rows = null;
    else if (k < 0.35) rows = [...heads];
    else if (k < 0.45) rows = [pick(heads)];
    else rows = [...new Set(Array.from({ length: 1 + Math.floor(r() * r() * 3) }, () => pick(ids)))];
    out.push({ rows, target: target(), direction: 'down' });
  }
  return out;
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'preflight-updiff-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Alembic joins a Python set into this message, so its order changes between runs; the names must agree. */
const OVERLAP = /^(FAILED: Requested revision (.+?) overlaps with other requested revisions )(.*)$/u;
function sameFailure(ours: string | null, theirs: string): boolean {
  if (ours === theirs) return true;
  const a = ours === null ? null : OVERLAP.exec(ours);
  const b = OVERLAP.exec(theirs);
  if (!a || !b) return false;
  const names = (m: RegExpExecArray) => [m[2], ...m[3]!.split(', ')].sort().join(' ');
  return names(a) === names(b);
}

/**
 * At a merge step with other heads present, HeadMaintainer takes the rows to DELETE and the one to UPDATE
 * from a Python set (`merge_branch_idents`), so which row is which changes with the string hash seed; the
 * rows removed, the row written and the statements issued do not. Every other step compares exactly.
 */
function mergeInvariant(ops: readonly string[]): readonly string[] {
  // a merge (DELETEs and an UPDATE) upgrading, an unmerge (INSERTs and an UPDATE) downgrading
  if (
    !ops.some((o) => o.startsWith('DELETE ') || o.startsWith('INSERT ')) ||
    !ops.some((o) => o.startsWith('UPDATE '))
  )
    return ops;
  const removed = ops
    .filter((o) => !o.startsWith('INSERT '))
    .map((o) => o.split(' ')[1]!)
    .sort();
  const written = ops
    .filter((o) => !o.startsWith('DELETE '))
    .map((o) => (o.startsWith('UPDATE ') ? o.split(' -> ')[1]! : o.split(' ')[1]!))
    .sort();
  return [
    `merge: ${ops
      .map((o) => o.split(' ')[0])
      .sort()
      .join(',')}; removes ${removed.join(',')}; writes ${written.join(',')}`,
  ];
}

/** Runs every state through real Alembic and predictUpgrade on the project in `dir`; returns what Alembic did. */
async function compareStates(
  dir: string,
  label: string,
  seed: number,
  alembic: ReturnType<typeof alembicTargets>[number],
  given?: State[],
): Promise<{ truth: Outcome[]; succeeded: number; failures: Set<string> }> {
  const version = alembic.version === 'latest' ? LATEST_ALEMBIC : parseAlembicVersion(alembic.version)!;
  const model = await loadProject({ files: diskFiles(), cwd: dir, alembicVersion: version });
  expect(model.complete && model.failure === undefined, `${label}: the project must load cleanly`).toBe(true);
  const states = given ?? randomStates(model.map, seed, STATES_PER_SHAPE);
  const work = mkdtempSync(path.join(tmp, 'states-'));
  const truth = JSON.parse(
    execFileSync(
      ORACLE_PYTHON,
      [
        path.join(REPO, 'test/oracle/alembic_upgrade.py'),
        '--cwd',
        dir,
        '--ini',
        'alembic.ini',
        '--work',
        work,
      ],
      {
        input: JSON.stringify(states),
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...alembic.env },
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      },
    ),
  ) as Outcome[];
  expect(truth).toHaveLength(states.length);

  let succeeded = 0;
  const failures = new Set<string>();
  for (const [i, t] of truth.entries()) {
    const down = states[i]!.direction === 'down';
    const what = `${label}, state ${i}: rows ${JSON.stringify(t.rows)}, ${down ? 'downgrade' : 'upgrade'} ${t.target}`;
    const p = down
      ? predictDowngrade(model.map, t.target, t.rows ?? [], featuresOf(version))
      : predictUpgrade(model.map, t.target, t.rows ?? []);
    expect(p.unpredictable, what).toBeUndefined();
    expect(
      p.willSucceed,
      `${what}: Alembic ${t.ok ? 'succeeded' : `failed: ${t.cli}`}; we said ${p.cliOutput ?? 'success'}`,
    ).toBe(t.ok);
    if (t.ok) {
      succeeded++;
      expect(
        p.steps.map((s) => ({ revision: s.revision, ops: mergeInvariant(s.versionOps) })),
        what,
      ).toEqual(t.steps.map((s) => ({ revision: s.revision, ops: mergeInvariant(s.ops) })));
      expect(p.finalHeads, what).toEqual(t.finalRows);
    } else {
      expect(sameFailure(p.cliOutput, t.cli!), `${what}\n  ours: ${p.cliOutput}\n  real: ${t.cli}`).toBe(
        true,
      );
      failures.add(`${t.error!.class}: ${t.error!.message.split(' ').slice(0, 2).join(' ')}`);
    }
  }
  return { truth, succeeded, failures };
}

describe.each(alembicTargets())(
  'upgrade predictions on random version tables against real Alembic ($name)',
  (alembic) => {
    it.each(SHAPES)(
      '$name',
      async ({ name, args }) => {
        const dir = path.join(tmp, `${name.replace(/\W+/gu, '-')}-${alembic.name}`);
        generateCorpus(dir, args);
        const { truth, succeeded, failures } = await compareStates(
          dir,
          name,
          SHAPES.findIndex((s) => s.name === name) + 1,
          alembic,
        );
        // the states must exercise both outcomes, and more than one kind of failure
        expect(succeeded, name).toBeGreaterThan(STATES_PER_SHAPE / 10);
        expect(failures.size, [...failures].join('\n')).toBeGreaterThanOrEqual(2);
        // and merges, where the version table loses rows
        expect(
          truth.some((t) => t.ok && t.steps.some((s) => s.ops.some((o) => o.startsWith('DELETE ')))),
          name,
        ).toBe(true);
      },
      120_000,
    );
  },
);

describe.each(alembicTargets())(
  'downgrade predictions on random version tables against real Alembic ($name)',
  (alembic) => {
    it.each(SHAPES)(
      '$name',
      async ({ name, args }) => {
        const dir = path.join(tmp, `down-${name.replace(/\W+/gu, '-')}-${alembic.name}`);
        generateCorpus(dir, args);
        const version = alembic.version === 'latest' ? LATEST_ALEMBIC : parseAlembicVersion(alembic.version)!;
        const model = await loadProject({ files: diskFiles(), cwd: dir, alembicVersion: version });
        const states = downgradeStates(
          model.map,
          100 + SHAPES.findIndex((s) => s.name === name),
          STATES_PER_SHAPE,
        );
        const { truth, succeeded, failures } = await compareStates(dir, name, 0, alembic, states);
        expect(succeeded, name).toBeGreaterThan(STATES_PER_SHAPE / 10);
        expect(failures.size, [...failures].join('\n')).toBeGreaterThanOrEqual(2);
        // and steps that remove rows (a branch's base, or into a branch point)
        expect(
          truth.some((t) => t.ok && t.steps.some((s) => s.ops.some((o) => o.startsWith('DELETE ')))),
          name,
        ).toBe(true);
      },
      120_000,
    );
  },
);

/** Hand-made graphs whose plan once went wrong, each with the version tables that show it. */
const FIXED: {
  name: string;
  files: Record<string, string>;
  states: State[];
  expectSteps?: number[];
  expectOk?: boolean[];
}[] = [
  {
    // `upgrade head` resolves an empty head to nothing and runs nothing; `upgrade heads` runs it
    name: 'a head whose id is the empty string',
    files: { 'a1_x.py': rev('a1', null), 'empty_x.py': 'revision = ""\ndown_revision = "a1"\n' },
    states: [
      { rows: null, target: 'head' },
      { rows: ['a1'], target: 'head' },
      { rows: [''], target: 'head' },
      { rows: null, target: 'heads' },
      { rows: ['a1'], target: 'heads' },
    ],
    expectSteps: [0, 0, 0, 2, 1],
  },
  {
    // dedupe_tuple: the plan once went round forever
    name: 'a down_revision that names its parent twice',
    files: {
      'a1_x.py': rev('a1', null),
      'b2_x.py': rev('b2', "('a1', 'a1')"),
      'c3_x.py': rev('c3', "('a1', 'a1')"),
      'd4_x.py': rev('d4', null),
    },
    states: [
      { rows: null, target: 'heads' },
      { rows: null, target: 'b2' },
      { rows: ['a1'], target: 'heads' },
      { rows: ['b2', 'd4'], target: 'heads' },
    ],
    expectOk: [true, true, true, true],
  },
  {
    // read as those words when the plan is walked (get_revision)
    name: 'revisions named heads, head or base',
    files: {
      'heads_x.py': rev('heads', null),
      'b1_x.py': rev('b1', null),
      'head_x.py': rev('head', 'b1'),
      'base_x.py': rev('base', 'head'),
    },
    states: [
      { rows: null, target: 'heads' },
      { rows: null, target: 'b1' },
      { rows: ['b1'], target: 'base' },
      { rows: ['heads'], target: 'b1' },
    ],
  },
  {
    // a downgrade through a merge of a revision and one that depends on it: 1.13.1 stopped leaving both rows
    name: 'downgrading a merge whose parents depend on each other',
    files: {
      'a1_x.py': rev('a1', null),
      'b1_x.py': rev('b1', null).replace('depends_on = None', "depends_on = 'a1'"),
      'm1_x.py': rev('m1', "('a1', 'b1')"),
    },
    states: [
      { rows: ['m1'], target: '-1', direction: 'down' },
      { rows: ['m1'], target: 'b1', direction: 'down' },
      { rows: ['m1'], target: 'base', direction: 'down' },
      { rows: ['m1'], target: 'a1', direction: 'down' },
      { rows: ['m1'], target: '+1', direction: 'down' },
      { rows: ['a1', 'b1'], target: 'a1@+1', direction: 'down' },
    ],
  },
];

describe.each(alembicTargets())('hand-made graphs against real Alembic ($name)', (alembic) => {
  it.each(FIXED)(
    '$name',
    async ({ name, files, states, expectSteps, expectOk }) => {
      const dir = makeProject({
        'migrations/env.py': '',
        ...Object.fromEntries(Object.entries(files).map(([f, c]) => [`migrations/versions/${f}`, c])),
      });
      const { truth } = await compareStates(dir, name, 0, alembic, states);
      if (expectSteps) expect(truth.map((t) => t.steps.length)).toEqual(expectSteps);
      if (expectOk) expect(truth.map((t) => t.ok)).toEqual(expectOk);
    },
    20_000,
  );
});

// Real projects for a local pass (docs/real-projects.md): UPGRADE_DIFF_PROJECTS=dir1,dir2, each folder holding an
// alembic.ini whose migrations import without the application (stripped copies). Not set in CI: the projects
// stay out of this repository.
const REAL = (process.env.UPGRADE_DIFF_PROJECTS ?? '').split(',').filter(Boolean);
if (REAL.length > 0) {
  describe('upgrade predictions on random version tables of real projects', () => {
    it.each(REAL)(
      '%s',
      async (dir) => {
        const { succeeded, failures } = await compareStates(
          path.resolve(dir),
          dir,
          1,
          alembicTargets().at(-1)!,
        );
        console.log(
          `${dir}: ${STATES_PER_SHAPE} states agree (${succeeded} succeed; failures: ${[...failures].join('; ') || 'none'})`,
        );
      },
      600_000,
    );
  });
}

describe('downgrade through a merge of a revision and one depending on it, by Alembic release', () => {
  it('leaves both parents before 1.13.1 and only the dependent one from 1.13.1 on (Alembic #1373)', async () => {
    const dir = makeProject({
      'migrations/env.py': '',
      'migrations/versions/a1_x.py': rev('a1', null),
      'migrations/versions/b1_x.py': rev('b1', null).replace('depends_on = None', "depends_on = 'a1'"),
      'migrations/versions/m1_x.py': rev('m1', "('a1', 'b1')"),
    });
    const model = await loadProject({
      files: diskFiles(),
      cwd: dir,
      alembicVersion: parseAlembicVersion('1.8.1')!,
    });
    const before = predictDowngrade(model.map, 'b1', ['m1'], featuresOf(parseAlembicVersion('1.13.0')!));
    const after = predictDowngrade(model.map, 'b1', ['m1'], featuresOf(parseAlembicVersion('1.13.1')!));
    expect(before.finalHeads).toEqual(['a1', 'b1']);
    expect(after.finalHeads).toEqual(['b1']);
    expect(after.steps.map((s) => s.versionOps)).toEqual([['UPDATE m1 -> b1']]);
  });
});
