import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAlembicVersion, LATEST_ALEMBIC } from '../../src/alembic/config/alembic-version.js';
import { loadProject, type ProjectModel } from '../../src/alembic/loading/project-model.js';
import { predictUpgrade } from '../../src/alembic/graph/upgrade-plan.js';
import { alembicTargets, oracleGraph, type OracleGraph } from '../helpers/oracle.js';
import { generateCorpus } from '../helpers/corpus.js';
import { EDGE_INI, EDGE_PROJECTS } from '../fixtures/edge-projects.js';
import { makeProject, rev } from '../helpers/project.js';
import { diskFiles } from '../../src/project/project-files.js';

let tmp: string;
let fixtures: string[];

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'preflight-diff-'));
  fixtures = Object.keys(EDGE_PROJECTS).sort();
  for (const name of fixtures) {
    const project = EDGE_PROJECTS[name]!;
    const dir = path.join(tmp, 'fx', name);
    mkdirSync(path.join(dir, 'migrations', 'versions'), { recursive: true });
    writeFileSync(path.join(dir, 'alembic.ini'), project.ini ?? EDGE_INI);
    writeFileSync(path.join(dir, 'migrations', 'env.py'), 'from alembic import context\n');
    for (const [rel, content] of Object.entries(project.files)) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), content);
    }
  }
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Compares our model with what real Alembic built (or how it failed). */
function compare(model: ProjectModel, truth: OracleGraph, label: string): void {
  if (!model.complete) {
    // we refuse to guess: the answer must be a not-statically-known finding, never a wrong graph
    expect(
      model.files.some((f) =>
        f.problems.some((p) => p.code === 'not-statically-known' || p.code === 'bytecode-only-revision'),
      ),
      label,
    ).toBe(true);
    return;
  }
  const ours = model.failure?.failure;
  if (!truth.ok && truth.error!.class === 'ModuleNotFoundError') {
    // we cannot know what is installed; we must have warned about exactly that import
    const missing = /No module named '([^'.]+)/.exec(truth.error!.message)![1];
    expect(
      model.files.some((f) =>
        f.problems.some((p) => p.code === 'unresolved-import' && p.level === 0 && p.module === missing),
      ),
      label,
    ).toBe(true);
    return;
  }
  if (!truth.ok) {
    expect(
      ours,
      `${label}: Alembic failed with ${truth.error!.class}: ${truth.error!.message}, we predicted success`,
    ).toBeDefined();
    expect(
      ours!.exception === truth.error!.class ||
        (ours!.exception === 'RevisionError' && truth.error!.class.endsWith('Error')),
      `${label}: exception ${ours!.exception} vs ${truth.error!.class}`,
    ).toBe(true);
    if (truth.error!.class === 'SyntaxError') return; // CPython's wording differs by version; the class is what matters
    if (truth.error!.message.startsWith('Branch name')) {
      const names = (m: string) => [...m.matchAll(/revision (\S+)/g)].map((x) => x[1]).sort();
      expect(names(ours!.message), label).toEqual(names(truth.error!.message));
      return;
    }
    const theirs = truth.error!.message;
    const bare = (m: string) => m.replace(/^ImportError: |^ValueError: |^AttributeError: |^TypeError: /, '');
    // where Alembic walks a set, any of the failures we list may come first
    if (ours!.orderVaries) expect([ours!.message, ...ours!.orderVaries].map(bare), label).toContain(theirs);
    else expect(bare(ours!.message), label).toBe(theirs);
    return;
  }
  expect(ours, `${label}: Alembic succeeded, we predicted ${ours?.message}`).toBeUndefined();
  expect([...model.map.heads].sort(), `${label} heads`).toEqual([...truth.heads!].sort());
  expect([...model.map.realHeads].sort(), `${label} realHeads`).toEqual([...truth.realHeads!].sort());
  expect([...model.map.bases].sort(), `${label} bases`).toEqual([...truth.bases!].sort());
  expect([...model.map.realBases].sort(), `${label} realBases`).toEqual([...truth.realBases!].sort());
  model.map.propagateLabels();
  const mine = model.map.revisions
    .map((r) => ({
      revision: r.id,
      downRevisions: r.script.versionedDownValues.map((v) => (v.t === 'str' ? v.v : '?')),
      labels: [...r.labels].sort(),
      path: r.file.path,
    }))
    .sort((a, b) => (a.revision < b.revision ? -1 : 1));
  const theirs = truth
    .revisions!.map((r) => ({
      revision: r.revision,
      downRevisions: r.downRevisions,
      labels: r.labels,
      path: r.path,
    }))
    .sort((a, b) => (a.revision < b.revision ? -1 : 1));
  expect(mine, `${label} revisions`).toEqual(theirs);
  // duplicate and missing-reference warnings must agree too
  const dupWarnings = truth.warnings.filter((w) => w.includes('present more than once')).sort();
  expect(
    model.map.problems
      .filter((p) => p.code === 'duplicate-revision')
      .map((p) => p.warning)
      .sort(),
    `${label} warnings`,
  ).toEqual(dupWarnings);
}

