import { describe, expect, it } from 'vitest';
import { appIdentity, ownsDatabase } from '../../src/deploy/app-identity.js';

describe('appIdentity: on a platform the platform names the app', () => {
  it('Heroku with dyno metadata: the app id, the name beside it; ALEMBIC_PREFLIGHT_APP is ignored', () => {
    expect(
      appIdentity({
        DYNO: 'release.1',
        HEROKU_APP_ID: 'a1-b2',
        HEROKU_APP_NAME: 'shop',
        ALEMBIC_PREFLIGHT_APP: 'prod',
      }),
    ).toEqual({
      platform: 'Heroku',
      id: 'heroku:a1-b2',
      name: 'shop',
      from: 'HEROKU_APP_NAME',
      review: false,
      ignored: { name: 'prod', from: 'ALEMBIC_PREFLIGHT_APP' },
    });
  });

  it('Heroku without dyno metadata: nothing names it, HEROKU_APP_NAME alone (a config var) included', () => {
    expect(appIdentity({ DYNO: 'release.1', HEROKU_APP_NAME: 'shop' })).toEqual({
      platform: 'Heroku',
      noMetadata: true,
      review: false,
    });
  });

  it('the committed app setting decides nothing on a platform either', () => {
    const id = appIdentity(
      { DYNO: 'web.1', HEROKU_APP_ID: 'x' },
      { name: 'prod', from: 'app in pyproject.toml' },
    );
    expect(id.name).toBeUndefined();
    expect(id.ignored).toEqual({ name: 'prod', from: 'app in pyproject.toml' });
  });

  it('Fly, Render and Railway by their runtime variables and ids', () => {
    expect(appIdentity({ FLY_MACHINE_ID: 'm', FLY_APP_NAME: 'shop' })).toMatchObject({
      platform: 'Fly.io',
      id: 'fly:shop',
      name: 'shop',
    });
    expect(
      appIdentity({ RENDER: 'true', RENDER_SERVICE_ID: 'srv-1', RENDER_SERVICE_NAME: 'web' }),
    ).toMatchObject({
      platform: 'Render',
      id: 'render:srv-1',
      name: 'web',
    });
    expect(
      appIdentity({
        RAILWAY_PROJECT_ID: 'p',
        RAILWAY_ENVIRONMENT_ID: 'e',
        RAILWAY_SERVICE_ID: 's',
        RAILWAY_SERVICE_NAME: 'web',
        RAILWAY_ENVIRONMENT_NAME: 'pr-42',
      }),
    ).toMatchObject({ platform: 'Railway', id: 'railway:p/e/s', name: 'web', environment: 'pr-42' });
  });

  it('off a platform the user names the app, as before', () => {
    expect(appIdentity({ ALEMBIC_PREFLIGHT_APP: 'prod', HEROKU_APP_NAME: 'x' })).toEqual({
      name: 'prod',
      from: 'ALEMBIC_PREFLIGHT_APP',
      review: false,
    });
    expect(appIdentity({ HEROKU_APP_NAME: 'x' })).toMatchObject({ name: 'x', from: 'HEROKU_APP_NAME' });
  });
});

describe('ownsDatabase', () => {
  const heroku = appIdentity({ DYNO: 'release.1', HEROKU_APP_ID: 'a1', HEROKU_APP_NAME: 'shop' });
  it('by id where both have one; by the platform name where the owner has none (adoption)', () => {
    expect(ownsDatabase(heroku, { app: 'shop', id: 'heroku:a1' })).toBe(true);
    expect(ownsDatabase(heroku, { app: 'shop', id: 'heroku:zz' })).toBe(false);
    expect(ownsDatabase(heroku, { app: 'shop' })).toBe(true);
    expect(ownsDatabase(heroku, { app: 'other' })).toBe(false);
  });

  it('never a review app, whatever it is called', () => {
    const review = appIdentity({ HEROKU_PR_NUMBER: '7', ALEMBIC_PREFLIGHT_APP: 'shop' });
    expect(ownsDatabase(review, { app: 'shop' })).toBe(false);
  });

  it('off a platform by name, even where the owner has an id', () => {
    expect(
      ownsDatabase(appIdentity({ ALEMBIC_PREFLIGHT_APP: 'shop' }), { app: 'shop', id: 'heroku:a1' }),
    ).toBe(true);
  });

  it("Railway by name only in the owner's environment (production for a hand-over)", () => {
    const railway = (environment: string) =>
      appIdentity({
        RAILWAY_ENVIRONMENT_ID: 'e',
        RAILWAY_SERVICE_NAME: 'web',
        RAILWAY_ENVIRONMENT_NAME: environment,
      });
    expect(ownsDatabase(railway('pr-42'), { app: 'web', environment: 'production' })).toBe(false);
    expect(ownsDatabase(railway('production'), { app: 'web', environment: 'production' })).toBe(true);
    expect(ownsDatabase(railway('pr-42'), { app: 'web' })).toBe(false);
    expect(ownsDatabase(railway('production'), { app: 'web' })).toBe(true);
  });
});
