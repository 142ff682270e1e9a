import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('bytecode-only-revision', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'__pycache__/b2_x.cpython-311.pyc']: Buffer.from([0x55, 0x0d, 0x0d, 0x0a])}, DEFAULT_INI + 'sourceless = true\n'), 'latest');
    const f = r.findings.find((x) => x.code === 'bytecode-only-revision');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.path).toContain('__pycache__');
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null), [V+'__pycache__/a1_x.cpython-311.pyc']: Buffer.from([0x55, 0x0d, 0x0d, 0x0a])}, DEFAULT_INI + 'sourceless = true\n'), 'latest');
    expect(codes(r)).not.toContain('bytecode-only-revision');
  });
});
