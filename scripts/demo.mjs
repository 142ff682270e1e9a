// The README's first command: check the bundled example project, then the same
// project with the October 2025 mistakes planted in a scratch copy.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(repo, 'bin', 'alembic-preflight.js');
const example = path.join(repo, 'examples', 'heroku-app');

function run(title, cwd) {
  console.log(`\n$ alembic-preflight check   # ${title}`);
  const r = spawnSync(process.execPath, [bin, 'check'], { cwd, stdio: 'inherit' });
  console.log(`(exit code ${r.status})`);
  return r.status;
}

const clean = run('the bundled example', example);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'preflight-demo-'));
try {
  cpSync(example, scratch, { recursive: true });
  const v = path.join(scratch, 'migrations', 'versions');
  // a rebase left a second file claiming the same parent, and a hand-written id with dashes
  writeFileSync(
    path.join(v, '3b4c5d6e7f80_add_lockout.py'),
    '"""add lockout\n\nRevision ID: 3b4c5d6e7f80\nRevises: 2a3b4c5d6e7f\n"""\nrevision = "3b4c5d6e7f80"\ndown_revision = "2a3b4c5d6e7f"\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n',
  );
  writeFileSync(
    path.join(v, 'guest-lockout-001_hotfix.py'),
    '"""hotfix\n\nRevision ID: guest-lockout-001\nRevises: 2a3b4c5d6e7f\n"""\nrevision = "guest-lockout-001"\ndown_revision = "2a3b4c5d6e7f"\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n',
  );
  const broken = run('the same project after a bad hotfix branch', scratch);
  process.exitCode = clean === 0 && broken === 1 ? 0 : 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
