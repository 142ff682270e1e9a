import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('missing-down-revision', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'gone999')}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'missing-down-revision');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.alembicError).toBe("KeyError: 'gone999'");
    expect(f.line).toBe(9);
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'a1')}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('missing-down-revision');
  });
});
