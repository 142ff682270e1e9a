import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import { backfillCommand } from '../../src/commands/backfill/backfill-command.js';
import { verifyDatabasesCommand } from '../../src/commands/verify/verify-databases-command.js';
import { PreflightError } from '../../src/errors/errors.js';
import { exampleAlembic, exampleCopy } from '../helpers/example-db.js';

/**
 * The example with its revisions moved to migrations/pg_versions and env.py pointing Alembic there at
 * run time (context.script.version_locations), as an app that keeps a folder per dialect does; the
 * ini's folder, migrations/versions, is left empty. Real Alembic migrates it.
 */
function movedAtRunTime(): string {
  const root = exampleCopy();
  const from = path.join(root, 'migrations', 'versions');
  const to = path.join(root, 'migrations', 'pg_versions');
  mkdirSync(to);
  for (const f of readdirSync(from)) if (f.endsWith('.py')) renameSync(path.join(from, f), path.join(to, f));
  const envPy = path.join(root, 'migrations', 'env.py');
  writeFileSync(
    envPy,
    readFileSync(envPy, 'utf8').replace(
      'from alembic import context\n',
      'from alembic import context\n\ncontext.script.version_locations = [os.path.join(os.path.dirname(__file__), "pg_versions")]\n',
    ),
  );
  return root;
}

describe('version_locations set by env.py at run time', () => {
  const url = 'sqlite:///app.db';

  it('blocks as a configuration error, suggests no backfill, and backfill writes nothing; --versions reads them', async () => {
    const root = movedAtRunTime();
    // real Alembic runs env.py, which names the folder: the database ends at head
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    const none = out.result.findings.find((f) => f.code === 'no-revision-files')!;
    expect([none.severity, none.configuration]).toEqual(['error', true]);
    expect(none.hint).toContain('--versions migrations/pg_versions');
    expect(out.exitCode).toBe(2);
    const stamped = out.result.findings.find((f) => f.code === 'stamped-revision-missing')!;
    expect(stamped.fix).toBeUndefined();
    expect(stamped.hint).not.toMatch(/backfill|stamp --purge/u);

    const refused = await backfillCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      git: false,
      rewire: true,
      write: true,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PreflightError);
    expect((refused as PreflightError).exitCode).toBe(2);
    expect(readdirSync(path.join(root, 'migrations', 'versions')).filter((f) => f.endsWith('.py'))).toEqual(
      [],
    );

    // the control: told where the revisions are, verify passes
    const told = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: url },
      versions: ['migrations/pg_versions'],
    });
    expect(told.exitCode).toBe(0);
    expect(existsSync(path.join(root, 'app.db'))).toBe(true);
  }, 60_000);
});

describe('version_locations set by env.py at run time, across a fleet', () => {
  it('verify --databases exits 2, as verify does, while the revisions are unread; told where they are, it passes', async () => {
    const root = movedAtRunTime();
    for (const db of ['one.db', 'two.db'])
      expect(exampleAlembic(root, `sqlite:///${db}`, 'upgrade', 'head').status).toBe(0);
    writeFileSync(path.join(root, 'databases.txt'), 'sqlite:///one.db\nsqlite:///two.db\n');
    const run = (versions?: string[]) =>
      verifyDatabasesCommand({
        cwd: root,
        format: 'text',
        env: {},
        databasesFile: 'databases.txt',
        ...(versions ? { versions } : {}),
      });
    const unread = await run();
    expect(unread.result.ok).toBe(false);
    expect(unread.exitCode).toBe(2);
    expect((await run(['migrations/pg_versions'])).exitCode).toBe(0);
  }, 60_000);
});
