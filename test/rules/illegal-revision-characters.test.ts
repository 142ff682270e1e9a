import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('illegal-revision-characters', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a-1_x.py']: rev('a-1', null)}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'illegal-revision-characters');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.alembicError).toBe("FAILED: Character(s) '-' not allowed in revision identifier 'a-1'");
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a_1_x.py']: rev('a_1', null)}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('illegal-revision-characters');
  });
});