describe.each(alembicTargets())('edge-case fixtures against real Alembic ($name)', (target) => {
  it('agrees on every fixture', async () => {
    const version = target.version === 'latest' ? LATEST_ALEMBIC : parseAlembicVersion(target.version)!;
    let compared = 0;
    for (const name of fixtures) {
      const dir = path.join(tmp, 'fx', name);
      const truth = oracleGraph(dir, { ini: 'alembic.ini', env: target.env });
      let model: ProjectModel;
      try {
        model = await loadProject({ files: diskFiles(), cwd: dir, alembicVersion: version });
      } catch (e) {
        // a configuration error must correspond to an Alembic failure
        expect(truth.ok, `${name}: we raised ${(e as Error).message}`).toBe(false);
        continue;
      }
      compare(model, truth, `${name} (${target.name})`);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(30);
  });
});

const SHAPES: { name: string; args: string[] }[] = [
  { name: 'linear-traps', args: ['--n', '120', '--seed', '3', '--branch-rate', '0', '--traps', '0.5'] },
  {
    name: 'branchy-labels',
    args: [
      '--n',
      '400',
      '--seed',
      '5',
      '--branch-rate',
      '0.2',
      '--label-rate',
      '0.6',
      '--depends-rate',
      '0.1',
      '--traps',
      '0.2',
    ],
  },
  {
    name: 'multi-root',
    args: ['--n', '300', '--seed', '7', '--roots', '3', '--heads', '3', '--branch-rate', '0.1'],
  },
  {
    name: 'several-heads',
    args: ['--n', '250', '--seed', '11', '--heads', '4', '--extras', '--traps', '0.3'],
  },
  { name: 'recursive-locations', args: ['--n', '200', '--seed', '13', '--subdirs', '4', '--locations', '2'] },
  { name: 'large-2000', args: ['--n', '2000', '--seed', '17', '--traps', '0.1', '--depends-rate', '0.05'] },
];

describe.each(alembicTargets())('generated projects against real Alembic ($name)', (target) => {
  // recursive version locations need Alembic ≥ 1.10: not a case for Debian's 1.8.1
  const shapes = SHAPES.filter((s) => s.name !== 'recursive-locations' || target.name !== 'system');
  it.each(shapes)('$name', async ({ name, args }) => {
    const dir = path.join(tmp, `corpus-${name}-${target.name}`);
    generateCorpus(dir, args);
    const truth = oracleGraph(dir, { ini: 'alembic.ini', env: target.env });
    const version = target.version === 'latest' ? LATEST_ALEMBIC : parseAlembicVersion(target.version)!;
    const model = await loadProject({ files: diskFiles(), cwd: dir, alembicVersion: version });
    expect(model.complete).toBe(true);
    compare(model, truth, `${name} (${target.name})`);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
      revisions?: unknown[];
    };
    if (Array.isArray(manifest.revisions)) expect(model.map.revisions.length).toBe(manifest.revisions.length);
  });
});

