import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Like makeProject, but without creating migrations/versions. */
export function makeBare(files: Record<string, string>, ini: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'preflight-'));
  writeFileSync(path.join(root, 'alembic.ini'), ini);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
  return root;
}
