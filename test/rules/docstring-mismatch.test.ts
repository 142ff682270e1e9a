import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('docstring-mismatch', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'a1').replace('Revises: a1', 'Revises: zz9')}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'docstring-mismatch');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.severity).toBe('warning');
    expect(f.message).toContain('Revises: zz9');
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'a1')}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('docstring-mismatch');
  });
});
