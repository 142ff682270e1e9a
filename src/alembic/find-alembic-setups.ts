import { existsSync, readdirSync, readFileSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { NOT_SOURCE_DIRS } from './project-folders.js';

/**
 * Where below `cwd` an Alembic setup lives, as the commands that point
 * alembic-preflight at it: `alembic-preflight check -c path/alembic.ini` for each
 * ini (`cd path && alembic-preflight check` when its relative script_location
 * only resolves from the ini's folder), and `--versions path [--recursive]` for a
 * script folder (env.py beside versions/) that no ini names. Breadth first, six
 * folders deep, three answers at most: only asked when no configuration was
 * found, to say what to run instead.
 */
export function findAlembicSetups(cwd: string): string[] {
  const inis: string[] = [];
  const scriptDirs: { dir: string; nested: boolean }[] = [];
  let level = [cwd];
  for (let depth = 0; depth <= 6 && level.length > 0 && inis.length + scriptDirs.length < 3; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const names = new Set(entries.map((e) => e.name));
      for (const e of entries) if (e.isFile() && /^alembic[\w.-]*\.ini$/u.test(e.name)) inis.push(path.join(dir, e.name));
      const versions = entries.find((e) => e.isDirectory() && e.name === 'versions');
      if (names.has('env.py') && versions) scriptDirs.push({ dir, nested: hasSubfolders(path.join(dir, 'versions')) });
      for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.') && !NOT_SOURCE_DIRS.has(e.name) && e.name !== 'versions') next.push(path.join(dir, e.name));
    }
    level = next.length > 500 ? next.slice(0, 500) : next;
  }
  const rel = (p: string): string => path.relative(cwd, p) || '.';
  const iniDirs = new Set(inis.map((i) => path.dirname(i)));
  return [
    ...inis.map((i) => (runsFromOwnFolder(cwd, i) ? `cd ${rel(path.dirname(i))} && alembic-preflight check${path.basename(i) === 'alembic.ini' ? '' : ` -c ${path.basename(i)}`}` : `alembic-preflight check -c ${rel(i)}`)),
    // a script folder beside (or under) an ini is that ini's
    ...scriptDirs.filter((s) => !iniDirs.has(s.dir) && !iniDirs.has(path.dirname(s.dir))).map((s) => `alembic-preflight check --versions ${rel(path.join(s.dir, 'versions'))}${s.nested ? ' --recursive' : ''}`),
  ].slice(0, 3);
}

/**
 * The ini's relative script_location names a script folder (env.py) from the ini's folder and none from cwd
 * (`script_location = .` or `alembic` in migrations/alembic.ini): Alembic resolves
 * it against the folder it runs in, so the project is run from the ini's folder (`cd migrations && alembic
 * upgrade head`). The value is read line by line, which is enough for a suggestion.
 */
function runsFromOwnFolder(cwd: string, ini: string): boolean {
  let text: string;
  try {
    text = readFileSync(ini, 'utf8');
  } catch {
    return false;
  }
  let section = '';
  for (const line of text.split(/\r?\n/u)) {
    const header = /^\[([^\]]*)\]/u.exec(line);
    if (header) section = header[1]!;
    const m = section === 'alembic' ? /^script_location\s*[=:](.*)$/u.exec(line) : null;
    if (!m) continue;
    const loc = m[1]!.trim();
    if (loc === '' || path.isAbsolute(loc) || /[%:$]/u.test(loc)) return false;
    return !existsSync(path.join(path.resolve(cwd, loc), 'env.py')) && existsSync(path.join(path.resolve(path.dirname(ini), loc), 'env.py'));
  }
  return false;
}

function hasSubfolders(dir: string): boolean {
  try {
    return readdirSync(dir, { withFileTypes: true }).some((e) => e.isDirectory() && e.name !== '__pycache__');
  } catch {
    return false;
  }
}
