import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, rev } from '../helpers/project.js';
import { makeBare } from '../helpers/bare.js';
const V = 'migrations/versions/';
void DEFAULT_INI;

describe('versions-folder-missing', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeBare({'migrations/env.py': ''}, '[alembic]\nscript_location = migrations\n'), 'latest');
    const f = r.findings.find((x) => x.code === 'versions-folder-missing');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.severity).toBe('warning');
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeBare({'migrations/env.py': '', [V+'a1_x.py']: rev('a1', null)}, '[alembic]\nscript_location = migrations\n'), 'latest');
    expect(codes(r)).not.toContain('versions-folder-missing');
  });
});
