import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { ledgerProject, sqliteWithLedger } from '../../helpers/ledger-db.js';

// A Procfile that upgrades to head and a fly.toml that upgrades elsewhere, verified where no platform's
// variables say which one deploys: the default is graded, the other predicted too.

function project(flyTarget: string): { root: string; url: string } {
  const root = ledgerProject();
  writeFileSync(path.join(root, 'Procfile'), 'release: alembic upgrade head\n');
  writeFileSync(path.join(root, 'fly.toml'), `[deploy]\nrelease_command = "alembic upgrade ${flyTarget}"\n`);
  return { root, url: sqliteWithLedger(root, ['a1'], null) };
}

const verify = (root: string, url: string, env: Record<string, string> = {}) =>
  verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url, ...env }, git: false });

describe('platform-targets-differ', () => {
  it('off any platform, a file whose target fails blocks, quoting what Alembic prints; on a platform only its file counts', async () => {
    const { root, url } = project('nope1');
    const out = await verify(root, url);
    const f = out.result.findings.find((x) => x.code === 'platform-targets-differ');
    expect(f).toMatchObject({ severity: 'error', path: 'fly.toml', line: 2 });
    expect(f!.title).toBe('fly.toml:2 runs `alembic upgrade nope1`, which will fail');
    expect(f!.alembicError).toBe("FAILED: Can't locate revision identified by 'nope1'");
    expect(out.exitCode).toBe(1);
    // Heroku reads its Procfile only: head, which applies b2 and c3
    const heroku = await verify(root, url, { DYNO: 'release.1' });
    expect(heroku.result.findings.map((x) => x.code)).not.toContain('platform-targets-differ');
    expect(heroku.exitCode).toBe(0);
    // Fly.io reads fly.toml only, and its target fails as upgrade-will-fail
    const fly = await verify(root, url, { FLY_APP_NAME: 'shop' });
    expect(fly.result.findings.map((x) => x.code)).toContain('upgrade-will-fail');
    expect(fly.exitCode).toBe(1);
  });

  it('a target that succeeds too is named, and does not block', async () => {
    const { root, url } = project('b2');
    const out = await verify(root, url);
    const f = out.result.findings.find((x) => x.code === 'platform-targets-differ');
    expect(f).toMatchObject({ severity: 'info' });
    expect(f!.message).toContain(
      'fly.toml:2 runs `alembic upgrade b2`, which on this database applies 1 migration there',
    );
    expect(out.exitCode).toBe(0);
  });
});