/** Constants read through an imported module (OpenStack Neutron: `from neutron.db.migration import cli` … `(cli.CONTRACT_BRANCH,)`). */
const MODULE_ATTRIBUTE_CASES: { name: string; head: string; labels: string; expectComplete: boolean }[] = [
  {
    name: 'submodule imported from its package',
    head: 'from app.db import branches',
    labels: '(branches.CONTRACT,)',
    expectComplete: true,
  },
  {
    name: 'module imported with as',
    head: 'import app.db.branches as b',
    labels: 'b.EXPAND',
    expectComplete: true,
  },
  {
    name: 'dotted import, full path',
    head: 'import app.db.branches',
    labels: '[app.db.branches.CONTRACT, app.db.branches.EXPAND]',
    expectComplete: true,
  },
  {
    name: 'dotted import, the package attribute',
    head: 'import app.db.branches',
    labels: 'app.db.LABEL',
    expectComplete: true,
  },
  // Python only sees app.db if something imported it: we do not guess
  {
    name: 'submodule the import did not load',
    head: 'import app',
    labels: 'app.db.branches.CONTRACT',
    expectComplete: false,
  },
  {
    name: 'a computed constant',
    head: 'from app.db import branches',
    labels: 'branches.COMPUTED',
    expectComplete: false,
  },
  {
    name: 'an attribute that does not exist',
    head: 'from app.db import branches',
    labels: 'branches.MISSING',
    expectComplete: false,
  },
];

