import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';
import { migration, makeProject, rev } from '../helpers/project.js';
import { tempDir } from '../helpers/temp-dir.js';
import { createHash } from 'node:crypto';
import { diskResultCache } from '../../src/project/result-cache.js';
import { REPO } from '../helpers/oracle.js';

const SECRET = Buffer.alloc(32, 1);

const V = 'migrations/versions/';

/** A project whose readings hold every kind of value the cache must give back as it was read. */
function variedProject(): string {
  return makeProject({
    [V + 'a1_base.py']: rev('a1', null),
    // an int too big for a double, a tuple, an unknown value, a docstring with its own id
    [V + 'b2_big.py']:
      `"""big\n\nRevision ID: b2\nRevises: a1\n"""\nrevision = 'b2'\ndown_revision = ('a1',)\nbranch_labels = 123456789012345678901234567890\ndepends_on = None\n\ndef upgrade():\n    pass\n`,
    [V + 'c3_unknown.py']: rev('c3', 'b2').replace('depends_on = None', 'depends_on = compute()'),
    // a syntax error, a merge conflict marker, an import nothing declares, a module-level op call
    [V + 'd4_broken.py']: rev('d4', 'c3').replace('def upgrade():\n    pass', 'def upgrade(:\n    pass'),
    [V + 'e5_conflict.py']: rev('e5', 'c3').replace(
      'branch_labels = None',
      '<<<<<<< HEAD\nbranch_labels = None\n=======\nbranch_labels = None\n>>>>>>> other',
    ),
    [V + 'f6_imports.py']: rev('f6', 'c3', 'import not_a_declared_package\nop.get_bind()\n'),
    [V + 'g7_lints.py']: migration(
      'g7',
      'f6',
      "op.add_column('users', sa.Column('email', sa.String(), nullable=False))",
      "op.drop_column('users', 'email')",
    ),
    [V + 'h8_newer.py']: rev('h8', 'g7', 'type Alias = int\n'),
  });
}

const check = (cwd: string, cache: string, ...args: string[]): CliRun =>
  runCli(cwd, ['check', '--log-level', 'debug', ...args], { ALEMBIC_PREFLIGHT_CACHE: cache });
/** What the debug line says: how many of the revision files the fast path leaves came from the cache, and whether it was written. */
const CACHE_LINE =
  /result cache: (\d+) of (\d+) revision files off the fast path read from the cache(?:; the lints' findings for (\d+) of (\d+) files)?(; cache written)?/;
const cacheLine = (r: CliRun): { hits: number; total: number; written: boolean } => {
  const m = CACHE_LINE.exec(r.stderr);
  if (!m) throw new Error(`no result-cache line in: ${r.stderr}`);
  return { hits: Number(m[1]), total: Number(m[2]), written: m[5] !== undefined };
};
/** The same line's count of files whose lint findings came from the cache, of those the lints looked at. */
const lintLine = (r: CliRun): { hits: number; total: number; written: boolean } => {
  const m = CACHE_LINE.exec(r.stderr);
  if (!m || m[3] === undefined) throw new Error(`no lint count in: ${r.stderr}`);
  return { hits: Number(m[3]), total: Number(m[4]), written: m[5] !== undefined };
};
const cacheFiles = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('results-')) : [];

