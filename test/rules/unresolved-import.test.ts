import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('unresolved-import', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null, 'from myapp.models import GUID')}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'unresolved-import');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.message).toContain('imports myapp');
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null, 'from myapp.models import GUID'), 'myapp/models.py': 'GUID = 1\n'}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('unresolved-import');
  });
});
