import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('invalid-revision-value', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: 'revision = 333\ndown_revision = None\n'}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'invalid-revision-value');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.alembicError).toBe("TypeError: 'int' object is not iterable");
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: 'revision = "333"\ndown_revision = None\n'}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('invalid-revision-value');
  });
});