describe('the per-file result cache', () => {
  it('prints byte-identical output from a cold, a filled and a disabled cache, text and JSON, lints on and off', () => {
    const root = variedProject();
    for (const args of [
      ['--format', 'json'],
      ['--format', 'json', '--no-lint'],
      [],
      ['--python-version', '3.11', '--format', 'json'],
    ]) {
      const dir = tempDir('results-');
      const off = check(root, 'off', ...args);
      const first = check(root, dir, ...args);
      const second = check(root, dir, ...args);
      expect(off.stderr).not.toMatch(/result cache/);
      // a1 and g7 are plain (the fast path reads them); the six edge files are not
      expect(cacheLine(first)).toEqual({ hits: 0, total: 6, written: true });
      // the edge files' readings were stored and given back, none read again, nothing rewritten
      expect(cacheLine(second)).toEqual({ hits: 6, total: 6, written: false });
      expect(first.stdout, args.join(' ')).toBe(off.stdout);
      expect(second.stdout, args.join(' ')).toBe(off.stdout);
      expect([first.status, second.status]).toEqual([off.status, off.status]);
    }
    // the findings the edge files give are really in that output
    const json = JSON.parse(check(root, 'off', '--format', 'json').stdout) as {
      findings: { code: string }[];
    };
    expect(json.findings.map((f) => f.code)).toEqual(
      expect.arrayContaining([
        'unparseable-file',
        'not-statically-known',
        'unresolved-import',
        'module-level-op-call',
        'needs-newer-python',
      ]),
    );
  });

  it('verify prints the same from a filled cache as with none', () => {
    const root = variedProject();
    const db = new Database(path.join(root, 'app.db'));
    db.exec(
      "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY); INSERT INTO alembic_version VALUES ('a1')",
    );
    db.close();
    const dir = tempDir('results-');
    const verify = (cache: string): CliRun =>
      runCli(root, ['verify', '--format', 'json', '--log-level', 'debug'], {
        ALEMBIC_PREFLIGHT_CACHE: cache,
        DATABASE_URL: 'sqlite:///app.db',
      });
    const off = verify('off');
    expect(JSON.parse(off.stdout)).toMatchObject({ command: 'verify' });
    const first = verify(dir);
    const second = verify(dir);
    expect(cacheLine(second)).toEqual({ hits: 6, total: 6, written: false });
    expect([first.stdout, second.stdout]).toEqual([off.stdout, off.stdout]);
  });

  it('reads an edited file again and keeps only the readings of files that exist', () => {
    const root = variedProject();
    const dir = tempDir('results-');
    check(root, dir, '--no-lint');
    // now plain: the fast path reads it, and its old reading leaves the cache
    writeFileSync(path.join(root, V, 'd4_broken.py'), rev('d4', 'c3'));
    const edited = check(root, dir, '--no-lint', '--format', 'json');
    expect(cacheLine(edited)).toEqual({ hits: 5, total: 5, written: true });
    expect(edited.stdout).toBe(check(root, 'off', '--no-lint', '--format', 'json').stdout);
    const unparseable = (
      JSON.parse(edited.stdout) as { findings: { code: string; path?: string }[] }
    ).findings
      .filter((f) => f.code === 'unparseable-file')
      .map((f) => f.path);
    expect(unparseable).toEqual([V + 'e5_conflict.py']);
    expect(cacheLine(check(root, dir, '--no-lint'))).toEqual({ hits: 5, total: 5, written: false });
    // an edge file edited: read again, and its new reading kept
    writeFileSync(
      path.join(root, V, 'c3_unknown.py'),
      rev('c3', 'b2').replace('depends_on = None', 'depends_on = compute_other()'),
    );
    expect(cacheLine(check(root, dir, '--no-lint'))).toEqual({ hits: 4, total: 5, written: true });
    expect(cacheLine(check(root, dir, '--no-lint'))).toEqual({ hits: 5, total: 5, written: false });
  });

  it('ignores a corrupt, foreign or shared cache file and never fails the run for it', () => {
    const root = variedProject();
    const dir = tempDir('results-');
    const expected = check(root, 'off', '--format', 'json').stdout;
    check(root, dir);
    const [name] = cacheFiles(dir);
    const file = path.join(dir, name!);
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 5) ^ 0xff, bytes.length - 5);
    writeFileSync(file, bytes);
    const corrupt = check(root, dir, '--format', 'json');
    expect(cacheLine(corrupt)).toMatchObject({ hits: 0, written: true });
    expect(corrupt.stdout).toBe(expected);
    // truncated to its header
    writeFileSync(file, bytes.subarray(0, 20));
    expect(cacheLine(check(root, dir))).toMatchObject({ hits: 0, written: true });
    // a folder others may write: neither read nor written
    chmodSync(dir, 0o777);
    const shared = check(root, dir, '--format', 'json');
    expect(cacheLine(shared)).toEqual({ hits: 0, total: 6, written: false });
    expect(shared.stdout).toBe(expected);
    // a path that cannot be a folder: the run is the same, with no cache
    const blocked = check(root, path.join(file, 'below'), '--format', 'json');
    expect(cacheLine(blocked)).toEqual({ hits: 0, total: 6, written: false });
    expect(blocked.stdout).toBe(expected);
  });

  it('keeps results of one build away from another', () => {
    const dir = tempDir('results-');
    const scripts = path.join(dir, 'project', 'migrations');
    const a = diskResultCache(dir, scripts, 'build-a', SECRET);
    const one = a.digest(Buffer.from('x = 1\n'));
    expect(one).toBe(createHash('sha256').update('x = 1\n').digest('base64url'));
    expect(a.get(one)).toBeUndefined();
    a.set(one, { fields: { revision: { value: { t: 'int', v: 2n ** 70n }, line: 1 } } });
    a.set(one, { f: {} }, 'lint');
    expect(a.save()).toBeDefined();
    const again = diskResultCache(dir, scripts, 'build-a', SECRET);
    expect(again.get(one)).toEqual({ fields: { revision: { value: { t: 'int', v: 2n ** 70n }, line: 1 } } });
    expect(again.get(again.digest(Buffer.from('x = 2\n')))).toBeUndefined();
    expect(again.stats()).toEqual({ hits: 1, misses: 1 });
    // a run that never asks for a kind keeps its entries: here nothing changed, so nothing is written
    expect(again.save()).toBeUndefined();
    const third = diskResultCache(dir, scripts, 'build-a', SECRET);
    expect(third.get(one, 'lint')).toEqual({ f: {} });
    expect(third.stats('lint')).toEqual({ hits: 1, misses: 0 });
    expect(diskResultCache(dir, scripts, 'build-b', SECRET).get(one)).toBeUndefined();
    // another install's secret: the same file reads as empty
    expect(diskResultCache(dir, scripts, 'build-a', Buffer.alloc(32, 2)).get(one)).toBeUndefined();
  });

  it("trusts only what this install wrote: a cache committed with a broken file's entry is not read", () => {
    // a lambda takes the file off the fast path, so its reading comes from the cache
    const good = rev('c3', 'b2').replace('def upgrade():\n    pass', 'def upgrade():\n    f = lambda: 1');
    const root = makeProject({
      [V + 'a1_x.py']: rev('a1', null),
      [V + 'b2_x.py']: rev('b2', 'a1'),
      [V + 'c3_merge.py']: good,
    });
    const first = check(root, '.preflight-cache', '--no-lint');
    expect(first.status, first.stdout).toBe(0);
    expect(cacheLine(first)).toEqual({ hits: 0, total: 1, written: true });
    const [name] = cacheFiles(path.join(root, '.preflight-cache'));
    const file = path.join(root, '.preflight-cache', name!);
    // the file as the attacker commits it: the broken bytes' digest mapped to the good file's reading
    const broken = good.replace('def upgrade():', 'def upgrade(:');
    writeFileSync(path.join(root, V, 'c3_merge.py'), broken);
    const buildKey = readFileSync(path.join(REPO, 'dist/cli.bundle.cjs.key'), 'latin1').trim().split(' ')[0]!;
    const installSecret = readFileSync(path.join(REPO, 'dist/.alembic-preflight-cache-secret'));
    const real = diskResultCache(path.dirname(file), path.join(root, 'migrations'), buildKey, installSecret);
    const reading = real.get(real.digest(Buffer.from(good)));
    expect(reading).toBeDefined();
    const craft = (secret: Buffer): void => {
      const forged = diskResultCache(path.dirname(file), path.join(root, 'migrations'), buildKey, secret);
      forged.set(forged.digest(Buffer.from(broken)), reading);
      expect(forged.save()).toBe(file);
    };
    // the static readers alone (no interpreter, which would compile the file and catch it either way)
    const staticCheck = (): CliRun =>
      runCli(root, ['check', '--no-lint', '--format', 'json'], {
        ALEMBIC_PREFLIGHT_CACHE: '.preflight-cache',
        ALEMBIC_PREFLIGHT_PYTHON: 'off',
      });
    craft(Buffer.alloc(32, 7));
    const honest = staticCheck();
    expect(honest.status).toBe(1);
    expect(
      (JSON.parse(honest.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code),
    ).toContain('unparseable-file');
    // the same forgery sealed with this install's own secret would be believed: the seal is what stops it
    craft(installSecret);
    expect(staticCheck().status).toBe(0);
    // and where an interpreter is at hand, it compiles the file and refuses it even then
    expect(check(root, '.preflight-cache', '--no-lint').status).toBe(1);
  });

  it('lives in --cache-dir, $ALEMBIC_PREFLIGHT_CACHE or $XDG_CACHE_HOME, and nowhere when off', () => {
    const root = variedProject();
    const xdg = tempDir('xdg-');
    const env = { XDG_CACHE_HOME: xdg, ALEMBIC_PREFLIGHT_CACHE: '' };
    runCli(root, ['check', '--no-lint'], env);
    expect(cacheFiles(path.join(xdg, 'alembic-preflight'))).toHaveLength(1);
    // the flag wins over the variable; a relative folder is the working folder's
    runCli(root, ['check', '--no-lint', '--cache-dir', '.preflight-cache'], {
      ...env,
      ALEMBIC_PREFLIGHT_CACHE: 'off',
    });
    expect(cacheFiles(path.join(root, '.preflight-cache'))).toHaveLength(1);
    const off = tempDir('xdg-');
    runCli(root, ['check', '--no-lint'], { XDG_CACHE_HOME: off, ALEMBIC_PREFLIGHT_CACHE: 'off' });
    runCli(root, ['check', '--no-lint', '--cache-dir', 'off'], {
      XDG_CACHE_HOME: off,
      ALEMBIC_PREFLIGHT_CACHE: '',
    });
    expect(cacheFiles(path.join(off, 'alembic-preflight'))).toEqual([]);
    expect(runCli(root, ['check', '--cache-dir', ''], env)).toMatchObject({ status: 2 });
  });

  it('a cache folder that moves with the project is found again by the install that wrote it', () => {
    // Heroku builds in one folder and runs the release phase in another, from the same slug
    const build = variedProject();
    check(build, '.preflight-cache', '--no-lint');
    const slug = path.join(tempDir('slug-'), 'app');
    cpSync(build, slug, { recursive: true });
    const release = check(slug, '.preflight-cache', '--no-lint', '--format', 'json');
    expect(cacheLine(release)).toEqual({ hits: 6, total: 6, written: false });
    expect(release.stdout).toBe(check(slug, 'off', '--no-lint', '--format', 'json').stdout);
  });
});

