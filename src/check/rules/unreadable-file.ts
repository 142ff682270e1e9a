import path from 'node:path';
import type { ProjectFiles } from '../../project/project-files.js';
import { featuresOf } from '../../alembic/config/alembic-version.js';
import type { ProjectModel } from '../../alembic/loading/project-model.js';
import { hereAnchored, scriptFolderBesideIni } from '../../alembic/config/script-folder-beside-ini.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { envPySource, findingsFromFileProblems } from '../rule-helpers.js';

/** A file Alembic loads cannot be opened: dangling symlink, folder named *.py, no permission, a pipe or device; or env.py is missing. */
export const unreadableFile: Rule = {
  code: 'unreadable-file',
  severity: 'error',
  title: 'a file Alembic loads cannot be read',
  summary:
    'A file Alembic would load cannot be read (dangling symlink, directory, permissions, a pipe or device), or env.py is missing.',
  check({ model, files }) {
    const revisions = findingsFromFileProblems(
      model,
      'unreadable-file',
      'error',
      (_file, p) =>
        p.message.startsWith('ImportError')
          ? 'The file is a symbolic link whose target is gone; remove the link or restore its target.'
          : p.message.startsWith('IsADirectory')
            ? 'Rename the folder so it does not end in .py.'
            : p.message.startsWith('it is ')
              ? 'Remove it from the versions folder, or put the revision file it stands for in its place.'
              : 'Make the file readable by the user that runs Alembic.',
      (file, p) =>
        `${file.path}: ${p.message}${p.message.startsWith('it is ') ? '.' : '. Alembic cannot load it and stops.'}`,
    );
    const env = envPyFinding(model, files);
    return env ? [...revisions, env] : revisions;
  },
};

/**
 * env.py that cannot be loaded. Alembic runs it for every command that touches the database
 * (upgrade, stamp, current), never for heads or history: the graph reads fine and the release's
 * `alembic upgrade head` fails, even with nothing to apply. A compiled env.pyc (beside it or in
 * __pycache__) is what Alembic's load_python_file falls back to, so one of those means no finding.
 */
function envPyFinding(model: ProjectModel, files: ProjectFiles): Finding | undefined {
  // --versions with no configuration: a graph without a script folder, so no env.py to ask for
  if (model.config.scriptLocation === '') return undefined;
  // script_location names a package we cannot find: Alembic stops there (script-location-unresolved), before env.py
  if (model.config.scriptDirUnresolved) return undefined;
  const { abs, rel, outcome } = envPySource(model);
  if (outcome.kind !== 'unreadable' || compiledEnvPy(abs, files)) return undefined;
  const missing = outcome.error.startsWith('ImportError');
  return {
    code: 'unreadable-file',
    severity: 'error',
    message: `${rel}: ${missing ? 'there is no env.py in the script folder' : outcome.error}. Alembic runs env.py for every command that touches the database, so \`alembic upgrade head\` fails here, even with nothing to apply; \`alembic heads\` and \`history\` still work, because they never run it.`,
    hint: missing
      ? (besideIni(model) ??
        `Restore ${rel} (git log --diff-filter=D -- ${rel} finds the commit that removed it; check that .gitignore does not exclude it), or create one with alembic init in a scratch folder and copy it.`)
      : `Make ${rel} a readable file for the user that runs Alembic.`,
    path: rel,
    alembicError: missing
      ? `ImportError: Can't find Python file ${envPyAsAlembicNamesIt(model)}`
      : (outcome.endless ?? outcome.error),
  };
}

/**
 * A relative script_location that reaches env.py from the ini's folder, not from the working folder
 * (`script_location = .` in migrations/alembic.ini, run as `cd migrations && alembic upgrade head`):
 * the script folder is right, the folder Alembic is run from is not.
 */
function besideIni(model: ProjectModel): string | undefined {
  const { scriptLocation, iniPath, cwd, files } = model.config;
  const there = iniPath ? scriptFolderBesideIni(files, cwd, iniPath, scriptLocation) : undefined;
  if (!iniPath || !there) return undefined;
  const from = path.relative(cwd, path.dirname(iniPath)) || '.';
  const ini = path.basename(iniPath);
  return `script_location = ${scriptLocation} is resolved against the folder Alembic runs from, not the ini's: from here it names ${path.relative(cwd, model.config.scriptDir) || '.'}, which has no env.py; from ${from} it names the script folder. Run from there (cd ${from} && alembic${ini === 'alembic.ini' ? '' : ` -c ${ini}`} …; alembic-preflight check${ini === 'alembic.ini' ? '' : ` -c ${ini}`}), or write script_location = ${hereAnchored(iniPath, there)} so that it works from any folder.`;
}

/**
 * The path in Alembic's message: script_location joined with env.py, as os.path.join (before
 * 1.16: ./migrations/ gives ./migrations/env.py) or pathlib (1.16 on: migrations/env.py) does;
 * a package:resource location is the folder it resolved to.
 */
function envPyAsAlembicNamesIt(model: ProjectModel): string {
  const { scriptLocation, scriptDir } = model.config;
  const dir =
    !path.isAbsolute(scriptLocation) && /^[\w.]+:/.test(scriptLocation) ? scriptDir : scriptLocation;
  if (featuresOf(model.alembicVersion).pyproject) return path.posix.join(path.posix.normalize(dir), 'env.py');
  return dir.endsWith('/') ? `${dir}env.py` : `${dir}/env.py`;
}

function compiledEnvPy(abs: string, files: ProjectFiles): boolean {
  if (files.exists(`${abs}c`)) return true;
  return (files.entries(path.join(path.dirname(abs), '__pycache__')) ?? []).some(
    (e) => e.name.startsWith('env.') && e.name.endsWith('.pyc'),
  );
}
