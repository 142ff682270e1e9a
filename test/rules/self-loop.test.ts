import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('self-loop', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', 'a1')}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'self-loop');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.alembicError).toBe('FAILED: Self-loop is detected in revisions (a1)');
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null)}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('self-loop');
  });
});
