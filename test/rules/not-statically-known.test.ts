import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('not-statically-known', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'a1', "import os\nif os.environ.get('X'):\n    down_revision = 'zz'")}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'not-statically-known');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.message).toContain('`if` block');
    expect(f.line).toBe(14);
    expect(r.model.complete).toBe(false);
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'a1', "def f():\n    down_revision = 'zz'")}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('not-statically-known');
  });
});
