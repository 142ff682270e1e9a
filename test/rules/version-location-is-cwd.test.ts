import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('version-location-is-cwd', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null)}, '[alembic]\nscript_location = migrations\nversion_locations = %(here)s/migrations/versions,\n'), 'latest');
    const f = r.findings.find((x) => x.code === 'version-location-is-cwd');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.message).toContain('empty entry');
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null)}, '[alembic]\nscript_location = migrations\nversion_locations = %(here)s/migrations/versions\n'), 'latest');
    expect(codes(r)).not.toContain('version-location-is-cwd');
  });
});
