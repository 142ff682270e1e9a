import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('script-location-unresolved', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null)}, '[alembic]\nscript_location = mypkg:migrations\n'), 'latest');
    const f = r.findings.find((x) => x.code === 'script-location-unresolved');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.alembicError).toBe("ModuleNotFoundError: No module named 'mypkg'");
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({'mypkg/migrations/versions/a1_x.py': rev('a1', null)}, '[alembic]\nscript_location = mypkg:migrations\n'), 'latest');
    expect(codes(r)).not.toContain('script-location-unresolved');
  });
});
