import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('down-revision-is-label', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null, "branch_labels = ('core',)"), [V+'b2_x.py']: rev('b2', 'core')}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'down-revision-is-label');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.alembicError).toBe("KeyError: 'core'");
    expect(f.hint).toContain("'a1'");
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null, "branch_labels = ('core',)"), [V+'b2_x.py']: rev('b2', 'a1')}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('down-revision-is-label');
  });
});
