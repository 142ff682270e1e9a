import path from 'node:path';
import type { ProjectFiles } from '../../project/project-files.js';
import { findAlembicSetups } from './find-alembic-setups.js';
import { hereAnchored, scriptFolderBesideIni } from './script-folder-beside-ini.js';
import { declaredImports } from '../../packaging/declared-imports.js';
import { projectFolders } from '../../packaging/project-folders.js';

// The exact fix for a script_location or version_locations entry that is not there: the case of a
// name, a Windows backslash, the folder it was written for, or the setups below this folder.

/** What to run instead, when this folder has no configuration: the setups found below it. */
export function notHereHint(files: ProjectFiles, cwd: string): string {
  const found = findAlembicSetups(files, cwd);
  if (found.length === 0)
    return 'Run alembic-preflight from the folder that holds alembic.ini, or pass it with -c path/to/alembic.ini (or name the revision folder with --versions DIR).';
  if (found.length === 1) return `This folder has no Alembic configuration, but below it: ${found[0]}.`;
  // alternatives, one command a line: joined on one line they would read (and paste) as one shell command
  return `This folder has no Alembic configuration; below it are ${found.length} setups, one command for each:\n${found.join('\n')}`;
}

/**
 * A relative path that does not exist but names folders that do when the case is ignored
 * (`app/db/migrations` for `App/DB/migrations`): the path as the folders spell it, else undefined.
 */
function otherCase(files: ProjectFiles, value: string, cwd: string): string | undefined {
  if (path.isAbsolute(value) || value.includes('%')) return undefined;
  const parts = value.split('/').filter((p) => p !== '' && p !== '.');
  let dir = cwd;
  const spelt: string[] = [];
  for (const part of parts) {
    if (part === '..') {
      dir = path.dirname(dir);
      spelt.push(part);
      continue;
    }
    const names = files.entries(dir)?.map((e) => e.name);
    if (names === undefined) return undefined;
    const match = names.includes(part) ? part : names.find((n) => n.toLowerCase() === part.toLowerCase());
    if (match === undefined) return undefined;
    spelt.push(match);
    dir = path.join(dir, match);
  }
  const result = spelt.join('/');
  return result !== parts.join('/') ? result : undefined;
}

/** otherCase for a value as written: `%(here)s/…` is looked up from the ini's folder and given back with `%(here)s`. */
export function otherCaseWritten(
  files: ProjectFiles,
  written: string | undefined,
  value: string,
  cwd: string,
  iniPath: string,
): string | undefined {
  if (written?.startsWith('%(here)s/')) {
    const cased = otherCase(files, written.slice('%(here)s/'.length), path.dirname(iniPath));
    return cased === undefined ? undefined : `%(here)s/${cased}`;
  }
  return otherCase(files, value, cwd);
}

export function caseAdvice(what: string, cased: string): string {
  const option = what.startsWith('the entry') ? `${what} as ${cased}` : `${what} = ${cased}`;
  return `File names differ by case only. Linux, where Heroku runs Alembic, tells the cases apart (macOS and Windows do not): write ${option}.`;
}

/** A path written with Windows backslashes that exists with forward slashes: its forward-slashed form, else undefined. */
export function forwardSlashed(files: ProjectFiles, value: string, cwd: string): string | undefined {
  if (!value.includes('\\')) return undefined;
  const slashed = value.replaceAll('\\', '/');
  return files.exists(path.resolve(cwd, slashed)) ? slashed : undefined;
}

export function backslashAdvice(option: string, slashed: string): string {
  return `A backslash is no path separator on Linux, where Heroku runs Alembic (it is part of the folder's name): write ${option} = ${slashed}, which Windows reads too.`;
}

export function displayDir(p: string): string {
  return p;
}

/** A folder and those above it in its repository (outside one, its parent too): where a path written elsewhere may point. */
function searchBases(files: ProjectFiles, dir: string): string[] {
  const chain = projectFolders(files, dir);
  return chain.length > 1 || files.exists(path.join(dir, '.git')) ? chain : [dir, path.dirname(dir)];
}

