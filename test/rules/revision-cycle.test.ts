import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('revision-cycle', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'x1_x.py']: rev('x1', 'y1'), [V+'y1_x.py']: rev('y1', 'x1'), [V+'b2_x.py']: rev('b2', 'a1')}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'revision-cycle');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.alembicError).toBe('FAILED: Cycle is detected in revisions (x1, y1)');
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'x1_x.py']: rev('x1', 'a1'), [V+'y1_x.py']: rev('y1', 'x1')}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('revision-cycle');
  });
});
