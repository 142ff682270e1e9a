import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';
const PROCFILE = 'release: alembic upgrade head\n';

/** A project whose app.json says what review apps are given. */
const withAppJson = (app: unknown, procfile: string | null = PROCFILE): string =>
  makeProject(
    {
      [V + 'a1_x.py']: rev('a1', null),
      'app.json': JSON.stringify(app, null, 2),
      ...(procfile !== null ? { Procfile: procfile } : {}),
    },
    DEFAULT_INI,
  );

describeRule(
  'review-app-shares-database',
  {
    // review apps declared, with only a cache: their DATABASE_URL is the pipeline's
    bad: () =>
      withAppJson({ addons: ['heroku-postgresql'], environments: { review: { addons: ['heroku-redis'] } } }),
    good: () =>
      withAppJson({
        environments: { review: { addons: [{ plan: 'heroku-postgresql:essential-0', as: 'DATABASE' }] } },
      }),
  },
  (f) => {
    expect(f.severity).toBe('warning');
    expect(f.path).toBe('app.json');
    expect(f.line).toBe(6);
    // environments.review overrides the top level: the top level's database is not the review app's
    expect(f.message).toContain('only heroku-redis (environments.review.addons)');
    expect(f.message).toContain('the release phase runs `alembic upgrade head` (Procfile:1)');
    expect(f.hint.split('\n')[1]).toBe('"environments": { "review": { "addons": ["heroku-postgresql"] } }');
  },
);

it('reads the top-level add-ons when environments.review names none, and needs a release phase and review apps', async () => {
  const inherits = await check(withAppJson({ addons: ['heroku-postgresql'], environments: { review: {} } }));
  expect(codes(inherits)).not.toContain('review-app-shares-database');
  const none = await check(withAppJson({ environments: { review: {} } }));
  expect(none.findings.find((f) => f.code === 'review-app-shares-database')?.message).toContain(
    'with no add-ons (the top-level addons)',
  );
  expect(codes(await check(withAppJson({ environments: { review: {} } }, null)))).not.toContain(
    'review-app-shares-database',
  );
  expect(codes(await check(withAppJson({ addons: [] })))).not.toContain('review-app-shares-database');
  // the container stack: heroku.yml's release command is the release phase
  const yml = withAppJson({ environments: { review: { addons: [] } } }, null);
  writeFileSync(
    path.join(yml, 'heroku.yml'),
    'build:\n  docker:\n    web: Dockerfile\nrelease:\n  command:\n    - alembic upgrade head\n',
  );
  expect((await check(yml)).findings.find((f) => f.code === 'review-app-shares-database')?.message).toContain(
    'the release phase runs `alembic upgrade head` (heroku.yml:6)',
  );
});