/**
 * For a script_location that is not there: the folder above this one it is written for (run from there,
 * or anchor it with %(here)s), else folders near the ini that look like Alembic script folders.
 */
export function suggestScriptLocation(
  files: ProjectFiles,
  cwd: string,
  iniPath: string,
  configured: string,
  written?: string,
): string {
  const iniDir = path.dirname(iniPath);
  const here = (dir: string): string => hereAnchored(iniPath, dir);
  if (path.isAbsolute(configured)) {
    // a path of another machine (a container image's /app/...): its longest tail that is a script folder here
    const parts = configured.split(/[\\/]/u).filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      for (const base of searchBases(files, iniDir)) {
        const dir = path.resolve(base, ...parts.slice(i));
        if (!files.exists(path.join(dir, 'env.py'))) continue;
        // %(here)s made it absolute: the user wrote a path relative to the ini, one level off
        if (written?.includes('%(here)s')) {
          return `${written} is resolved against the ini's own folder (${path.relative(cwd, iniDir) || 'this folder'}), and there is no such folder there; the one holding env.py is ${path.relative(cwd, dir) || 'this folder'}. Write script_location = ${here(dir)}.`;
        }
        return `${configured} is an absolute path, so it works only where that path exists (inside a container image, say); in this checkout it is ${path.relative(cwd, dir) || 'this folder'}. Write script_location = ${here(dir)}, which finds it wherever the repository is, the image included.`;
      }
    }
  } else {
    // written relative to the folder Alembic is usually run from (the repository root, an ini in a subfolder)
    for (const base of searchBases(files, cwd).slice(1)) {
      const dir = path.resolve(base, configured);
      if (!files.exists(path.join(dir, 'env.py'))) continue;
      const from = path.relative(cwd, base);
      const ini = path.relative(base, iniPath);
      return `From ${from} it names ${path.relative(cwd, dir) || 'this folder'}, which holds env.py: a relative script_location is resolved against the folder Alembic runs from, not the ini's. Run from there (cd ${from} && alembic -c ${ini} …; alembic-preflight check -c ${ini}), or write script_location = ${here(dir)} so that it works from any folder.`;
    }
  }
  const found: string[] = [];
  for (const base of [...new Set([cwd, iniDir])]) {
    for (const cand of ['migrations', 'alembic', 'migration', 'db/migrations', 'app/migrations']) {
      if (files.exists(path.join(base, cand, 'env.py')))
        found.push(path.relative(cwd, path.join(base, cand)) || '.');
    }
  }
  // %(here)s only helps when the path is written relative to the ini's folder
  const besideIni = scriptFolderBesideIni(files, cwd, iniPath, configured);
  const rel = besideIni
    ? ` A relative script_location is resolved against the current directory, not the ini file; script_location = ${here(besideIni)} makes it independent of where you run from.`
    : '';
  return found.length > 0
    ? `Did you mean script_location = ${found[0]}? (found an env.py there).${rel}`
    : `Point script_location at the folder that holds env.py.${rel}`;
}

/** A folder holding the env.py that Flask-Migrate runs: its template reads the app through flask.current_app. */
export function isFlaskMigrateDir(files: ProjectFiles, dir: string, cwd: string): boolean {
  const text = files.text(path.join(dir, 'env.py'));
  if (text === undefined) return false;
  // a line's first `from flask import` only: retrying from each one on a long line is quadratic
  if (
    /^(?:(?!\bfrom flask import\b)[^\n\r\u2028\u2029])*\bfrom flask import\b[^\n\r\u2028\u2029]*\bcurrent_app\b/m.test(
      text,
    ) &&
    /current_app\.extensions\[\s*['"]migrate['"]\s*\]/.test(text)
  )
    return true;
  // an env.py rewritten to build the app itself (ghostportal's create_app()) has lost the template's
  // lines, but `flask db` still runs it; the project's declared Flask-Migrate says so
  return declaredImports(files, cwd).has('flask_migrate');
}
