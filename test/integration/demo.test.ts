import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { REVISIONS, migrateAndStamp } from '../../scripts/demo-schema.mjs';
import { BIN, runCli } from '../helpers/cli.js';
import { exampleAlembic, exampleCopy, exampleIncident } from '../helpers/example-db.js';
import { REPO } from '../helpers/oracle.js';

/** What a SQLite file holds, as SQLite keeps it: every object's definition, and the version table's rows. */
function contents(file: string): { objects: unknown[]; rows: unknown[] } {
  const db = new Database(file, { readonly: true });
  try {
    return {
      objects: db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all(),
      rows: db.prepare('SELECT version_num FROM alembic_version ORDER BY version_num').all(),
    };
  } finally {
    db.close();
  }
}

describe('the demo', () => {
  it.each(REVISIONS.map((r) => r.revision))(
    "builds at %s exactly the schema real Alembic's upgrade leaves",
    (revision) => {
      const root = exampleCopy();
      const real = exampleAlembic(root, 'sqlite:///real.db', 'upgrade', revision);
      expect(real.status, real.error).toBe(0);
      const ours = new Database(path.join(root, 'ours.db'));
      migrateAndStamp(ours, revision, [revision]);
      ours.close();
      expect(contents(path.join(root, 'ours.db'))).toEqual(contents(path.join(root, 'real.db')));
    },
  );

  it('tells its story with no warning it does not explain, and exits 0', () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'demo.mjs')], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const out = `${r.stdout}\n${r.stderr}`;
    // the databases hold what their stamps claim: no probe disagrees, and nothing else warns
    expect(out).not.toMatch(/^warning \[/mu);
    expect(out).not.toContain('schema-behind-stamp');
    expect(out).toContain('Demo finished');
  });
});

describe("the incident's blocked verify, off a terminal", () => {
  const root = exampleIncident();
  const r = runCli(root, ['verify'], { DATABASE_URL: 'sqlite:///app.db' });
  const lines = r.stdout.split('\n');

  it('leads the finding with one short line, then Alembic’s line and the filled-in fix', () => {
    expect(r.status).toBe(1);
    const at = lines.findIndex((l) => l.startsWith('error [stamped-revision-missing]'));
    expect(at).toBeGreaterThan(0);
    expect(lines[at]!.length).toBeLessThan(100);
    const finding = lines.slice(at, lines.indexOf('', at));
    expect(finding).toContain(
      "  Alembic prints: FAILED: Can't locate revision identified by 'guest_lockout_001'",
    );
    // the schema names where the database stands, so the fix names the parent
    expect(finding).toContain('  fix: alembic-preflight backfill --after 1f2a3b4c5d6e --rewire --write');
    expect(
      finding.some((l) =>
        l.startsWith('  schema: The database has exactly what the migrations up to 1f2a3b4c5d6e leave'),
      ),
    ).toBe(true);
  });

  it('keeps every line within 100 characters and ends with the verdict', () => {
    expect(lines.filter((l) => [...l].length > 100)).toEqual([]);
    expect(lines.filter(Boolean).at(-1)).toMatch(
      /^BLOCKED: `alembic upgrade head` will fail: Can't locate revision identified by 'guest_lockout_001'$/u,
    );
  });

  it("wraps at the terminal's width on a terminal (here 72 columns), commands kept whole", () => {
    const shell = `stty cols 72; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} verify`;
    const tty = spawnSync('script', ['-qec', shell, '/dev/null'], {
      cwd: root,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATABASE_URL: 'sqlite:///app.db',
        TERM: 'dumb',
      },
    });
    const shown = tty.stdout.replace(/\r/gu, '').split('\n');
    expect(
      shown.some((l) => l.startsWith('error [stamped-revision-missing]')),
      tty.stdout,
    ).toBe(true);
    // only the verdict is never wrapped; a longer line is one word alone (a command)
    const over = shown.filter((l) => [...l].length > 72 && !l.startsWith('BLOCKED:'));
    expect(
      over.every((l) => /^\s*\S+:? ?\S*$/u.test(l) || /^ {2}fix: /u.test(l)),
      over.join('\n'),
    ).toBe(true);
    expect(shown).toContain('  fix: alembic-preflight backfill --after 1f2a3b4c5d6e --rewire --write');
    expect(
      Math.max(
        ...shown
          .filter((l) => !l.startsWith('BLOCKED:') && !l.startsWith('  fix:'))
          .map((l) => [...l].length),
      ),
    ).toBeLessThanOrEqual(72);
  });

  it('backfill places the id where the schema stands, its dry run says what the write does, and the fix verify names works', () => {
    const plain = runCli(root, ['backfill'], { DATABASE_URL: 'sqlite:///app.db' });
    expect(plain.stdout).toContain('guest_lockout_001: placeholder after 1f2a3b4c5d6e');
    expect(plain.stdout).toContain(
      'placed by: the schema: the database has exactly what the migrations up to 1f2a3b4c5d6e leave',
    );
    // after a revision that is not a head, the children must follow the placeholder: the proof says how
    expect(plain.stdout).toContain('pass --rewire so the children follow the placeholder');
    expect(plain.status).toBe(1);
    const dry = runCli(root, ['backfill', '--rewire'], { DATABASE_URL: 'sqlite:///app.db' });
    expect(dry.status, dry.stdout).toBe(0);
    expect(dry.stdout.trimEnd().split('\n').at(-1)).toBe(
      'OK: the proof holds for 1 placeholder (apply with --write); dry run: nothing written',
    );
    const fixed = runCli(root, ['backfill', '--after', '1f2a3b4c5d6e', '--rewire', '--write'], {
      DATABASE_URL: 'sqlite:///app.db',
    });
    expect(fixed.status, fixed.stdout + fixed.stderr).toBe(0);
    // real Alembic then upgrades the incident's database
    const real = exampleAlembic(root, 'sqlite:///app.db', 'upgrade', 'head');
    expect(real.status, real.error).toBe(0);
    expect(contents(path.join(root, 'app.db')).rows).toEqual([{ version_num: '2a3b4c5d6e7f' }]);
  });
});

