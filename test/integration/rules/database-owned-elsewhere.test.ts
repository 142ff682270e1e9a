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

/** A Heroku app's release phase with runtime dyno metadata: its name and the id no config var can copy. */
const heroku = (name: string, id: string, extra: Record<string, string> = {}): Record<string, string> => ({
  HEROKU_APP_NAME: name,
  HEROKU_APP_ID: id,
  ...extra,
});
const PROD_ID = '11111111-2222-4333-8444-555555555555';
const STAGING_ID = '66666666-7777-4888-9999-000000000000';
/** A release run from a shell or CI, not on a platform: the user's name for the app decides there. */
const OFF_PLATFORM = { DYNO: '' };

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
    const prod = heroku('shop-prod', PROD_ID, { HEROKU_RELEASE_VERSION: 'v7' });
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

    // the same review app carrying production's ALEMBIC_PREFLIGHT_APP (a pipeline copies config vars)
    const copied = release(v2, url, {
      HEROKU_PR_NUMBER: '42',
      HEROKU_BRANCH: 'feature-notes',
      ALEMBIC_PREFLIGHT_APP: 'shop-prod',
    });
    expect(copied.status, copied.out).toBe(1);
    expect(copied.starts).toBe(0);
    expect(copied.out).toContain("shop-prod's database: a review app would migrate it");
    // a staging app with production's name copied in: the platform's name decides, a configuration error
    const named = release(
      v2,
      url,
      heroku('shop-staging', STAGING_ID, { ALEMBIC_PREFLIGHT_APP: 'shop-prod' }),
    );
    expect(named.status, named.out).toBe(2);
    expect(named.starts).toBe(0);
    expect(named.out).toContain(
      // the title, cut to the width at a clause, goes on in the why
      "error [database-owned-elsewhere] shop-prod's database: ALEMBIC_PREFLIGHT_APP says shop-prod Heroku says shop-staging.",
    );
    // a dyno without runtime dyno metadata cannot be told from production: stopped, with the one fix
    const blind = release(v2, url, { ALEMBIC_PREFLIGHT_APP: 'shop-prod' });
    expect(blind.status, blind.out).toBe(2);
    expect(blind.starts).toBe(0);
    expect(blind.out).toContain('fix: heroku labs:enable runtime-dyno-metadata -a shop-prod');
    expect(await versionRows(url)).toEqual([['2a3b4c5d6e7f']]);

    // a staging app pointed at it
    const staging = release(v2, url, heroku('shop-staging', STAGING_ID, { HEROKU_RELEASE_VERSION: 'v3' }));
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
    expect(release(slug(), url, { ...OFF_PLATFORM, ALEMBIC_PREFLIGHT_APP: 'shop-prod' }).status).toBe(0);
    const v2 = slug({ '3b4c5d6e7f80_add_notes.py': NOTES });
    const shared = release(
      v2,
      url,
      { ...OFF_PLATFORM, ALEMBIC_PREFLIGHT_APP: 'shop-reports' },
      `${RELEASE_LINE} --share-database`,
    );
    expect(shared.status, shared.out).toBe(0);
    expect(await versionRows(url)).toEqual([['3b4c5d6e7f80']]);
    // nothing names the next release's app: a warning, and the upgrade runs
    const v3 = slug({
      '3b4c5d6e7f80_add_notes.py': NOTES,
      '4c5d6e7f8091_more.py': MORE,
    });
    const unnamed = release(v3, url, OFF_PLATFORM);
    expect(unnamed.out).toContain(
      "warning [database-owned-elsewhere] shop-prod's database, and this release cannot say which app it is",
    );
    expect(unnamed.status, unnamed.out).toBe(0);
    expect(await versionRows(url)).toEqual([['4c5d6e7f8091']]);
  }, 180_000);

  it("a copy of production (heroku pg:copy) carries its ledger: ledger owner --set hands it to staging, whose release then runs and production's stops", async () => {
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS copied', 'CREATE DATABASE copied']);
    const url = pg().urlFor('copied');
    const prod = heroku('shop-prod', PROD_ID, { HEROKU_RELEASE_VERSION: 'v7' });
    expect(release(slug(), url, prod).status).toBe(0);
    const v2 = slug({ '3b4c5d6e7f80_add_notes.py': NOTES });
    const staging = heroku('shop-staging', STAGING_ID, { HEROKU_RELEASE_VERSION: 'v3' });
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
    const own = release(v2, url, heroku('shop-prod', PROD_ID));
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
    expect(release(slug(), url, { ...OFF_PLATFORM, ALEMBIC_PREFLIGHT_APP: 'shop-prod' }).status).toBe(0);
    const v2 = slug({ '3b4c5d6e7f80_add_notes.py': NOTES });
    writeFileSync(path.join(v2.dir, 'pyproject.toml'), '[tool.alembic-preflight]\nrequire-identity = true\n');
    const unnamed = release(v2, url, OFF_PLATFORM);
    expect(unnamed.status, unnamed.out).toBe(1);
    expect(unnamed.out).toContain(
      "error [database-owned-elsewhere] shop-prod's database, and this release cannot say which app it is",
    );
    expect(await versionRows(url)).toEqual([['2a3b4c5d6e7f']]);
    writeFileSync(
      path.join(v2.dir, 'pyproject.toml'),
      '[tool.alembic-preflight]\nshared-with = ["shop-prod"]\n',
    );
    const partner = release(v2, url, { ...OFF_PLATFORM, ALEMBIC_PREFLIGHT_APP: 'shop-reports' });
    expect(partner.status, partner.out).toBe(0);
    expect(await versionRows(url)).toEqual([['3b4c5d6e7f80']]);
  }, 180_000);

  it("a database owned under a name is adopted by the Heroku app of that name, then held by its id; Railway's pr environment is refused", async () => {
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS adopted', 'CREATE DATABASE adopted']);
    const url = pg().urlFor('adopted');
    // owned under a name, as a release from a shell named it
    expect(release(slug(), url, { ...OFF_PLATFORM, ALEMBIC_PREFLIGHT_APP: 'shop-prod' }).status).toBe(0);
    const v2 = slug({ '3b4c5d6e7f80_add_notes.py': NOTES });
    // the Heroku app of that name adopts it: its release runs and records its id
    const adopt = release(v2, url, heroku('shop-prod', PROD_ID));
    expect(adopt.status, adopt.out).toBe(0);
    expect(
      await pgExec(
        url,
        "SELECT count(*) FROM alembic_preflight.alembic_preflight_history WHERE applied_by LIKE '%heroku:11111111-2222-4333-8444-555555555555%'",
      ),
    ).toEqual([['1']]);
    const shown = spawnSync(
      process.execPath,
      [BIN, 'ledger', 'owner', '-c', 'examples/heroku-app/alembic.ini'],
      {
        cwd: v2.dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: url, ALEMBIC_PREFLIGHT_CACHE: 'off' },
      },
    );
    expect(shown.stdout).toContain(`Owner: shop-prod (its release applied`);
    expect(shown.stdout).toContain(`held by its platform id heroku:${PROD_ID}`);
    // from then on the id decides: the same name with another id is not the owner
    const v3 = slug({ '3b4c5d6e7f80_add_notes.py': NOTES, '4c5d6e7f8091_more.py': MORE });
    const other = release(v3, url, heroku('shop-prod', STAGING_ID));
    expect(other.status, other.out).toBe(1);
    expect(other.starts).toBe(0);
    expect(await versionRows(url)).toEqual([['3b4c5d6e7f80']]);
    const own = release(v3, url, heroku('shop-prod', PROD_ID));
    expect(own.status, own.out).toBe(0);
    expect(await versionRows(url)).toEqual([['4c5d6e7f8091']]);

    // Railway: one service name in every environment; the pr environment's ids differ
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS railway', 'CREATE DATABASE railway']);
    const rurl = pg().urlFor('railway');
    const railway = (environment: string, name: string) => ({
      ...OFF_PLATFORM,
      RAILWAY_PROJECT_ID: 'p-1',
      RAILWAY_SERVICE_ID: 's-1',
      RAILWAY_SERVICE_NAME: 'web',
      RAILWAY_ENVIRONMENT_ID: environment,
      RAILWAY_ENVIRONMENT_NAME: name,
    });
    expect(release(slug(), rurl, railway('e-1', 'production')).status).toBe(0);
    const r2 = slug({ '3b4c5d6e7f80_add_notes.py': NOTES });
    const pr = release(r2, rurl, railway('e-2', 'pr-42'));
    expect(pr.status, pr.out).toBe(1);
    expect(pr.starts).toBe(0);
    expect(pr.out).toContain("web's database: web would migrate it");
    expect(await pgExec(rurl, 'SELECT version_num FROM alembic_version')).toEqual([['2a3b4c5d6e7f']]);
    const production = release(r2, rurl, railway('e-1', 'production'));
    expect(production.status, production.out).toBe(0);
    expect(await pgExec(rurl, 'SELECT version_num FROM alembic_version')).toEqual([['3b4c5d6e7f80']]);
  }, 180_000);
});
