import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import {
  prepareDatabase,
  runAlembicUpgrade,
  writeScenarioProject,
  type RevSpec,
} from '../helpers/db-scenario.js';

/** Two labelled branches, each with one head. */
const TWO_BRANCHES: RevSpec[] = [
  { id: 'a1', down: null, labels: ['left'] },
  { id: 'b1', down: 'a1' },
  { id: 'a2', down: null, labels: ['right'] },
  { id: 'b2', down: 'a2' },
];
/** The same, and the left branch forks again: left@head is ambiguous too. */
const LEFT_FORKED: RevSpec[] = [...TWO_BRANCHES, { id: 'c1', down: 'a1' }];

interface Doc {
  ok: boolean;
  target: string;
  findings: { code: string; severity: string; message: string; alembicError: string | null }[];
}

function check(root: string, target?: string): { status: number; doc: Doc; stdout: string } {
  const args = [
    'check',
    '--no-lint',
    '--format',
    'json',
    ...(target === undefined ? [] : ['--target', target]),
  ];
  const r = runCli(root, args);
  return { status: r.status, doc: JSON.parse(r.stdout) as Doc, stdout: r.stdout };
}

describe('check --target: several heads are graded for the upgrade the deploy runs', () => {
  it('agrees with real `alembic upgrade <target>` on a fresh SQLite database', async () => {
    const cases: [RevSpec[], string, boolean][] = [
      [TWO_BRANCHES, 'head', false],
      [TWO_BRANCHES, 'heads', true],
      [TWO_BRANCHES, 'left@head', true],
      [TWO_BRANCHES, 'b2', true],
      [TWO_BRANCHES, 'nosuch@head', false],
      [TWO_BRANCHES, 'zzzz', false],
      [LEFT_FORKED, 'left@head', false],
      [LEFT_FORKED, 'right@head', true],
      [LEFT_FORKED, 'heads', true],
    ];
    for (const [revs, target, expectOk] of cases) {
      const what = `${revs.length} revisions, target ${target}`;
      const root = writeScenarioProject({ name: what, revs, rows: 'no-table' });
      const url = await prepareDatabase({ name: what, revs, rows: 'no-table' }, 'sqlite', root);
      const real = runAlembicUpgrade(root, url, target);
      const ours = check(root, target);
      expect(
        real.rc === 0,
        `${what}: alembic says ${real.stdout}${real.stderr.split('\n').slice(-2).join(' ')}`,
      ).toBe(expectOk);
      expect(ours.doc.ok, what).toBe(expectOk);
      expect(ours.status, what).toBe(expectOk ? 0 : 1);
      expect(ours.doc.target).toBe(target);
      const errors = ours.doc.findings.filter((f) => f.severity === 'error');
      if (!expectOk) {
        // one blocking finding, quoting what Alembic prints
        expect(
          errors.map((f) => f.code),
          what,
        ).toHaveLength(1);
        const said = `${real.stdout}\n${real.stderr}`;
        expect(
          errors.some(
            (f) => f.alembicError !== null && said.includes(f.alembicError.replace(/^FAILED: /u, '')),
          ),
          `${what}: ${JSON.stringify(errors)} vs ${said}`,
        ).toBe(true);
      } else {
        expect(errors, what).toEqual([]);
        const heads = ours.doc.findings.find((f) => f.code === 'multiple-heads');
        expect(heads?.severity, what).toBe('warning');
        expect(heads?.message, what).toContain(`(\`alembic upgrade ${target}\` is not affected)`);
      }
    }
  }, 60_000);

  it('without --target, several heads block as before, and the text names a non-default target', () => {
    const root = writeScenarioProject({ name: 'default', revs: TWO_BRANCHES, rows: 'no-table' });
    const plain = check(root);
    expect(plain.status).toBe(1);
    expect(plain.doc.target).toBe('head');
    expect(plain.doc.findings.find((f) => f.code === 'multiple-heads')?.severity).toBe('error');
    expect(plain.stdout).toContain('say so: check --target heads (or --target LABEL@head)');
    const text = runCli(root, ['check', '--no-lint', '--target', 'heads']).stdout;
    expect(text).toContain('heads: b1, b2; graded for `alembic upgrade heads`');
    expect(text).toMatch(/^OK: /mu);
  });

  it('refuses targets only the database can resolve (relative steps) and an empty one: exit 2', () => {
    const root = writeScenarioProject({ name: 'relative', revs: TWO_BRANCHES, rows: 'no-table' });
    for (const t of ['+1', '-1', 'left@+1', 'b1+1', '']) {
      const r = runCli(root, ['check', '--no-lint', '--target', t]);
      expect(r.status, t).toBe(2);
      expect(r.stderr, t).toContain(`check --target takes head, heads, LABEL@head or a revision, not '${t}'`);
    }
  });

  it('reports a new database that fails partway through the upgrade, as real Alembic does', async () => {
    // a merge that lists x1, which y1 already reaches through depends_on: HeadMaintainer raises KeyError
    const revs: RevSpec[] = [
      { id: 'r0', down: null },
      { id: 'x1', down: 'r0' },
      { id: 'y1', down: 'r0', depends: ['x1'] },
      { id: 'z1', down: 'r0' },
      { id: 'm1', down: ['z1', 'x1', 'y1'] },
    ];
    const root = writeScenarioProject({ name: 'redundant parent', revs, rows: 'no-table' });
    const ours = check(root, 'heads');
    expect(ours.status).toBe(1);
    const f = ours.doc.findings.find((x) => x.code === 'upgrade-will-fail');
    expect(f?.message).toContain(
      'On a new database (no version table), `alembic upgrade heads` will fail at merge revision m1',
    );
    expect(f?.alembicError).toBe("KeyError: 'x1'");
    const real = runAlembicUpgrade(
      root,
      await prepareDatabase({ name: 'redundant parent', revs, rows: 'no-table' }, 'sqlite', root),
      'heads',
    );
    expect(real.rc).not.toBe(0);
    expect(real.stderr).toContain("KeyError: 'x1'");
  });
});
