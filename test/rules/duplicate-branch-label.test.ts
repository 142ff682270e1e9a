import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('duplicate-branch-label', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null, "branch_labels = 'core'"), [V+'b2_x.py']: rev('b2', 'a1', "branch_labels = ['core']")}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'duplicate-branch-label');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.alembicError).toBe("FAILED: Branch name 'core' in revision b2 already used by revision a1");
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null, "branch_labels = 'core'"), [V+'b2_x.py']: rev('b2', 'a1', "branch_labels = ['web']")}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('duplicate-branch-label');
  });
});
