import path from 'node:path';
import type { Entry, ProjectFiles } from '../../project/project-files.js';
import { parseIni } from './ini-parser.js';
import { NOT_SOURCE_DIRS } from '../../packaging/project-folders.js';
import { scriptFolderBesideIni } from './script-folder-beside-ini.js';

/**
 * Where below `cwd` an Alembic setup lives, as the commands that point
 * alembic-preflight at it: `alembic-preflight check -c path/alembic.ini` for each
 * ini (`cd path && alembic-preflight check` when its relative script_location
 * only resolves from the ini's folder), and `--versions path [--recursive]` for a
 * script folder (env.py beside versions/) that no ini names. Breadth first, six
 * folders deep, three answers at most: only asked when no configuration was
 * found, to say what to run instead.
 */
export function findAlembicSetups(files: ProjectFiles, cwd: string): string[] {
  const inis: string[] = [];
  const scriptDirs: { dir: string; nested: boolean }[] = [];
  let level = [cwd];
  for (let depth = 0; depth <= 6 && level.length > 0 && inis.length + scriptDirs.length < 3; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      const listed = files.entries(dir);
      if (listed === undefined) continue;
      const entries: Entry[] = [...listed].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const names = new Set(entries.map((e) => e.name));
      for (const e of entries)
        if (e.file && /^alembic[\w.-]*\.ini$/u.test(e.name)) inis.push(path.join(dir, e.name));
      const versions = entries.find((e) => e.dir && e.name === 'versions');
      if (names.has('env.py') && versions)
        scriptDirs.push({ dir, nested: hasSubfolders(files, path.join(dir, 'versions')) });
      for (const e of entries)
        if (e.dir && !e.name.startsWith('.') && !NOT_SOURCE_DIRS.has(e.name) && e.name !== 'versions')
          next.push(path.join(dir, e.name));
    }
    level = next.length > 500 ? next.slice(0, 500) : next;
  }
  const rel = (p: string): string => path.relative(cwd, p) || '.';
  const iniDirs = new Set(inis.map((i) => path.dirname(i)));
  return [
    ...inis.map((i) =>
      runsFromOwnFolder(files, cwd, i)
        ? `cd ${rel(path.dirname(i))} && alembic-preflight check${path.basename(i) === 'alembic.ini' ? '' : ` -c ${path.basename(i)}`}`
        : `alembic-preflight check -c ${rel(i)}`,
    ),
    // a script folder beside (or under) an ini is that ini's
    ...scriptDirs
      .filter((s) => !iniDirs.has(s.dir) && !iniDirs.has(path.dirname(s.dir)))
      .map(
        (s) =>
          `alembic-preflight check --versions ${rel(path.join(s.dir, 'versions'))}${s.nested ? ' --recursive' : ''}`,
      ),
  ].slice(0, 3);
}

/**
 * The ini's script_location, read as Alembic reads it, reaches its script folder only from the ini's own
 * folder: the project is run from there (`cd migrations && alembic upgrade head`).
 */
function runsFromOwnFolder(files: ProjectFiles, cwd: string, ini: string): boolean {
  const text = files.text(ini);
  if (text === undefined) return false;
  try {
    const location = parseIni(text, path.basename(ini), { here: path.dirname(ini) }).get(
      'alembic',
      'script_location',
    );
    return location !== undefined && scriptFolderBesideIni(files, cwd, ini, location) !== undefined;
  } catch {
    // unreadable, or an ini configparser refuses: the plain -c suggestion, whose error then says why
    return false;
  }
}

function hasSubfolders(files: ProjectFiles, dir: string): boolean {
  return files.entries(dir)?.some((e) => e.dir && e.name !== '__pycache__') === true;
}
