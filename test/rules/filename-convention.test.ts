import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('filename-convention', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'c3_add_users.py']: rev('b2', 'a1')}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'filename-convention');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.hint).toContain('b2_<slug>.py');
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_add_users.py']: rev('b2', 'a1')}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('filename-convention');
  });
});
