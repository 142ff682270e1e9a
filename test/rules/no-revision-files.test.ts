import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('no-revision-files', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'no-revision-files');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.message).toContain('No revision files');
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'a1_x.py']: rev('a1', null)}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('no-revision-files');
  });
});
