import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, unwrapped } from '../../helpers/cli.js';
import { pgExec } from '../../helpers/pg-cluster.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';
import { alembicStarts, exampleSlug, RELEASE_LINE, type Slug } from '../../helpers/release-slug.js';

// Real releases (the Procfile's line, real Alembic) on one PostgreSQL database: production claims it,
// then a review app's and a staging app's releases of newer code are refused before Alembic starts,
// with the version table unchanged; the owner's own release goes through.

/** A migration the newer code adds on top of the example's head. */
const NOTES = `"""notes

Revision ID: 3b4c5d6e7f80
Revises: 2a3b4c5d6e7f
"""
from alembic import op
import sqlalchemy as sa

revision = "3b4c5d6e7f80"
down_revision = "2a3b4c5d6e7f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table("notes")
`;

/** One more on top of NOTES. */
const MORE = NOTES.replaceAll('3b4c5d6e7f80', '4c5d6e7f8091')
  .replaceAll('2a3b4c5d6e7f', '3b4c5d6e7f80')
  .replaceAll('"notes"', '"more"');

describe("database-owned-elsewhere: a release onto another app's database stops before Alembic", () => {
  const pg = postgresForSuite();
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const slug = (extra: Record<string, string> = {}): Slug => {
    const s = exampleSlug('preflight-owner-', extra);
    dirs.push(s.dir);
    return s;
  };
  /** The release line as Heroku runs it for an app with these variables. */
  const release = (s: Slug, url: string, app: Record<string, string>, line = RELEASE_LINE) => {
    const r = spawnSync('/bin/sh', ['-c', line], {
      cwd: s.dir,
      encoding: 'utf8',
      env: {
        PATH: `${path.join(s.dir, '.bin')}:${process.env.PATH ?? ''}`,
        HOME: process.env.HOME ?? '',
        DYNO: 'release.1',
        DATABASE_URL: url,
        PYTHONDONTWRITEBYTECODE: '1',
        ALEMBIC_PREFLIGHT_CACHE: 'off',
        ...app,
      },
    });
    return { status: r.status, out: unwrapped(r.stdout + r.stderr), starts: alembicStarts(s.marker) };
  };
  const versionRows = async (url: string): Promise<unknown[][]> =>
    pgExec(url, 'SELECT version_num FROM alembic_version');
  /** `verify` as that app: whether it says the database is another app's (release's refusal, read the same way). */
  const verifyOwned = (s: Slug, url: string, app: Record<string, string>): boolean => {
    const r = spawnSync(
      process.execPath,
      [BIN, 'verify', '-c', 'examples/heroku-app/alembic.ini', '--format', 'json', '--no-git'],
      {
        cwd: s.dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: url, ALEMBIC_PREFLIGHT_CACHE: 'off', ...app },
      },
    );
    const doc = JSON.parse(r.stdout) as { findings: { code: string }[] };
    return doc.findings.some((f) => f.code === 'database-owned-elsewhere');
  };

  it("refuses a review app's and a staging app's release, database unchanged; the owner's goes through", async () => {
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS owned', 'CREATE DATABASE owned']);
    const url = pg().urlFor('owned');
    // production's first release claims the database
    const v1 = slug();
    const prod = { HEROKU_APP_NAME: 'shop-prod', HEROKU_RELEASE_VERSION: 'v7' };
    expect(release(v1, url, prod).status).toBe(0);
    expect(await versionRows(url)).toEqual([['2a3b4c5d6e7f']]);

    const v2 = slug({ '3b4c5d6e7f80_add_notes.py': NOTES });
    // a review app with production's DATABASE_URL (no name of its own: dyno metadata is off)
    const review = release(v2, url, { HEROKU_PR_NUMBER: '42', HEROKU_BRANCH: 'feature-notes' });
    expect(review.status, review.out).toBe(1);
    expect(review.starts).toBe(0);
    expect(review.out).toContain(
      "error [database-owned-elsewhere] shop-prod's database: a review app would migrate it",
    );
    expect(review.out).toContain('would apply 1 revision to it (3b4c5d6e7f80)');
    expect(review.out).toContain('"addons": ["heroku-postgresql"] in app.json\'s environments.review');
    expect(await versionRows(url)).toEqual([['2a3b4c5d6e7f']]);

    // a staging app pointed at it
    const staging = release(v2, url, { HEROKU_APP_NAME: 'shop-staging', HEROKU_RELEASE_VERSION: 'v3' });
    expect(staging.status, staging.out).toBe(1);
    expect(staging.starts).toBe(0);
    expect(staging.out).toContain(
      "error [database-owned-elsewhere] shop-prod's database: shop-staging would migrate it",
    );
    // in the project's own words: the release line's -c
    expect(staging.out).toContain(
      'fix: alembic-preflight ledger owner -c examples/heroku-app/alembic.ini --set shop-staging',
    );
    expect(staging.out).toContain('shared-with = ["shop-prod"]');
    expect(await versionRows(url)).toEqual([['2a3b4c5d6e7f']]);

    // verify says the same where something names the app, and nothing of ownership where nothing does
    const verifyAs = (args: string[], app: Record<string, string>) =>
      spawnSync(
        process.execPath,
        [BIN, ...args, '-c', 'examples/heroku-app/alembic.ini', '--format', 'json'],
        {
          cwd: v2.dir,
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', DATABASE_URL: url, ALEMBIC_PREFLIGHT_CACHE: 'off', ...app },
        },
      );
    const codesOf = (out: string): string[] =>
      (JSON.parse(out).findings as { code: string }[]).map((f) => f.code);
    const asStaging = verifyAs(['verify'], { HEROKU_APP_NAME: 'shop-staging' });
    expect(asStaging.status).toBe(1);
    expect(codesOf(asStaging.stdout)).toContain('database-owned-elsewhere');
    const anonymous = verifyAs(['verify'], {});
    expect(anonymous.status).toBe(0);
    expect(codesOf(anonymous.stdout)).not.toContain('database-owned-elsewhere');
    // and a fleet of databases read by staging: this one is apart, with the finding
    writeFileSync(path.join(v2.dir, 'dbs.txt'), 'DATABASE_URL\n');
    const fleet = verifyAs(['verify', '--databases', 'dbs.txt'], { HEROKU_APP_NAME: 'shop-staging' });
    expect(fleet.status).toBe(1);
    expect(fleet.stdout).toContain('"code": "database-owned-elsewhere"');
    expect(await versionRows(url)).toEqual([['2a3b4c5d6e7f']]);

    // the owner's release of the same code
    const owner = release(v2, url, { ...prod, HEROKU_RELEASE_VERSION: 'v8' });
    expect(owner.status, owner.out).toBe(0);
    expect(owner.starts).toBeGreaterThan(0);
    expect(await versionRows(url)).toEqual([['3b4c5d6e7f80']]);
  }, 180_000);

  it('--share-database lets one release through; a release with no name gets a warning and runs', async () => {
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS shared', 'CREATE DATABASE shared']);
    const url = pg().urlFor('shared');
    expect(release(slug(), url, { ALEMBIC_PREFLIGHT_APP: 'shop-prod' }).status).toBe(0);
    const v2 = slug({ '3b4c5d6e7f80_add_notes.py': NOTES });
    const shared = release(
      v2,
      url,
      { ALEMBIC_PREFLIGHT_APP: 'shop-reports' },
      `${RELEASE_LINE} --share-database`,
    );
    expect(shared.status, shared.out).toBe(0);
    expect(await versionRows(url)).toEqual([['3b4c5d6e7f80']]);
    // nothing names the next release's app: a warning, and the upgrade runs
    const v3 = slug({
      '3b4c5d6e7f80_add_notes.py': NOTES,
      '4c5d6e7f8091_more.py': MORE,
    });
    const unnamed = release(v3, url, {});
    expect(unnamed.out).toContain(
      "warning [database-owned-elsewhere] shop-prod's database, and this release cannot say which app it is",
    );
    expect(unnamed.status, unnamed.out).toBe(0);
    expect(await versionRows(url)).toEqual([['4c5d6e7f8091']]);
  }, 180_000);

  it("a copy of production (heroku pg:copy) carries its ledger: ledger owner --set hands it to staging, whose release then runs and production's stops", async () => {
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS copied', 'CREATE DATABASE copied']);
    const url = pg().urlFor('copied');
    const prod = { HEROKU_APP_NAME: 'shop-prod', HEROKU_RELEASE_VERSION: 'v7' };
    expect(release(slug(), url, prod).status).toBe(0);
    const v2 = slug({ '3b4c5d6e7f80_add_notes.py': NOTES });
    const staging = { HEROKU_APP_NAME: 'shop-staging', HEROKU_RELEASE_VERSION: 'v3' };
    expect(release(v2, url, staging).status).toBe(1);
    const owner = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [BIN, 'ledger', 'owner', '-c', 'examples/heroku-app/alembic.ini', ...args],
        {
          cwd: v2.dir,
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', DATABASE_URL: url, ALEMBIC_PREFLIGHT_CACHE: 'off' },
        },
      );
    const shown = owner();
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('Owner: shop-prod (its release applied 1f2a3b4c5d6e first');
    // a dry run writes nothing
    const dry = owner('--set', 'shop-staging');
    expect(dry.stdout).toContain('Would hand it to shop-staging');
    expect(
      await pgExec(url, "SELECT to_regclass('alembic_preflight.alembic_preflight_owner') IS NULL"),
    ).toEqual([[true]]);
    expect(release(v2, url, staging).status).toBe(1);
    expect([verifyOwned(v2, url, staging), verifyOwned(v2, url, prod)]).toEqual([true, false]);
    const handed = owner('--set', 'shop-staging', '--yes');
    expect(handed.status, handed.stderr).toBe(0);
    expect(owner().stdout).toContain('Owner: shop-staging (handed to it with ledger owner --set)');
    // verify reads the hand-over as release does: the new owner passes, the old one is refused
    expect([verifyOwned(v2, url, staging), verifyOwned(v2, url, prod)]).toEqual([false, true]);
    const now = release(v2, url, staging);
    expect(now.status, now.out).toBe(0);
    expect(await versionRows(url)).toEqual([['3b4c5d6e7f80']]);
    // production's code pointed at the copy is now the one refused
    const back = release(
      slug({ '3b4c5d6e7f80_add_notes.py': NOTES, '4c5d6e7f8091_more.py': MORE }),
      url,
      prod,
    );
    expect(back.status, back.out).toBe(1);
    expect(back.out).toContain("shop-staging's database: shop-prod would migrate it");
    expect(await versionRows(url)).toEqual([['3b4c5d6e7f80']]);
  }, 180_000);

  /**
   * A database plain Alembic migrated (a version table, no ledger) claimed with `ledger owner --set`:
   * the ledger is created, verify and release both refuse a review app, and the owner's release runs.
   */
  const claimPlain = async (url: string, rows: () => Promise<unknown[][]>): Promise<void> => {
    const v1 = slug();
    const up = spawnSync(
      '/usr/bin/python3',
      ['-m', 'alembic', '-c', 'examples/heroku-app/alembic.ini', 'upgrade', 'head'],
      {
        cwd: v1.dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: url, PYTHONDONTWRITEBYTECODE: '1' },
      },
    );
    expect(up.status, up.stderr).toBe(0);
    const head = await rows();
    const set = spawnSync(
      process.execPath,
      [BIN, 'ledger', 'owner', '-c', 'examples/heroku-app/alembic.ini', '--set', 'shop-prod', '--yes'],
      {
        cwd: v1.dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: url, ALEMBIC_PREFLIGHT_CACHE: 'off' },
      },
    );
    expect(set.status, set.stdout + set.stderr).toBe(0);
    expect(set.stdout).toContain('Created the ledger');
    const v2 = slug({ '3b4c5d6e7f80_add_notes.py': NOTES });
    const review = { HEROKU_APP_NAME: 'shop-prod-pr-9', HEROKU_PR_NUMBER: '9' };
    expect(verifyOwned(v2, url, review)).toBe(true);
    const refused = release(v2, url, review);
    expect(refused.status, refused.out).toBe(1);
    expect(refused.starts).toBe(0);
    expect(await rows()).toEqual(head);
    // the control: the owner's own release runs and migrates
    expect(verifyOwned(v2, url, { HEROKU_APP_NAME: 'shop-prod' })).toBe(false);
    const own = release(v2, url, { HEROKU_APP_NAME: 'shop-prod' });
    expect(own.status, own.out).toBe(0);
    expect(await rows()).toEqual([['3b4c5d6e7f80']]);
    // the fence's settings make no noise: no libpq warning about its password file (a URL without a password)
    expect(own.out).not.toContain('password file');
  };

  it('ledger owner --set claims a database plain Alembic migrated (no ledger yet): PostgreSQL', async () => {
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS plain', 'CREATE DATABASE plain']);
    const url = pg().urlFor('plain');
    await claimPlain(url, () => versionRows(url));
    expect(await pgExec(url, 'SELECT app FROM alembic_preflight.alembic_preflight_owner')).toEqual([
      ['shop-prod'],
    ]);
  }, 180_000);

  it('ledger owner --set claims a database plain Alembic migrated (no ledger yet): SQLite', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'preflight-owner-sqlite-'));
    dirs.push(dir);
    const file = path.join(dir, 'app.db');
    const rows = (): Promise<unknown[][]> => {
      const db = new Database(file, { readonly: true });
      try {
        return Promise.resolve(
          db.prepare('SELECT version_num FROM alembic_version').raw().all() as unknown[][],
        );
      } finally {
        db.close();
      }
    };
    await claimPlain(`sqlite:///${file}`, rows);
  }, 180_000);

  it('shared-with in the settings lets a named partner through; require-identity stops a release nothing names', async () => {
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS settings', 'CREATE DATABASE settings']);
    const url = pg().urlFor('settings');
    expect(release(slug(), url, { ALEMBIC_PREFLIGHT_APP: 'shop-prod' }).status).toBe(0);
    const v2 = slug({ '3b4c5d6e7f80_add_notes.py': NOTES });
    writeFileSync(path.join(v2.dir, 'pyproject.toml'), '[tool.alembic-preflight]\nrequire-identity = true\n');
    const unnamed = release(v2, url, {});
    expect(unnamed.status, unnamed.out).toBe(1);
    expect(unnamed.out).toContain(
      "error [database-owned-elsewhere] shop-prod's database, and this release cannot say which app it is",
    );
    expect(await versionRows(url)).toEqual([['2a3b4c5d6e7f']]);
    writeFileSync(
      path.join(v2.dir, 'pyproject.toml'),
      '[tool.alembic-preflight]\nshared-with = ["shop-prod"]\n',
    );
    const partner = release(v2, url, { ALEMBIC_PREFLIGHT_APP: 'shop-reports' });
    expect(partner.status, partner.out).toBe(0);
    expect(await versionRows(url)).toEqual([['3b4c5d6e7f80']]);
  }, 180_000);
});
