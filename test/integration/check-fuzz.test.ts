import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { expectChildRunsClean, fuzzFolder } from '../helpers/fuzz-child.js';
import { REPO } from '../helpers/oracle.js';
import { rng } from '../helpers/rng.js';

// The reader fuzz (reader-fuzz.test.ts) feeds odd files to the reader; this feeds odd *projects* to the
// whole of `check` (graph, every rule, the lints, an upgrade plan for head and heads). Ids, parents,
// labels and dependencies are drawn from values that collide with each other and with Alembic's own
// words: an empty id once sent a rule into an endless loop. Each batch runs in a child process with a
// deadline, so a hang fails the test (naming the project) instead of hanging CI.

const IDS = [
  '',
  ' ',
  'a',
  'ab',
  'abc',
  'abc1',
  'abc12',
  'abc123',
  'head',
  'heads',
  'base',
  'A1',
  'a1',
  'a1 ',
  'é1',
  '0',
  '00',
  '1e3',
  'x'.repeat(40),
  'rev_1',
  'rev_10',
  'lbl',
];
const LABELS = ['lbl', 'lbl2', 'a1', 'head', '', 'abc'];

const lit = (s: string): string => JSON.stringify(s);

/** One revision file whose header mixes odd but loadable values. */
function revisionFile(r: () => number, id: string, ids: readonly string[]): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const some = (): string => (r() < 0.85 && ids.length > 0 ? pick(ids) : pick(IDS));
  const down = [
    () => 'None',
    () => lit(some()),
    () => `(${lit(some())}, ${lit(some())})`,
    () => `[${lit(some())}]`,
    () => '()',
    () => "''",
    () => '0',
    () => '(None,)',
    () => lit(pick(LABELS)),
  ];
  const labels = [
    () => 'None',
    () => lit(pick(LABELS)),
    () => `(${lit(pick(LABELS))}, ${lit(pick(LABELS))})`,
    () => "''",
  ];
  const deps = [
    () => 'None',
    () => lit(some()),
    () => lit(pick(LABELS)),
    () => `(${lit(some())}, ${lit(pick(LABELS))})`,
    () => "''",
  ];
  const weight = (fs: (() => string)[], first: number): string => (r() < first ? fs[0]!() : pick(fs)());
  const typed = r() < 0.3 ? ': str' : '';
  return [
    `"""odd ${id}\n\nRevision ID: ${r() < 0.8 ? id : some()}\nRevises: ${some()}\n"""`,
    'from alembic import op',
    'import sqlalchemy as sa',
    '',
    // now and then an id Alembic files under a tuple or bytes (it loads them)
    `revision${typed} = ${((x) => (x < 0.03 ? `(${lit(id)},)` : x < 0.05 ? `b${lit(id.replace(/[^\x20-\x7e]/gu, 'e'))}` : lit(id)))(r())}`,
    `down_revision = ${weight(down, 0.15)}`,
    `branch_labels = ${weight(labels, 0.7)}`,
    `depends_on = ${weight(deps, 0.7)}`,
    '',
    'def upgrade():',
    r() < 0.5 ? "    op.create_table('t', sa.Column('id', sa.Integer(), primary_key=True))" : '    pass',
    '',
    'def downgrade():',
    r() < 0.5 ? "    op.drop_table('t')" : '    pass',
    '',
  ].join('\n');
}

const PROJECTS = Number(process.env.CHECK_FUZZ_PROJECTS ?? 400);
const BATCH = 60;
// CHECK_FUZZ_DIR keeps the projects for a look at a failure
const tmp = fuzzFolder('preflight-check-fuzz-', process.env.CHECK_FUZZ_DIR);

function writeProjects(seed: number): string[] {
  const r = rng(seed);
  const dirs: string[] = [];
  for (let p = 0; p < PROJECTS; p++) {
    const dir = path.join(tmp, `p${p}`);
    mkdirSync(path.join(dir, 'migrations', 'versions'), { recursive: true });
    writeFileSync(
      path.join(dir, 'alembic.ini'),
      '[alembic]\nscript_location = migrations\npath_separator = os\n',
    );
    writeFileSync(path.join(dir, 'migrations', 'env.py'), '');
    const n = 2 + Math.floor(r() * 7);
    const ids: string[] = [];
    for (let k = 0; k < n; k++) {
      const id = r() < 0.2 ? IDS[Math.floor(r() * IDS.length)]! : `r${p}_${k}`;
      writeFileSync(
        path.join(dir, 'migrations', 'versions', `${k}_${id.replace(/\W/gu, '') || 'x'}.py`),
        revisionFile(r, id, ids),
      );
      ids.push(id);
    }
    dirs.push(dir);
  }
  return dirs;
}

/** Runs in a child: check (with lints) and an upgrade plan per project, printing a line per project. */
const CHILD = `
const dist = ${JSON.stringify(path.join(REPO, 'dist'))};
const { loadProject } = await import(dist + '/alembic/loading/project-model.js');
const { diskFiles } = await import(dist + '/project/project-files.js');
const { LATEST_ALEMBIC, parseAlembicVersion } = await import(dist + '/alembic/config/alembic-version.js');
const { checkModel } = await import(dist + '/workspace/open-project.js');
const { predictUpgrade } = await import(dist + '/alembic/graph/upgrade-plan.js');
const { checkJson } = await import(dist + '/report/json-report.js');
const { checkText } = await import(dist + '/report/text-report.js');
for (const dir of JSON.parse(process.argv[1])) {
  process.stdout.write('START ' + dir + '\\n');
  for (const version of [LATEST_ALEMBIC, parseAlembicVersion('1.8.1')]) {
    try {
      const model = await loadProject({ files: diskFiles(), cwd: dir, alembicVersion: version });
      const result = await checkModel(model, { lint: true });
      JSON.stringify(checkJson(result));
      checkText(result);
      if (!model.failure && model.complete) for (const t of ['head', 'heads']) predictUpgrade(model.map, t, []);
    } catch (e) {
      process.stdout.write('THROW ' + dir + ' ' + (e && e.stack || e) + '\\n');
    }
  }
}
process.stdout.write('END\\n');
`;

describe('check on odd projects', () => {
  it(`never throws and never hangs on ${PROJECTS} generated projects (both Alembic models)`, () => {
    const dirs = writeProjects(Number(process.env.CHECK_FUZZ_SEED ?? 7));
    for (let i = 0; i < dirs.length; i += BATCH) {
      const batch = dirs.slice(i, i + BATCH);
      expectChildRunsClean(CHILD, batch, batch);
    }
  }, 300_000);
});
