import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('multiple-heads', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'a1'), [V+'c3_x.py']: rev('c3', 'a1')}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'multiple-heads');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.alembicError).toContain("Multiple head revisions are present for given argument 'head'");
    expect(f.hint).toContain('alembic merge');
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'a1'), [V+'c3_x.py']: rev('c3', 'a1'), [V+'m4_x.py']: rev('m4', "('b2', 'c3')")}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('multiple-heads');
  });
});
