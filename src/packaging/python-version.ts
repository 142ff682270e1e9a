import path from 'node:path';
import type { ProjectFiles } from '../project/project-files.js';

/** The Python the project says it runs on: what decides which syntax its migrations may use. */
export interface DeclaredPython {
  /** The minor version of Python 3 (11 for 3.11). */
  readonly minor: number;
  /** As written: "3.11.9". */
  readonly text: string;
  /** Where it was declared: "runtime.txt", ".python-version", "Pipfile.lock", "--python-version". */
  readonly source: string;
}

const VERSION = /^3\.(\d{1,2})(?:\.\d+)?$/u;

/** A version given as 3.X or 3.X.Y; null when it is not one. */
export function parsePythonVersion(text: string, source: string): DeclaredPython | null {
  const m = VERSION.exec(text.trim());
  return m ? { minor: Number(m[1]), text: text.trim(), source } : null;
}

/**
 * The version Heroku's Python buildpack would install, read as it reads it
 * (runtime.txt, then .python-version, then Pipfile.lock's
 * python_full_version or python_version); null when none declares one, or the
 * declaration is not a Python 3 version the buildpack accepts.
 */
export function detectPythonVersion(files: ProjectFiles, cwd: string): DeclaredPython | null {
  const readText = (file: string): string | null => files.text(file) ?? null;
  const runtime = readText(path.join(cwd, 'runtime.txt'));
  if (runtime !== null) {
    const m = /^\s*python-(\S+)\s*$/u.exec(runtime);
    return m ? parsePythonVersion(m[1]!, 'runtime.txt') : null;
  }
  const file = readText(path.join(cwd, '.python-version'));
  if (file !== null) {
    const lines = file.split(/\r?\n/u).filter((l) => !/^\s*(#.*)?$/u.test(l));
    return lines.length === 1 ? parsePythonVersion(lines[0]!, '.python-version') : null;
  }
  const lock = readText(path.join(cwd, 'Pipfile.lock'));
  if (lock !== null) {
    try {
      const requires = (
        JSON.parse(lock) as {
          _meta?: { requires?: { python_full_version?: unknown; python_version?: unknown } };
        }
      )._meta?.requires;
      const v = requires?.python_full_version ?? requires?.python_version;
      return typeof v === 'string' ? parsePythonVersion(v, 'Pipfile.lock') : null;
    } catch {
      return null;
    }
  }
  return null;
}
