import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('empty-down-revision', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null).replace('down_revision = None', "down_revision = ''")}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'empty-down-revision');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.alembicError).toBe("KeyError: ''");
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null)}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('empty-down-revision');
  });
});
