import { describe, expect, it } from 'vitest';
import { LATEST_ALEMBIC } from '../src/alembic/alembic-version.js';
import { loadProject } from '../src/alembic/project-model.js';
import { runCheck } from '../src/check/run-check.js';
import { makeProject, rev } from './helpers/project.js';

const V = 'migrations/versions/';

describe('runCheck options', () => {
  it('--ignore CODE:REVISION suppresses only that revision, CODE suppresses all', async () => {
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'a1').replace('Revises: a1', 'Revises: q'), [V + 'c3_x.py']: rev('c3', 'b2').replace('Revises: b2', 'Revises: q') });
    const model = await loadProject({ cwd: root, alembicVersion: LATEST_ALEMBIC });
    expect(runCheck(model).findings.filter((f) => f.code === 'docstring-mismatch')).toHaveLength(2);
    const one = runCheck(model, { ignore: ['docstring-mismatch:b2'] });
    expect(one.findings.filter((f) => f.code === 'docstring-mismatch').map((f) => f.revision)).toEqual(['c3']);
    expect(one.ignored).toBe(1);
    expect(runCheck(model, { ignore: ['docstring-mismatch'] }).findings).toHaveLength(0);
  });

  it('--strict makes warnings block; errors always block', async () => {
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'a1').replace('Revises: a1', 'Revises: q') });
    const model = await loadProject({ cwd: root, alembicVersion: LATEST_ALEMBIC });
    expect(runCheck(model).ok).toBe(true);
    expect(runCheck(model, { strict: true }).ok).toBe(false);
  });
});
