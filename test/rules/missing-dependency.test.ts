import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('missing-dependency', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'a1', "depends_on = 'a1xx'")}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'missing-dependency');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.alembicError).toBe("KeyError: 'a1xx'");
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'a1', "depends_on = 'a1'")}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('missing-dependency');
  });
});
