import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DEFAULT_INI, makeProject, migration } from '../helpers/project.js';

const V = 'migrations/versions/';
const PARAMS = 'op.execute(sa.text("UPDATE t SET x = :x"), {"x": 1})';
const REVERT = "op.execute('UPDATE t SET x = NULL')";

/**
 * a1 ── b2 ──┐
 *   └── c3 ──┴── d4
 * a1 and c3 have an execute-with-params-argument error each, b2 an empty
 * downgrade; b2 carries the branch label `side`. c3 is not an ancestor of b2,
 * so a baseline at b2 leaves it linted.
 */
const project = (): string =>
  makeProject({
    [V + 'a1_base.py']: migration('a1', null, PARAMS, REVERT),
    [V + 'b2_left.py']: migration(
      'b2',
      'a1',
      "op.add_column('t', sa.Column('y', sa.Integer()))",
      'pass',
    ).replace('branch_labels = None', "branch_labels = ('side',)"),
    [V + 'c3_right.py']: migration('c3', 'a1', PARAMS, REVERT),
    [V + 'd4_merge.py']: migration('d4', 'b2', 'pass', 'pass')
      .replace("down_revision = 'b2'", "down_revision = ('b2', 'c3')")
      .replace('Revises: b2', 'Revises: b2, c3'),
  });

interface Doc {
  findings: { code: string; path: string; revision: string | null }[];
  lintScope: { since: string[]; changedSince: string | null; filesNotLinted: number } | null;
}
const run = (root: string, ...args: string[]): { status: number; doc?: Doc; stderr: string } => {
  const r = runCli(root, ['check', '--format', 'json', ...args]);
  return { status: r.status, doc: r.stdout ? (JSON.parse(r.stdout) as Doc) : undefined, stderr: r.stderr };
};
const where = (doc: Doc | undefined): string[] =>
  (doc?.findings ?? []).map((f) => `${f.code}@${f.revision}`).sort();