/** A project where each kind of lint the cache keeps has something to report. */
function lintedProject(): string {
  return makeProject({
    [V + 'a1_users.py']: migration(
      'a1',
      null,
      "op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True))",
      "op.drop_table('users')",
    ),
    // the table model's facts: a foreign key whose type differs from the key it references
    [V + 'b2_orders.py']: migration(
      'b2',
      'a1',
      "op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('user_id', sa.String(36), sa.ForeignKey('users.id')))",
      "op.drop_table('orders')",
    ),
    // one file at a time: DDL in try/except, an enum value (whose findings depend on postgres-version), bind parameters
    [V + 'c3_try.py']: migration(
      'c3',
      'b2',
      "try:\n    op.create_index('ix_orders_user', 'orders', ['user_id'])\nexcept Exception:\n    pass",
      "op.drop_index('ix_orders_user')",
    ),
    [V + 'd4_enum.py']: migration('d4', 'c3', `op.execute("ALTER TYPE status ADD VALUE 'archived'")`, 'pass'),
    [V + 'e5_rename.py']: migration(
      'e5',
      'd4',
      "op.rename_table('orders', 'purchases')",
      "op.rename_table('purchases', 'orders')",
    ),
    [V + 'f6_params.py']: migration(
      'f6',
      'e5',
      "op.execute('UPDATE users SET id = :x', {'x': 1})",
      "op.execute('UPDATE users SET id = 1')",
    ),
    // the renames' facts: application SQL that still names the old table
    'app/queries.py': 'SQL = "SELECT * FROM orders WHERE id = 1"\n',
  });
}

