import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('no-down-revision-variable', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: 'revision = "a1"\n'}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'no-down-revision-variable');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.alembicError).toBe("AttributeError: module 'a1_x_py' has no attribute 'down_revision'");
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: 'revision = "a1"\ndown_revision = None\n'}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('no-down-revision-variable');
  });
});
