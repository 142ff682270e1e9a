import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('unreadable-file', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'weird.py/keep.txt']: 'x'}, DEFAULT_INI), '1.8.1');
    const f = r.findings.find((x) => x.code === 'unreadable-file');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.message).toContain('Is a directory');
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'weird/keep.txt']: 'x'}, DEFAULT_INI), '1.8.1');
    expect(codes(r)).not.toContain('unreadable-file');
  });
});