describe("the lints' findings in the result cache", () => {
  const codes = (r: CliRun): string[] =>
    (JSON.parse(r.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code);

  it('gives every file back without parsing it, and prints what a run without the cache prints', () => {
    const root = lintedProject();
    const dir = tempDir('results-');
    const off = check(root, 'off', '--format', 'json');
    expect(codes(off)).toEqual(
      expect.arrayContaining([
        'foreign-key-type-mismatch',
        'ddl-in-try-except',
        'enum-add-value-unguarded',
        'execute-with-params-argument',
        'renamed-table-still-referenced',
      ]),
    );
    const first = check(root, dir, '--format', 'json');
    expect(lintLine(first)).toMatchObject({ hits: 0, written: true });
    const second = check(root, dir, '--format', 'json');
    const { total } = lintLine(first);
    expect(total).toBeGreaterThanOrEqual(5);
    expect(lintLine(second)).toEqual({ hits: total, total, written: false });
    expect([first.stdout, second.stdout]).toEqual([off.stdout, off.stdout]);
    // text output too
    expect(check(root, dir).stdout).toBe(check(root, 'off').stdout);
  });

  it('finds again what an edit, a rename or a setting changes, and reuses the rest', () => {
    const root = lintedProject();
    const dir = tempDir('results-');
    const total = lintLine(check(root, dir)).total;
    const same = (): void => {
      const cached = check(root, dir, '--format', 'json');
      expect(cached.stdout).toBe(check(root, 'off', '--format', 'json').stdout);
      expect(lintLine(check(root, dir))).toEqual({ hits: total, total, written: false });
    };
    // an edited file: the new bytes miss, the others hit
    writeFileSync(
      path.join(root, V, 'b2_orders.py'),
      migration(
        'b2',
        'a1',
        "op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('user_id', sa.BigInteger(), sa.ForeignKey('users.id')))",
        "op.drop_table('orders')",
      ),
    );
    expect(lintLine(check(root, dir))).toEqual({ hits: total - 1, total, written: true });
    same();
    // a renamed file: its findings name the new path
    renameSync(path.join(root, V, 'c3_try.py'), path.join(root, V, 'c3_renamed.py'));
    const renamed = check(root, dir, '--format', 'json');
    expect(renamed.stdout).toContain('c3_renamed.py');
    expect(renamed.stdout).toBe(check(root, 'off', '--format', 'json').stdout);
    same();
    // a setting a rule's findings depend on: PostgreSQL 11 refuses ALTER TYPE … ADD VALUE in a transaction
    writeFileSync(path.join(root, 'pyproject.toml'), '[tool.alembic-preflight]\npostgres-version = 11\n');
    const older = check(root, dir, '--format', 'json');
    expect(older.stdout).toContain('PostgreSQL before 12 refuses it');
    expect(older.stdout).toBe(check(root, 'off', '--format', 'json').stdout);
    same();
  });

  it('keeps them through runs that do not lint', () => {
    const root = lintedProject();
    const dir = tempDir('results-');
    const total = lintLine(check(root, dir)).total;
    check(root, dir, '--no-lint');
    runCli(root, ['verify', '--log-level', 'debug'], {
      ALEMBIC_PREFLIGHT_CACHE: dir,
      DATABASE_URL: 'sqlite:///app.db',
    });
    expect(lintLine(check(root, dir))).toEqual({ hits: total, total, written: false });
  });
});
