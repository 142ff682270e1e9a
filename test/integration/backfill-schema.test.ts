import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { backfillCommand } from '../../src/commands/backfill/backfill-command.js';
import { exampleAlembic, exampleCopy } from '../helpers/example-db.js';
import { projectWith } from '../helpers/probe-app.js';

/** The example migrated by real Alembic to `to`, then hand-stamped guest_lockout_001 (the incident). */
function incidentAt(to: string): string {
  const root = exampleCopy();
  expect(exampleAlembic(root, 'sqlite:///app.db', 'upgrade', to).status).toBe(0);
  const db = new Database(path.join(root, 'app.db'));
  db.exec("UPDATE alembic_version SET version_num = 'guest_lockout_001'");
  db.close();
  return root;
}

const run = (root: string, extra: { after?: string[]; write?: boolean } = {}) =>
  backfillCommand({
    cwd: root,
    format: 'text',
    env: { DATABASE_URL: 'sqlite:///app.db' },
    git: false,
    rewire: true,
    ...extra,
  });

describe('backfill with the schema probes', () => {
  it('ranks the candidate parents by how well the catalog matches the schema each leaves, and places nothing when none matches exactly', async () => {
    // at head, but a column of guest_sessions dropped by hand: no revision's schema is the database's
    const root = incidentAt('head');
    const db = new Database(path.join(root, 'app.db'));
    db.exec('ALTER TABLE guest_sessions DROP COLUMN failed_attempts');
    db.close();
    const out = await run(root);
    const [refusal] = out.outcome.plan.refused;
    expect(refusal!.candidates.map((c) => [c.after, c.schema?.agree, c.schema?.of])).toEqual([
      ['2a3b4c5d6e7f', 6, 7],
      ['1f2a3b4c5d6e', 4, 7],
    ]);
    expect(out.outcome.plan.placeholders).toEqual([]);
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toContain(
      '--after 2a3b4c5d6e7f --rewire: runs nothing; schema: 6 of the 7 objects they name are as they leave them',
    );
  }, 60_000);

  it('places the placeholder after the one revision whose schema the database has exactly: the dry run exits 0, and the write it names fixes the upgrade', async () => {
    const root = incidentAt('1f2a3b4c5d6e');
    const dry = await run(root);
    expect(dry.outcome.plan.placeholders.map((p) => [p.id, p.downRevisions])).toEqual([
      ['guest_lockout_001', ['1f2a3b4c5d6e']],
    ]);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain(
      'placed by: the schema: the database has exactly what the migrations up to 1f2a3b4c5d6e leave',
    );
    expect(dry.stdout).toMatch(
      /^OK: the proof holds for 1 placeholder \(apply with --write\); dry run: nothing written$/mu,
    );
    // the same command with --write, then real Alembic: the upgrade runs the one migration the database lacks
    expect((await run(root, { write: true })).exitCode).toBe(0);
    expect(exampleAlembic(root, 'sqlite:///app.db', 'upgrade', 'head').status).toBe(0);
    const db = new Database(path.join(root, 'app.db'));
    expect(db.prepare('SELECT version_num FROM alembic_version').all()).toEqual([
      { version_num: '2a3b4c5d6e7f' },
    ]);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'guest_sessions'").get()).toEqual(
      { n: 1 },
    );
    db.close();
  }, 60_000);

  it('places nothing by the schema when two revisions leave the same one (a data-only step between them)', async () => {
    const root = projectWith([
      [
        'a1000000',
        'op.create_table("note", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("tag", sa.String(20)))',
      ],
      ['b2000000', 'op.execute("UPDATE note SET tag = \'x\'")'],
    ]);
    expect(exampleAlembic(root, 'sqlite:///app.db', 'upgrade', 'a1000000').status).toBe(0);
    const db = new Database(path.join(root, 'app.db'));
    db.exec("UPDATE alembic_version SET version_num = 'lost_0001'");
    db.close();
    const out = await run(root);
    expect(out.outcome.plan.placeholders).toEqual([]);
    expect(out.outcome.plan.refused.map((r) => r.id)).toEqual(['lost_0001']);
    expect(out.exitCode).toBe(1);
  }, 60_000);

  it('the proof says the no-op placeholder leaves the schema the migrations expect, when it does', async () => {
    const out = await run(incidentAt('head'), { after: ['2a3b4c5d6e7f'] });
    expect(out.outcome.plan.proof?.ok).toBe(true);
    expect(out.outcome.plan.proof?.schema).toEqual({ checked: 7, unknown: 0, differ: [] });
    expect(out.stdout).toContain(
      'schema: with the no-op placeholder, the catalog agrees with what the migrations up to the stamp leave (7 objects checked, 0 unknown)',
    );
  }, 60_000);

  it('names the objects that differ, and fails the proof where the upgrade would fail on the schema', async () => {
    // the database reached only 1f2a3b4c5d6e: a placeholder after 2a3b4c5d6e7f claims a table that is not there
    const behind = await run(incidentAt('1f2a3b4c5d6e'), { after: ['2a3b4c5d6e7f'] });
    expect(behind.outcome.plan.proof?.schema?.differ).toEqual([
      'the table guest_sessions (created by 2a3b4c5d6e7f, migrations/versions/2a3b4c5d6e7f_add_guest_sessions.py:21) is missing',
    ]);
    // the database has both tables: a placeholder after 1f2a3b4c5d6e makes the upgrade create guest_sessions again
    const ahead = await run(incidentAt('head'), { after: ['1f2a3b4c5d6e'] });
    expect(ahead.outcome.plan.proof?.ok).toBe(false);
    expect(ahead.outcome.plan.proof?.problems).toContain(
      "on this database's schema the upgrade fails: 2a3b4c5d6e7f (migrations/versions/2a3b4c5d6e7f_add_guest_sessions.py:21) creates the table guest_sessions, which is already there: sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) table guest_sessions already exists",
    );
  }, 60_000);
});
