import path from 'node:path';
import type { ProjectFiles } from '../../project/project-files.js';

/**
 * The script folder (env.py) that a relative script_location names from the ini's own folder, when it names
 * none from `cwd`: Alembic resolves it against the folder it runs in, so the project is run from the ini's
 * folder (`script_location = .` in migrations/alembic.ini, deployed as `cd migrations && alembic upgrade
 * head`). Undefined for an absolute or package:resource location, or one that works from `cwd`.
 */
export function scriptFolderBesideIni(
  files: ProjectFiles,
  cwd: string,
  iniPath: string,
  location: string,
): string | undefined {
  if (location === '' || path.isAbsolute(location) || /^[\w.]+:/u.test(location)) return undefined;
  const there = path.resolve(path.dirname(iniPath), location);
  return !files.exists(path.join(path.resolve(cwd, location), 'env.py')) &&
    files.exists(path.join(there, 'env.py'))
    ? there
    : undefined;
}

/** The script_location that names `dir` from any folder: `%(here)s/…` relative to the ini (`%(here)s` for its own folder). */
export function hereAnchored(iniPath: string, dir: string): string {
  const rel = path.relative(path.dirname(iniPath), dir).split(path.sep).join('/');
  return rel === '' ? '%(here)s' : `%(here)s/${rel}`;
}
