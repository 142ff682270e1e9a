import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './temp-dir.js';

/** Like makeProject, but without creating migrations/versions. */
export function makeBare(files: Record<string, string>, ini: string): string {
  const root = tempDir('preflight-');
  writeFileSync(path.join(root, 'alembic.ini'), ini);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
  return root;
}
