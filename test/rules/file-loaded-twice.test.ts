import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('file-loaded-twice', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null)}, DEFAULT_INI + 'version_locations = %(here)s/migrations/versions:%(here)s/migrations/versions/\n'), 'latest');
    const f = r.findings.find((x) => x.code === 'file-loaded-twice');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.message).toContain('loaded twice');
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null)}, DEFAULT_INI + 'version_locations = %(here)s/migrations/versions\n'), 'latest');
    expect(codes(r)).not.toContain('file-loaded-twice');
  });
});