describe('lint-since: lints skip the revisions every environment already has', () => {
  it('without it, every revision is linted', () => {
    const r = run(project());
    expect(where(r.doc)).toEqual([
      'empty-downgrade@b2',
      'execute-with-params-argument@a1',
      'execute-with-params-argument@c3',
    ]);
    expect(r.doc?.lintScope).toBeNull();
    // the text says how to scope the lints when migrations carry lint errors
    expect(runCli(project(), ['check']).stdout).toContain(
      '(2 lint errors in migration files. If a migration is already applied everywhere',
    );
    expect(runCli(project(), ['check', '--lint-since', 'b2']).stdout).not.toContain(
      'lint errors in migration files',
    );
  });

  it('skips the named revision and its ancestors, and keeps other branches', () => {
    const r = run(project(), '--lint-since', 'b2');
    expect(where(r.doc)).toEqual(['execute-with-params-argument@c3']);
    expect(r.doc?.lintScope).toEqual({ since: ['b2'], changedSince: null, filesNotLinted: 2 });
    expect(r.status).toBe(1);
  });

  it('takes several revisions, a unique prefix and a branch label', () => {
    const root = project();
    expect(where(run(root, '--lint-since', 'b2', '--lint-since', 'c3').doc)).toEqual([]);
    expect(run(root, '--lint-since', 'b2', '--lint-since', 'c3').status).toBe(0);
    expect(run(root, '--lint-since', 'side').doc?.lintScope).toEqual({
      since: ['b2'],
      changedSince: null,
      filesNotLinted: 2,
    });
    const long = makeProject({
      [V + 'aaaa1111_base.py']: migration('aaaa1111', null, PARAMS, REVERT),
      [V + 'bbbb2222_next.py']: migration('bbbb2222', 'aaaa1111', PARAMS, REVERT),
    });
    expect(where(run(long, '--lint-since', 'aaaa').doc)).toEqual(['execute-with-params-argument@bbbb2222']);
  });

  it('never touches graph findings', () => {
    const root = project();
    writeFileSync(
      path.join(root, V, 'b2_left.py'),
      migration('b2', 'a1', 'pass', 'pass').replace('Revision ID: b2', 'Revision ID: zz'),
    );
    expect(where(run(root, '--lint-since', 'd4').doc)).toEqual(['docstring-mismatch@b2']);
  });

  it('still replays history for the table model: a new foreign key is checked against an old table', () => {
    const root = makeProject({
      [V + 'a1_users.py']: migration(
        'a1',
        null,
        "op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True))\nop.create_table('old', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('user_id', sa.BigInteger(), sa.ForeignKey('users.id')))",
        "op.drop_table('old')\nop.drop_table('users')",
      ),
      [V + 'b2_posts.py']: migration(
        'b2',
        'a1',
        "op.create_table('posts', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('user_id', sa.BigInteger(), sa.ForeignKey('users.id')))",
        "op.drop_table('posts')",
      ),
    });
    expect(where(run(root).doc)).toEqual(['foreign-key-type-mismatch@a1', 'foreign-key-type-mismatch@b2']);
    expect(where(run(root, '--lint-since', 'a1').doc)).toEqual(['foreign-key-type-mismatch@b2']);
  });

  it('is read from pyproject.toml and alembic.ini, and --lint-since replaces it', () => {
    const root = project();
    writeFileSync(path.join(root, 'pyproject.toml'), '[tool.alembic-preflight]\nlint-since = ["b2", "c3"]\n');
    expect(where(run(root).doc)).toEqual([]);
    expect(where(run(root, '--lint-since', 'a1').doc)).toEqual([
      'empty-downgrade@b2',
      'execute-with-params-argument@c3',
    ]);
    expect(JSON.parse(runCli(root, ['check', '--rules', '--format', 'json']).stdout).lintSince).toEqual([
      'b2',
      'c3',
    ]);
    expect(runCli(root, ['check', '--rules']).stdout).toContain('lints on by default; lint-since b2, c3');
    const ini = project();
    writeFileSync(path.join(ini, 'alembic.ini'), `${DEFAULT_INI}\n[alembic-preflight]\nlint-since = b2\n`);
    expect(where(run(ini).doc)).toEqual(['execute-with-params-argument@c3']);
    expect(runCli(ini, ['check']).stdout).toContain(
      '(the lints skip 2 revision files: at or below b2 (lint-since))',
    );
  });

  it('refuses a name that resolves to nothing or to several revisions (exit 2, never a silent "all new")', () => {
    const root = project();
    for (const [args, text] of [
      [['--lint-since', 'nope'], /--lint-since names 'nope', which is not a revision id/],
      [['--lint-since', 'b2', '--no-lint'], /--lint-since has no effect with --no-lint/],
    ] as const) {
      const r = run(root, ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(text);
      expect(r.stderr).not.toContain('    at ');
    }
    const twins = makeProject({
      [V + 'abcd1_x.py']: migration('abcd1', null, 'pass', 'pass'),
      [V + 'abcd2_y.py']: migration('abcd2', 'abcd1', 'pass', 'pass'),
    });
    expect(run(twins, '--lint-since', 'abcd').stderr).toMatch(/matches 2 revisions \(abcd1, abcd2/);
    for (const toml of ['lint-since = []', 'lint-since = 3', 'lint-since = "zzzz"']) {
      writeFileSync(path.join(root, 'pyproject.toml'), `[tool.alembic-preflight]\n${toml}\n`);
      const r = run(root);
      expect(r.status, toml).toBe(2);
      expect(r.stderr, toml).toMatch(
        /configuration error: pyproject\.toml \[tool\.alembic-preflight\]( lint-since names 'zzzz'| lint-since must be)/,
      );
    }
  });
});

/** Runs git in the project with a fixed identity (tests must not depend on the machine's git config). */
const git = (root: string, ...args: string[]): void => {
  const r = spawnSync(
    'git',
    ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args],
    { cwd: root, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
};

describe('--lint-changed-since REF: lints only what a branch changed', () => {
  /** main0 has a1 (an error) and b2 (a warning); the branch commits c3, leaves d4 untracked; both have errors. */
  const branch = (): string => {
    const root = makeProject({
      [V + 'a1_base.py']: migration('a1', null, PARAMS, REVERT),
      [V + 'b2_next.py']: migration('b2', 'a1', "op.add_column('t', sa.Column('y', sa.Integer()))", 'pass'),
    });
    git(root, 'init', '-q');
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'main');
    git(root, 'tag', 'main0');
    writeFileSync(path.join(root, V, 'c3_branch.py'), migration('c3', 'b2', PARAMS, REVERT));
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'branch');
    writeFileSync(path.join(root, V, 'd4_wip.py'), migration('d4', 'c3', PARAMS, REVERT));
    return root;
  };

  it('lints committed, uncommitted and untracked changes since the merge base, nothing else', () => {
    const root = branch();
    expect(where(run(root).doc)).toEqual([
      'empty-downgrade@b2',
      'execute-with-params-argument@a1',
      'execute-with-params-argument@c3',
      'execute-with-params-argument@d4',
    ]);
    const r = run(root, '--lint-changed-since', 'main0');
    expect(where(r.doc)).toEqual(['execute-with-params-argument@c3', 'execute-with-params-argument@d4']);
    expect(r.doc?.lintScope).toEqual({ since: [], changedSince: 'main0', filesNotLinted: 2 });
    // an edit to an old file makes it part of the change
    writeFileSync(path.join(root, V, 'a1_base.py'), migration('a1', null, PARAMS, REVERT) + '# touched\n');
    expect(where(run(root, '--lint-changed-since', 'main0').doc)).toEqual([
      'execute-with-params-argument@a1',
      'execute-with-params-argument@c3',
      'execute-with-params-argument@d4',
    ]);
    // with lint-since too, a file is left out if either leaves it out
    expect(where(run(root, '--lint-changed-since', 'main0', '--lint-since', 'c3').doc)).toEqual([
      'execute-with-params-argument@d4',
    ]);
    expect(runCli(root, ['check', '--lint-changed-since', 'main0', '--lint-since', 'c3']).stdout).toContain(
      '(the lints skip 3 revision files: at or below c3 (lint-since) or unchanged since main0)',
    );
  });

  it('is exit 2 with what to do when git cannot answer', () => {
    const root = branch();
    const bad = run(root, '--lint-changed-since', 'origin/nope');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--lint-changed-since origin/nope: git knows no commit by that name');
    expect(bad.stderr).toContain('git fetch origin main');
    // a value that looks like a git option never reaches git as one
    const dash = run(root, '--lint-changed-since=--output=x');
    expect(dash.status).toBe(2);
    expect(dash.stderr).toContain('--lint-changed-since --output=x: git knows no commit by that name');
    expect(existsSync(path.join(root, 'x'))).toBe(false);
    const noGit = run(project(), '--lint-changed-since', 'main');
    expect(noGit.status).toBe(2);
    expect(noGit.stderr).toMatch(/--lint-changed-since needs git: the project is not in a git work tree/);
    expect(run(root, '--lint-changed-since', 'main0', '--no-lint').stderr).toContain(
      '--lint-changed-since has no effect with --no-lint',
    );
  });
});