describe('the release log and the other options a newcomer reaches for', () => {
  it('cosmetic findings stay out of the release log unless --cosmetic asks for them; the verdict is last', () => {
    const root = exampleCopy();
    const file = path.join(root, 'migrations/versions/2a3b4c5d6e7f_add_guest_sessions.py');
    writeFileSync(file, readFileSync(file, 'utf8').replace('Revises: 1f2a3b4c5d6e', 'Revises: 0f0f0f0f0f0f'));
    const db = new Database(path.join(root, 'app.db'));
    migrateAndStamp(db, '1f2a3b4c5d6e', ['1f2a3b4c5d6e']);
    db.close();
    const verify = runCli(root, ['verify'], { DATABASE_URL: 'sqlite:///app.db' });
    expect(verify.stdout).toContain('warning [docstring-mismatch]');
    const quiet = runCli(root, ['release', '--always-run', '--', 'true'], {
      DATABASE_URL: 'sqlite:///app.db',
    });
    expect(quiet.stdout).not.toContain('docstring-mismatch');
    expect(quiet.stdout).toContain(
      '(1 cosmetic finding not shown: a docstring or a file name; --cosmetic prints it)',
    );
    const asked = runCli(root, ['release', '--cosmetic', '--always-run', '--', 'true'], {
      DATABASE_URL: 'sqlite:///app.db',
    });
    expect(asked.stdout).toContain('warning [docstring-mismatch]');
    // `true` migrates nothing: what the rows show is reported, and it is the log's last line
    for (const r of [quiet, asked]) {
      expect(r.status).toBe(5);
      expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^alembic-preflight release: MISMATCH: /u);
    }
  });

  it('backfill takes --no-schema-probes, reads no catalog, and ranks nothing by it', () => {
    const root = exampleIncident();
    const r = runCli(root, ['backfill', '--no-schema-probes'], { DATABASE_URL: 'sqlite:///app.db' });
    expect(r.stderr).not.toContain('Unknown argument');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('--after 1f2a3b4c5d6e --rewire');
    expect(r.stdout).not.toContain('objects they name are as they leave them');
    expect(r.stdout).toContain('--after <REV>');
  });
});
