import { describe, expect, it } from 'vitest';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
void DEFAULT_INI;

describe('revision-id-too-long', () => {
  it('reports the incorrect case', async () => {
    const r = await check(makeProject({[V+'guest_lockout_and_password_reset_001_x.py']: rev('guest_lockout_and_password_reset_001', null)}, DEFAULT_INI), 'latest');
    const f = r.findings.find((x) => x.code === 'revision-id-too-long');
    expect(f, JSON.stringify(codes(r))).toBeDefined();
    expect(f.message).toContain('36 characters');
  });

  it('stays quiet on the correct case', async () => {
    const r = await check(makeProject({[V+'guest_lockout_001_x.py']: rev('guest_lockout_001', null)}, DEFAULT_INI), 'latest');
    expect(codes(r)).not.toContain('revision-id-too-long');
  });
});
