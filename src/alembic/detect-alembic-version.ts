import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LATEST_ALEMBIC, parseAlembicVersion, type AlembicVersion } from './alembic-version.js';

/**
 * The Alembic the project will deploy with: an exact pin in requirements.txt
 * (or requirements/*.txt listed at the top level), else the newest release.
 */
export function detectAlembicVersion(cwd: string): { version: AlembicVersion; source: string } {
  for (const name of ['requirements.txt', 'requirements/base.txt', 'requirements/prod.txt']) {
    let text: string;
    try {
      text = readFileSync(path.join(cwd, name), 'utf8');
    } catch {
      continue;
    }
    const m = /^\s*alembic\s*(?:\[[^\]]*\])?\s*==\s*([\d.]+)/im.exec(text);
    const v = m ? parseAlembicVersion(m[1]!) : null;
    if (v) return { version: v, source: name };
  }
  return { version: LATEST_ALEMBIC, source: 'default' };
}
