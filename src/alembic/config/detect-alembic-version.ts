import path from 'node:path';
import type { ProjectFiles } from '../../project/project-files.js';
import { LATEST_ALEMBIC, parseAlembicVersion, type AlembicVersion } from './alembic-version.js';
import {
  pinnedVersion,
  projectFileReader,
  type PackagePin,
  type ReadProjectFile,
} from '../../packaging/package-pins.js';
import { detectPythonVersion } from '../../packaging/python-version.js';
import { dynoMarkers } from '../../packaging/requirement-marker.js';

/**
 * The Alembic the project will deploy with: the version its lockfile or an exact pin names (see
 * pinnedVersion for the order), else the newest release. `source` says which file it came from.
 */
export function detectAlembicVersion(
  files: ProjectFiles,
  cwd: string,
  read: ReadProjectFile = projectFileReader(files, cwd),
): { version: AlembicVersion; source: string } {
  // a pin behind an environment marker counts where the marker holds on the dyno, for the declared Python
  const pin = pinnedVersion('alembic', read, dynoMarkers(detectPythonVersion(files, cwd)));
  const v = pin ? parseAlembicVersion(pin.version) : null;
  if (v && pin) return { version: v, source: pin.source };
  return { version: LATEST_ALEMBIC, source: 'default' };
}

/** The Flask-Migrate release the project installs, when a lockfile or an exact pin says. */
export function detectFlaskMigrateVersion(
  files: ProjectFiles,
  cwd: string,
  read: ReadProjectFile = projectFileReader(files, cwd),
): PackagePin | undefined {
  return pinnedVersion('flask-migrate', read, dynoMarkers(detectPythonVersion(files, cwd)));
}

/**
 * Whether requirements pin SQLAlchemy below 1.4 (`sqlalchemy==1.3.24`, `SQLAlchemy<1.4`), the last
 * releases that still took postgres:// as PostgreSQL. Without such a pin, 1.4 or later is assumed:
 * Alembic 1.15 and later require it.
 */
export function sqlalchemyBefore14(files: ProjectFiles, cwd: string): boolean {
  for (const [, text] of requirementFiles(files, cwd)) {
    const m =
      /^[ \t]*sqlalchemy[ \t]*(?:\[[^\]\n\r\u2028\u2029]*\][ \t]*)?(==|<=?|~=)[ \t]*(\d+)\.(\d+)/imu.exec(
        text,
      );
    if (!m) continue;
    const [major, minor] = [Number(m[2]), Number(m[3])];
    const below = major < 1 || (major === 1 && minor < 4);
    return m[1] === '<' ? major < 1 || (major === 1 && minor <= 4) : below;
  }
  return false;
}

/** The requirements files a pin is looked for in, in order, with their text (those that can be read). */
function* requirementFiles(files: ProjectFiles, cwd: string): Generator<[string, string]> {
  for (const name of ['requirements.txt', 'requirements/base.txt', 'requirements/prod.txt']) {
    // absent or unreadable: the next one
    const text = files.text(path.join(cwd, name));
    if (text !== undefined) yield [name, text];
  }
}
