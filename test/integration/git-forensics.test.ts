import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { investigateMissing } from '../../src/history/git-history.js';
import {
  prepareDatabase,
  readRowsAfter,
  runAlembicUpgrade,
  writeScenarioProject,
  type Scenario,
} from '../helpers/db-scenario.js';
import { runCli, unwrapped } from '../helpers/cli.js';
import { diskFiles } from '../../src/project/project-files.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

const cli = (cwd: string, args: string[]) => runCli(cwd, args, { DATABASE_URL: 'sqlite:///app.db' });

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync(
    'git',
    ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', ...args],
    { cwd, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const versions = (root: string, file: string): string => path.join(root, 'migrations', 'versions', file);

/** A committed project (aaa111 → <middle> → bbb222 …) and a SQLite database stamped with `rows`. */
async function repo(revs: Scenario['revs'], rows: string[]): Promise<{ root: string; s: Scenario }> {
  const s: Scenario = { name: 'git', revs, rows };
  const root = writeScenarioProject(s);
  roots.push(root);
  await prepareDatabase(s, 'sqlite', root);
  writeFileSync(path.join(root, '.gitignore'), 'app.db\n__pycache__/\n');
  git(root, 'init', '-q');
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'initial migrations');
  return { root, s };
}

describe('git forensics for a missing id', () => {
  it('deleted: names the commit, restores the exact place, and rewires the child back', async () => {
    const { root, s } = await repo(
      [
        { id: 'aaa111', down: null },
        { id: 'ggg777', down: 'aaa111' },
        { id: 'bbb222', down: 'ggg777' },
      ],
      ['ggg777'],
    );
    // someone deleted ggg777 and pointed bbb222 at its parent
    unlinkSync(versions(root, 'ggg777_m.py'));
    const child = versions(root, 'bbb222_m.py');
    writeFileSync(
      child,
      readFileSync(child, 'utf8').replace("down_revision = 'ggg777'", "down_revision = 'aaa111'"),
    );
    git(root, 'commit', '-qam', 'drop the lockout migration');
    const sha = git(root, 'rev-parse', '--short', 'HEAD');

    const f = investigateMissing(diskFiles(), ['ggg777'], root, [
      path.join(root, 'migrations', 'versions'),
    ]).get('ggg777')!;
    expect(f).toMatchObject({
      kind: 'deleted',
      path: 'migrations/versions/ggg777_m.py',
      downRevisions: ['aaa111'],
      children: ['bbb222'],
      commit: { short: sha, subject: 'drop the lockout migration' },
    });

    const v = cli(root, ['verify']);
    expect(v.status).toBe(1);
    expect(v.stdout).toContain(`was deleted in commit ${sha}`);
    expect(v.stdout).toContain(`git checkout ${sha}^ -- migrations/versions/ggg777_m.py`);

    const b = cli(root, ['backfill', '--rewire', '--write']);
    expect(b.status, b.stdout + b.stderr).toBe(0);
    expect(b.stdout).toContain(
      `placed by: git history: migrations/versions/ggg777_m.py revised aaa111 before commit ${sha} deleted it`,
    );
    expect(readFileSync(child, 'utf8')).toContain("down_revision = 'ggg777'");
    expect(cli(root, ['verify']).status).toBe(0);
    const run = runAlembicUpgrade(root, 'sqlite:///app.db', 'head');
    expect(run.rc, run.stderr).toBe(0);
    expect(run.applied).toEqual(['bbb222']);
    expect(await readRowsAfter(s, 'sqlite', root, 'sqlite:///app.db')).toEqual(['bbb222']);
  });

  it('deleted, and it was a real migration: the hint and backfill say a placeholder leaves fresh databases without its operations, and how to restore it', async () => {
    const { root } = await repo(
      [
        { id: 'aaa111', down: null },
        { id: 'ggg777', down: 'aaa111' },
      ],
      ['ggg777'],
    );
    const file = versions(root, 'ggg777_m.py');
    const original = readFileSync(file, 'utf8').replace(
      /def upgrade\(\):\n(?: {4}.*\n)+/u,
      "def upgrade():\n    op.create_table('lockouts', sa.Column('id', sa.Integer, primary_key=True))\n",
    );
    expect(original).toContain("op.create_table('lockouts'");
    writeFileSync(file, original);
    git(root, 'commit', '-qam', 'lockouts table');
    unlinkSync(file);
    git(root, 'commit', '-qam', 'drop the lockout migration');
    const sha = git(root, 'rev-parse', '--short', 'HEAD');
    expect(
      investigateMissing(diskFiles(), ['ggg777'], root, [path.join(root, 'migrations', 'versions')]).get(
        'ggg777',
      ),
    ).toMatchObject({ kind: 'deleted', operations: true });
    const v = cli(root, ['verify']);
    expect(v.stdout).toContain('its upgrade() ran operations, so a no-op placeholder');
    const b = cli(root, ['backfill', '--rewire']);
    expect(b.stdout).toContain('WARNING: migrations/versions/ggg777_m.py was a real migration');
    const restore = new RegExp(
      `git show ${sha}\\^:migrations/versions/ggg777_m\\.py > migrations/versions/ggg777_m\\.py`,
      'u',
    ).exec(b.stdout);
    expect(restore).not.toBeNull();
    // the command, run as written, brings the file back byte for byte
    const r = spawnSync('/bin/sh', ['-c', restore![0]], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(original);
  });

  it('deleted, and its upgrade() did nothing: no such warning', async () => {
    const { root } = await repo(
      [
        { id: 'aaa111', down: null },
        { id: 'ggg777', down: 'aaa111' },
      ],
      ['ggg777'],
    );
    unlinkSync(versions(root, 'ggg777_m.py'));
    git(root, 'commit', '-qam', 'drop it');
    expect(
      investigateMissing(diskFiles(), ['ggg777'], root, [path.join(root, 'migrations', 'versions')]).get(
        'ggg777',
      ),
    ).toMatchObject({ kind: 'deleted', operations: false });
    expect(cli(root, ['backfill', '--rewire']).stdout).not.toContain('WARNING');
  });

  it('renamed: refuses a placeholder and points at restamp, which fixes the row in one UPDATE', async () => {
    const { root, s } = await repo(
      [
        { id: 'aaa111', down: null },
        { id: 'old111', down: 'aaa111' },
      ],
      ['old111'],
    );
    const before = versions(root, 'old111_m.py');
    const after = versions(root, 'new222_m.py');
    renameSync(before, after);
    writeFileSync(after, readFileSync(after, 'utf8').replaceAll('old111', 'new222'));
    git(root, 'add', '-A');
    git(root, 'commit', '-qm', 'rename the revision');

    const v = cli(root, ['verify']);
    expect(v.status).toBe(1);
    expect(unwrapped(v.stdout)).toContain(
      'git: migrations/versions/old111_m.py defined it and was renamed to migrations/versions/new222_m.py with the new id new222',
    );
    expect(v.stdout).toContain('alembic-preflight restamp --from old111 --to new222 --yes');

    const b = cli(root, ['backfill', '--rewire', '--write']);
    expect(b.status).toBe(1);
    expect(b.stdout).toContain('fix: alembic-preflight restamp --from old111 --to new222 --yes');
    expect(existsSync(versions(root, 'old111_placeholder.py'))).toBe(false);

    const dry = cli(root, ['restamp', '--from', 'old111', '--to', 'new222']);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain(
      `UPDATE "alembic_version" SET version_num = 'new222' WHERE version_num = 'old111';`,
    );
    expect(dry.stdout).toContain('then `alembic upgrade head` runs nothing');
    expect(await readRowsAfter(s, 'sqlite', root, 'sqlite:///app.db')).toEqual(['old111']);

    const wet = cli(root, ['restamp', '--from', 'old111', '--to', 'new222', '--yes']);
    expect(wet.status, wet.stdout + wet.stderr).toBe(0);
    expect(await readRowsAfter(s, 'sqlite', root, 'sqlite:///app.db')).toEqual(['new222']);
    expect(cli(root, ['verify']).status).toBe(0);
    const run = runAlembicUpgrade(root, 'sqlite:///app.db', 'head');
    expect(run.rc, run.stderr).toBe(0);
    expect(run.applied).toEqual([]);
  });

  it('only on another branch: names the branch and refuses (a placeholder would collide when it merges)', async () => {
    const { root } = await repo(
      [
        { id: 'aaa111', down: null },
        { id: 'bbb222', down: 'aaa111' },
      ],
      ['ccc333'],
    );
    git(root, 'checkout', '-qb', 'feature/lockout');
    writeFileSync(
      versions(root, 'ccc333_m.py'),
      readFileSync(versions(root, 'bbb222_m.py'), 'utf8')
        .replaceAll('bbb222', 'ccc333')
        .replace("down_revision = 'aaa111'", "down_revision = 'bbb222'"),
    );
    git(root, 'add', '-A');
    git(root, 'commit', '-qm', 'lockout');
    git(root, 'checkout', '-q', 'main');

    const v = cli(root, ['verify']);
    expect(v.status).toBe(1);
    expect(unwrapped(v.stdout)).toContain(
      'defines it only outside the checked-out history, on feature/lockout',
    );
    const b = cli(root, ['backfill', '--rewire', '--write']);
    expect(b.status).toBe(1);
    expect(b.stdout).toContain('it exists on feature/lockout');
    expect(existsSync(versions(root, 'ccc333_placeholder.py'))).toBe(false);
    // an explicit --after overrides the refusal
    const forced = cli(root, ['backfill', '--after', 'bbb222']);
    expect(forced.status, forced.stdout).toBe(0);
  });

  it('never in any commit: says it was stamped by hand and lists candidate parents', async () => {
    const { root } = await repo(
      [
        { id: 'aaa111', down: null },
        { id: 'bbb222', down: 'aaa111' },
      ],
      ['guest_lockout_001'],
    );
    const v = cli(root, ['verify']);
    expect(unwrapped(v.stdout)).toContain(
      'git: No commit on any branch ever had a file with this id in migrations/versions: it was stamped by hand',
    );
    const b = cli(root, ['backfill']);
    expect(b.status).toBe(1);
    expect(b.stdout).toContain('--after aaa111 --rewire: runs bbb222 (rewires bbb222)');
  });

  it('without git (a Heroku slug): says so and carries on', async () => {
    const s: Scenario = { name: 'slug', revs: [{ id: 'aaa111', down: null }], rows: ['guest_lockout_001'] };
    const root = writeScenarioProject(s);
    roots.push(root);
    await prepareDatabase(s, 'sqlite', root);
    const v = cli(root, ['verify']);
    expect(v.status).toBe(1);
    expect(unwrapped(v.stdout)).toContain(
      'git: Git history not searched: the project is not in a git work tree',
    );
    const b = cli(root, ['backfill', '--after', 'aaa111']);
    expect(b.status, b.stdout).toBe(0);
  });
});