describe.each(alembicTargets())(
  'constants through imported modules against real Alembic ($name)',
  (target) => {
    it.each(MODULE_ATTRIBUTE_CASES)('$name', async ({ head, labels, expectComplete }) => {
      const dir = makeProject({
        'app/__init__.py': '',
        'app/db/__init__.py': "LABEL = 'db'\n",
        'app/db/branches.py':
          "import os\nCONTRACT = 'contract'\nEXPAND = 'expand'\nCOMPUTED = os.environ.get('X', 'x')\n",
        'migrations/env.py': '',
        'migrations/versions/a1_x.py': rev('a1', null, `${head}\nbranch_labels = ${labels}`),
        'migrations/versions/b2_x.py': rev('b2', 'a1'),
      });
      try {
        const truth = oracleGraph(dir, { ini: 'alembic.ini', env: target.env });
        const version = target.version === 'latest' ? LATEST_ALEMBIC : parseAlembicVersion(target.version)!;
        const model = await loadProject({ files: diskFiles(), cwd: dir, alembicVersion: version });
        expect(model.complete).toBe(expectComplete);
        compare(model, truth, `${head} / ${labels} (${target.name})`);
        if (expectComplete) expect(truth.ok).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

describe.each(alembicTargets())(
  'constants through a package installed from the repository, above the working folder ($name)',
  (target) => {
    it('Neutron: Alembic runs from neutron/db/migration, the labels come from neutron.db.migration.cli (pip-installed: on PYTHONPATH here)', async () => {
      const repo = makeProject(
        {
          '.git/HEAD': 'ref: refs/heads/main\n',
          'app/__init__.py': '',
          'app/db/__init__.py': '',
          'app/db/migration/__init__.py': '',
          'app/db/migration/cli.py': "EXPAND_BRANCH = 'expand'\nCONTRACT_BRANCH = 'contract'\n",
          'app/db/migration/alembic.ini': '[alembic]\nscript_location = %(here)s/alembic_migrations\n',
          'app/db/migration/alembic_migrations/env.py': '',
          'app/db/migration/alembic_migrations/versions/a1_x.py': rev('a1', null),
          'app/db/migration/alembic_migrations/versions/b2_x.py': rev(
            'b2',
            'a1',
            'from app.db.migration import cli\nbranch_labels = (cli.EXPAND_BRANCH,)',
          ),
          'app/db/migration/alembic_migrations/versions/c3_x.py': rev(
            'c3',
            'a1',
            'import app.db.migration.cli as cli\nbranch_labels = (cli.CONTRACT_BRANCH,)',
          ),
        },
        null,
      );
      const cwd = path.join(repo, 'app/db/migration');
      try {
        const truth = oracleGraph(cwd, {
          ini: 'alembic.ini',
          env: { ...target.env, PYTHONPATH: [target.env.PYTHONPATH, repo].filter(Boolean).join(':') },
        });
        expect(truth.ok).toBe(true);
        const version = target.version === 'latest' ? LATEST_ALEMBIC : parseAlembicVersion(target.version)!;
        const model = await loadProject({ files: diskFiles(), cwd, alembicVersion: version });
        expect(model.complete).toBe(true);
        compare(model, truth, `neutron layout (${target.name})`);
        expect([...(model.map.revisions.find((r) => r.id === 'b2')?.labels ?? [])]).toEqual(['expand']);
      } finally {
        rmSync(repo, { recursive: true, force: true });
      }
    });
  },
);

// depends_on goes through tuple_rev_as_scalar: a lone "" is falsy (nothing to resolve) yet not None
// (the revision is no real base); invenio-accounts writes `depends_on = ""`
const FALSY_DEPENDS_CASES: { name: string; a1: string; b2: string }[] = [
  { name: 'a base with depends_on = ""', a1: 'depends_on = ""', b2: '' },
  { name: 'a child with depends_on = ""', a1: '', b2: 'depends_on = ""' },
  { name: 'a child with depends_on = ("",)', a1: '', b2: 'depends_on = ("",)' },
  { name: 'a child with depends_on = ("", "")', a1: '', b2: 'depends_on = ("", "")' },
  { name: 'a base with depends_on = ()', a1: 'depends_on = ()', b2: '' },
  { name: 'a base with depends_on = []', a1: 'depends_on = []', b2: '' },
  { name: 'a base that depends on a revision in another package', a1: 'depends_on = "zz9"', b2: '' },
];

describe.each(alembicTargets())('falsy and absent depends_on against real Alembic ($name)', (target) => {
  it.each(FALSY_DEPENDS_CASES)('$name', async ({ a1, b2 }) => {
    const dir = makeProject({
      'migrations/env.py': '',
      'migrations/versions/a1_x.py': rev('a1', null, a1),
      'migrations/versions/b2_x.py': rev('b2', 'a1', b2),
    });
    try {
      const truth = oracleGraph(dir, { ini: 'alembic.ini', env: target.env });
      const version = target.version === 'latest' ? LATEST_ALEMBIC : parseAlembicVersion(target.version)!;
      const model = await loadProject({ files: diskFiles(), cwd: dir, alembicVersion: version });
      compare(model, truth, `${a1}${b2} (${target.name})`);
      // no finding may claim a failure Alembic does not have
      const failures = [
        ...new Set(
          model.map.problems
            .filter((p) => p.failure)
            .map((p) => `${p.failure!.exception}: ${p.failure!.message}`),
        ),
      ];
      const expected = truth.ok ? [] : [`${truth.error!.class}: ${truth.error!.message}`];
      expect(failures, `${a1}${b2} (${target.name})`).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * down_revision values that are not plain strings: `tuple_rev_as_scalar` (before 1.12.1 on the raw value,
 * after on `to_tuple` of it) and the "is not present" warning, whose `", ".join` of the down revisions
 * raises TypeError on a non-str item before the KeyError.
 */
const ODD_VALUES = [
  '1234',
  'True',
  '0',
  '("a1", 5)',
  '("a1", None)',
  '[None]',
  '(None,)',
  '[""]',
  '("",)',
  '""',
  "[b'a']",
  "b'a1'",
  '(("a1",),)',
  '["a1"]',
  '(1,)',
  '()',
];
const ODD_CASES = [
  ...ODD_VALUES.map((v) => ({ field: 'down_revision', body: `down_revision = ${v}\ndepends_on = None` })),
  // depends_on: Script passes to_tuple(depends_on) in every release, Revision makes it a scalar; a falsy
  // scalar resolves nothing but still is not None, so the revision is no real base
  ...ODD_VALUES.map((v) => ({ field: 'depends_on', body: `down_revision = None\ndepends_on = ${v}` })),
];

describe.each(alembicTargets())(
  'down_revision and depends_on values that are not plain strings against real Alembic ($name)',
  (target) => {
    it.each(ODD_CASES)('$body', async ({ body }) => {
      const dir = makeProject({
        'migrations/env.py': '',
        'migrations/versions/a1_x.py': rev('a1', null),
        'migrations/versions/b2_x.py': `revision = 'b2'\n${body}\nbranch_labels = None\n`,
      });
      try {
        const truth = oracleGraph(dir, { ini: 'alembic.ini', env: target.env });
        const version = target.version === 'latest' ? LATEST_ALEMBIC : parseAlembicVersion(target.version)!;
        const model = await loadProject({ files: diskFiles(), cwd: dir, alembicVersion: version });
        compare(model, truth, `${body.replace('\n', '; ')} (${target.name})`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

/** Graph traps found by the check fuzz (check-fuzz.test.ts), where Alembic's order of failure decides the message. */
const FUZZ_TRAPS: { name: string; files: Record<string, string> }[] = [
  {
    // its own label as down_revision: its own child, so no head reaches it and the label is never looked up
    name: 'down_revision is the revision’s own label',
    files: {
      'migrations/versions/a1_x.py': rev('a1', null),
      'migrations/versions/b2_x.py': rev('b2', 'a1'),
      'migrations/versions/c3_x.py':
        "revision = 'c3'\ndown_revision = 'own'\nbranch_labels = ('own',)\ndepends_on = None\n",
    },
  },
  {
    // the same label reached from a head: KeyError on the id-only map
    name: 'down_revision is another revision’s label',
    files: {
      'migrations/versions/a1_x.py':
        "revision = 'a1'\ndown_revision = None\nbranch_labels = ('core',)\ndepends_on = None\n",
      'migrations/versions/b2_x.py': rev('b2', 'core'),
    },
  },
  {
    // _add_depends_on walks a set: which KeyError comes first depends on object addresses
    name: 'three revisions whose depends_on names a missing revision',
    files: {
      'migrations/versions/a1_x.py': rev('a1', null).replace('depends_on = None', "depends_on = 'gone1'"),
      'migrations/versions/b2_x.py': rev('b2', 'a1').replace(
        'depends_on = None',
        "depends_on = ('gone2', 'gone4')",
      ),
      'migrations/versions/c3_x.py': rev('c3', 'b2').replace('depends_on = None', "depends_on = 'gone3'"),
    },
  },
  {
    name: 'a parent named twice',
    files: {
      'migrations/versions/a1_x.py': rev('a1', null),
      'migrations/versions/b2_x.py': rev('b2', "('a1', 'a1')"),
      'migrations/versions/c3_x.py': rev('c3', "('a1', 'a1')"),
    },
  },
];

/**
 * Syntax errors inside upgrade() and helpers, which Python rejects when
 * Alembic imports the file (a real-project sweep found both the missing comma
 * and the Python 2 print), and bodies that look odd but are valid.
 */
const BODY_SYNTAX: { name: string; files: Record<string, string> }[] = [
  {
    name: 'a missing comma between two columns in upgrade()',
    files: {
      'migrations/versions/a1_x.py': rev('a1', null),
      'migrations/versions/b2_x.py':
        rev('b2', 'a1') +
        "\n\ndef upgrade():\n    op.create_table(\n        'posts',\n        sa.Column('id', sa.Integer(), nullable=False)\n        sa.PrimaryKeyConstraint('id'),\n    )\n",
    },
  },
  {
    name: 'a Python 2 print in a helper',
    files: {
      'migrations/versions/a1_x.py':
        rev('a1', null) +
        '\n\ndef upgrade():\n    migrate_data()\n\n\ndef migrate_data():\n    print "migrating"\n',
    },
  },
  {
    name: 'a Python 2 octal literal in downgrade()',
    files: {
      'migrations/versions/a1_x.py': rev('a1', null) + "\n\ndef downgrade():\n    os.chmod('x', 0755)\n",
    },
  },
  {
    name: 'valid bodies: soft keywords, keywords after operands, strings side by side',
    files: {
      'migrations/versions/a1_x.py':
        rev('a1', null) +
        "\n\ndef upgrade():\n    match = re.match('a', 'b')\n    match match:\n        case None:\n            pass\n    x = 1if True else 2\n    op.execute('a' 'b' f'{x}')\n    type = [t for t in y if t is not None]\n",
      'migrations/versions/b2_x.py': rev('b2', 'a1'),
    },
  },
];

async function compareTrap(
  target: ReturnType<typeof alembicTargets>[number],
  files: Record<string, string>,
): Promise<void> {
  const dir = makeProject({ 'migrations/env.py': '', ...files });
  try {
    const truth = oracleGraph(dir, { ini: 'alembic.ini', env: target.env });
    const version = target.version === 'latest' ? LATEST_ALEMBIC : parseAlembicVersion(target.version)!;
    compare(
      await loadProject({ files: diskFiles(), cwd: dir, alembicVersion: version }),
      truth,
      `${Object.keys(files).length} files (${target.name})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(alembicTargets())('graph traps from the check fuzz against real Alembic ($name)', (target) => {
  it.each(FUZZ_TRAPS)('$name', async ({ files }) => compareTrap(target, files));
});

describe.each(alembicTargets())(
  'syntax errors inside function bodies against real Alembic ($name)',
  (target) => {
    it.each(BODY_SYNTAX)('$name', async ({ files }) => compareTrap(target, files));
  },
);

/**
 * `revision =` values that are not strings. A list (or a tuple holding one) is unhashable and fails the
 * load; any other tuple is hashable, so Alembic files the revision under the tuple itself, and a
 * down_revision naming its text finds nothing.
 */
const ODD_REVISIONS: { name: string; value: string; child?: boolean }[] = [
  { name: 'a one-item tuple', value: "('b5',)" },
  { name: 'a one-item tuple a child names', value: "('b5',)", child: true },
  { name: 'a two-item tuple', value: "('b5', 'b6')" },
  { name: 'the empty tuple', value: '()' },
  { name: 'a tuple holding an illegal character', value: "('b5', '@')" },
  { name: 'a tuple holding a list', value: "('b5', ['x'])" },
  { name: 'a list', value: "['b5']" },
];

/** Python's repr of a tuple key as the oracle prints it (a JSON list). */
function tupleRepr(v: unknown): string {
  if (!Array.isArray(v)) return String(v);
  const items = v.map((x) => `'${String(x)}'`);
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

describe.each(alembicTargets())(
  'revision values that are not strings against real Alembic ($name)',
  (target) => {
    it.each(ODD_REVISIONS)('$name', async ({ value, child }) => {
      const dir = makeProject({
        'migrations/env.py': '',
        'migrations/versions/a1_x.py': rev('a1', null),
        'migrations/versions/b5_x.py': `revision = ${value}\ndown_revision = 'a1'\nbranch_labels = None\ndepends_on = None\n`,
        ...(child ? { 'migrations/versions/c1_x.py': rev('c1', 'b5') } : {}),
      });
      try {
        const truth = oracleGraph(dir, { ini: 'alembic.ini', env: target.env });
        const version = target.version === 'latest' ? LATEST_ALEMBIC : parseAlembicVersion(target.version)!;
        const model = await loadProject({ files: diskFiles(), cwd: dir, alembicVersion: version });
        const ours = model.failure?.failure;
        if (!truth.ok) {
          expect(ours, value).toBeDefined();
          expect(`${ours!.exception}: ${ours!.message.replace(/^TypeError: /u, '')}`, value).toBe(
            `${truth.error!.class === 'RevisionError' ? 'RevisionError' : truth.error!.class}: ${truth.error!.message}`,
          );
          return;
        }
        expect(ours, value).toBeUndefined();
        expect([...model.map.heads].sort(), `${value} heads`).toEqual(truth.heads!.map(tupleRepr).sort());
        // loaded, but never an all-clear: the finding blocks, and no upgrade is predicted through it
        expect(
          model.files.some((f) => f.problems.some((p) => p.code === 'invalid-revision-value')),
          value,
        ).toBe(true);
        const prediction = predictUpgrade(model.map, 'head', []);
        expect(prediction.willSucceed, value).toBe(false);
        expect(prediction.unpredictable, value).toMatch(/is not a string/u);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

describe.each(alembicTargets())(
  'a cycle that mixes str and bytes ids against real Alembic ($name)',
  (target) => {
    it('fails with the TypeError of sorting them, whichever order the hash seed gives the two types', async () => {
      const head = (id: string, deps: string): string =>
        `revision = ${id}\ndown_revision = None\nbranch_labels = None\ndepends_on = ${deps}\n`;
      const dir = makeProject({
        'migrations/env.py': '',
        'migrations/versions/c1_x.py': head("'c1'", 'None'),
        'migrations/versions/a1_x.py': head("'a1'", "''"),
        'migrations/versions/b5_x.py': head("b'b5'", "''"),
      });
      const version = target.version === 'latest' ? LATEST_ALEMBIC : parseAlembicVersion(target.version)!;
      const ours = (await loadProject({ files: diskFiles(), cwd: dir, alembicVersion: version })).failure
        ?.failure;
      const types = (m: string): string[] => [...m.matchAll(/'(\w+)'/gu)].map((x) => x[1]!).sort();
      for (const seed of ['1', '2', '3']) {
        const truth = oracleGraph(dir, { ini: 'alembic.ini', env: { ...target.env, PYTHONHASHSEED: seed } });
        expect(truth.error?.class, seed).toBe('TypeError');
        expect(ours?.exception).toBe('TypeError');
        expect(ours!.message).toMatch(/^TypeError: '<' not supported between instances of /u);
        expect(types(ours!.message), seed).toEqual(types(truth.error!.message));
      }
    });
  },
);

describe.each(alembicTargets())(
  'a cycle whose message would join a tuple id, against real Alembic ($name)',
  (target) => {
    it.each([
      {
        // no base at all: CycleDetected(list(rev_map)), joined in load order
        name: 'no base',
        files: {
          'a1_x.py': "revision = 'a1'\ndown_revision = 'c1'\n",
          'b5_x.py': "revision = ('t9',)\ndown_revision = 'a1'\n",
          'c1_x.py': "revision = 'c1'\ndown_revision = 'a1'\n",
        },
      },
    ])('$name', async ({ files }) => {
      const dir = makeProject({
        'migrations/env.py': '',
        ...Object.fromEntries(
          Object.entries(files).map(([k, v]) => [
            `migrations/versions/${k}`,
            `${v}branch_labels = None\ndepends_on = None\n`,
          ]),
        ),
      });
      const version = target.version === 'latest' ? LATEST_ALEMBIC : parseAlembicVersion(target.version)!;
      const ours = (await loadProject({ files: diskFiles(), cwd: dir, alembicVersion: version })).failure
        ?.failure;
      const truth = oracleGraph(dir, { ini: 'alembic.ini', env: target.env });
      expect(`${truth.error?.class}: ${truth.error?.message}`).toMatch(
        /^TypeError: sequence item \d: expected str instance, tuple found$/u,
      );
      expect(ours?.message).toBe(`${truth.error!.class}: ${truth.error!.message}`);
    });
  },
);
