import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LATEST_ALEMBIC, parseAlembicVersion, type AlembicVersion } from './alembic-version.js';

/**
 * The Alembic the project will deploy with: an exact pin in requirements.txt
 * (or requirements/*.txt listed at the top level), else the newest release.
 */
export function detectAlembicVersion(cwd: string): { version: AlembicVersion; source: string } {
  for (const [name, text] of requirementFiles(cwd)) {
    const m = /^[ \t]*alembic[ \t]*(?:\[[^\]\n\r\u2028\u2029]*\][ \t]*)?==[ \t]*([\d.]+)/im.exec(text);
    const v = m ? parseAlembicVersion(m[1]!) : null;
    if (v) return { version: v, source: name };
  }
  return { version: LATEST_ALEMBIC, source: 'default' };
}

/**
 * Whether requirements pin SQLAlchemy below 1.4 (`sqlalchemy==1.3.24`, `SQLAlchemy<1.4`), the last
 * releases that still took postgres:// as PostgreSQL. Without such a pin, 1.4 or later is assumed:
 * Alembic 1.15 and later require it.
 */
export function sqlalchemyBefore14(cwd: string): boolean {
  for (const [, text] of requirementFiles(cwd)) {
    const m = /^[ \t]*sqlalchemy[ \t]*(?:\[[^\]\n\r\u2028\u2029]*\][ \t]*)?(==|<=?|~=)[ \t]*(\d+)\.(\d+)/imu.exec(text);
    if (!m) continue;
    const [major, minor] = [Number(m[2]), Number(m[3])];
    const below = major < 1 || (major === 1 && minor < 4);
    return m[1] === '<' ? major < 1 || (major === 1 && minor <= 4) : below;
  }
  return false;
}

/** The requirements files a pin is looked for in, in order, with their text (those that can be read). */
function* requirementFiles(cwd: string): Generator<[string, string]> {
  for (const name of ['requirements.txt', 'requirements/base.txt', 'requirements/prod.txt']) {
    try {
      yield [name, readFileSync(path.join(cwd, name), 'utf8')];
    } catch {
      // absent or unreadable: the next one
    }
  }
}
