import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { exampleAlembic, exampleIncident } from '../helpers/example-db.js';
import { projectWith } from '../helpers/probe-app.js';

/**
 * One verdict, whatever the format: the exit code, the text report's last line, JSON `ok` and
 * `prediction.willSucceed`, --format github's last line, --format markdown's heading and SARIF's run
 * properties all say the same of one database. `willSucceed: false` always comes with `ok: false`;
 * `ok` may be false while Alembic would succeed (--strict over a warning).
 */
const MAKES_NOTE =
  'op.create_table("note", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("tag", sa.String(20)))';

interface Scenario {
  readonly name: string;
  readonly root: () => string;
  readonly flags?: readonly string[];
  readonly ok: boolean;
  readonly willSucceed: boolean;
}

/** a1 applied; a2 pending, with `step` as its body; `drop` run on the database after a1 */
function pendingOn(step: string, drop?: string): () => string {
  return () => {
    const root = projectWith([
      ['a1000000', MAKES_NOTE],
      ['b2000000', step],
    ]);
    expect(exampleAlembic(root, 'sqlite:///app.db', 'upgrade', 'a1000000').status).toBe(0);
    if (drop) {
      const db = new Database(path.join(root, 'app.db'));
      db.exec(drop);
      db.close();
    }
    return root;
  };
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'one migration behind',
    root: pendingOn('op.add_column("note", sa.Column("x", sa.Integer()))'),
    ok: true,
    willSucceed: true,
  },
  { name: 'stamped with an id no file defines', root: exampleIncident, ok: false, willSucceed: false },
  {
    name: 'a pending step on a table the database lacks',
    root: pendingOn('op.add_column("note", sa.Column("x", sa.Integer()))', 'DROP TABLE note'),
    ok: false,
    willSucceed: false,
  },
  {
    name: 'a step SQLite cannot run outside batch mode',
    root: pendingOn('op.alter_column("note", "tag", type_=sa.String(40))'),
    ok: false,
    willSucceed: false,
  },
  {
    name: 'a step under if on a missing table (a warning), without --strict',
    root: pendingOn('if True:\n    op.add_column("note", sa.Column("x", sa.Integer()))', 'DROP TABLE note'),
    ok: true,
    willSucceed: true,
  },
  {
    name: 'the same with --strict',
    root: pendingOn('if True:\n    op.add_column("note", sa.Column("x", sa.Integer()))', 'DROP TABLE note'),
    flags: ['--strict'],
    ok: false,
    willSucceed: true,
  },
];

describe('one verdict in every output of verify (SQLite)', () => {
  it.each(SCENARIOS)(
    '$name',
    ({ root: make, flags = [], ok, willSucceed }) => {
      const root = make();
      const env = { DATABASE_URL: 'sqlite:///app.db' };
      const run = (format: string) => runCli(root, ['verify', '--no-git', '--format', format, ...flags], env);
      const text = run('text');
      const json = run('json');
      const github = run('github');
      const markdown = run('markdown');
      const sarif = run('sarif');
      const code = ok ? 0 : 1;
      for (const r of [text, json, github, markdown, sarif]) expect(r.status, r.stderr).toBe(code);
      const doc = JSON.parse(json.stdout) as { ok: boolean; prediction: { willSucceed: boolean } };
      expect({ ok: doc.ok, willSucceed: doc.prediction.willSucceed }).toEqual({ ok, willSucceed });
      const last = text.stdout.trimEnd().split('\n').at(-1)!;
      expect(last).toMatch(ok ? /^OK/u : /^BLOCKED/u);
      expect(github.stdout.trimEnd().split('\n').at(-1)).toBe(last);
      expect(markdown.stdout.split('\n')[0]).toMatch(
        new RegExp(`^## alembic-preflight verify: ${ok ? '✅' : '❌'} `, 'u'),
      );
      const log = JSON.parse(sarif.stdout) as {
        runs: { properties: { ok: boolean; willSucceed: boolean } }[];
      };
      expect(log.runs[0]!.properties).toEqual({ ok, willSucceed });
    },
    60_000,
  );
});
