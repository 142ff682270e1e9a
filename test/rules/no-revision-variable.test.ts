import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('no-revision-variable', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'helpers.py']: 'def util():\n    return 1\n'}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'no-revision-variable');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.alembicError).toContain('FAILED: Could not determine revision id from filename helpers.py.');
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'abcd12.py']: 'down_revision = \'a1\'\n'}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('no-revision-variable');
  });
});
