import { describe, expect, it } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { check, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'deploy-script-hazard',
  {
    bad: () => makeProject({ [V + 'a1_x.py']: rev('a1', null), Procfile: 'release: alembic upgrade head || true\nweb: gunicorn app:app\n' }),
    good: () =>
      makeProject({
        [V + 'a1_x.py']: rev('a1', null),
        Procfile: 'release: alembic upgrade head\nweb: gunicorn app:app\n',
        'bin/migrate.sh': '#!/bin/sh\nset -e\n# never: alembic stamp head\nalembic upgrade head || exit 1\n',
      }),
  },
  (f) => {
    expect(f.path).toBe('Procfile');
    expect(f.line).toBe(1);
    expect(f.message).toContain('|| true');
  },
);

describe('deploy-script-hazard, the other two hazards', () => {
  it('reports a stamp fallback and heads against head', async () => {
    const root = makeProject({
      [V + 'a1_x.py']: rev('a1', null),
      Procfile: 'release: alembic upgrade heads\n',
      'bin/deploy.sh': '#!/bin/sh\npython -m alembic upgrade head || alembic stamp head\n',
    });
    const found = (await check(root)).findings.filter((f) => f.code === 'deploy-script-hazard');
    expect(found.map((f) => `${f.path}:${f.line}`).sort()).toEqual(['Procfile:1', 'bin/deploy.sh:2']);
    expect(found.find((f) => f.path === 'Procfile')!.message).toContain('bin/deploy.sh:2');
    expect(found.find((f) => f.path === 'bin/deploy.sh')!.message).toContain('stamp head');
  });
});
