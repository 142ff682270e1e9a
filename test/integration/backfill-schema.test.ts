import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { backfillCommand } from '../../src/commands/backfill/backfill-command.js';
import { exampleAlembic, exampleCopy } from '../helpers/example-db.js';

/** The example migrated by real Alembic to `to`, then hand-stamped guest_lockout_001 (the incident). */
function incidentAt(to: string): string {
  const root = exampleCopy();
  expect(exampleAlembic(root, 'sqlite:///app.db', 'upgrade', to).status).toBe(0);
  const db = new Database(path.join(root, 'app.db'));
  db.exec("UPDATE alembic_version SET version_num = 'guest_lockout_001'");
  db.close();
  return root;
}

const run = (root: string, extra: { after?: string[] } = {}) =>
  backfillCommand({
    cwd: root,
    format: 'text',
    env: { DATABASE_URL: 'sqlite:///app.db' },
    git: false,
    rewire: true,
    ...extra,
  });

describe('backfill with the schema probes', () => {
  it('ranks the candidate parents by how well the catalog matches the schema each leaves', async () => {
    const out = await run(incidentAt('head'));
    const [refusal] = out.outcome.plan.refused;
    expect(refusal!.candidates.map((c) => [c.after, c.schema?.agree, c.schema?.of])).toEqual([
      ['2a3b4c5d6e7f', 7, 7],
      ['1f2a3b4c5d6e', 3, 7],
    ]);
    expect(out.stdout).toContain(
      '--after 2a3b4c5d6e7f --rewire: runs nothing; schema: all 7 objects they name are as they leave them (7 there, 0 absent)',
    );
    expect(out.stdout).toContain(
      '--after 1f2a3b4c5d6e --rewire: runs 2a3b4c5d6e7f (rewires 2a3b4c5d6e7f); schema: 3 of the 7 objects they name are as they leave them (3 there, 4 absent)',
    );
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
