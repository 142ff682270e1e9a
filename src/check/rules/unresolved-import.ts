import { importChecker } from '../../alembic/import-resolver.js';
import type { ProjectModel } from '../../alembic/project-model.js';
import type { Finding, Rule } from '../finding.js';
import { envPySource, findingsFromFileProblems } from '../rule-helpers.js';

const RELATIVE = 'ImportError: attempted relative import with no known parent package';

/** A module-level import in a migration or env.py that may not exist where Alembic runs. */
export const unresolvedImport: Rule = {
  code: 'unresolved-import',
  severity: 'warning',
  summary: 'A migration or env.py imports a module that is not in the repository, the standard library or the declared requirements.',
  check({ model }) {
    return [
      ...findingsFromFileProblems(
        model,
        'unresolved-import',
        'warning',
        (_file, problem) =>
          problem.hint ??
          'Declare the package in requirements.txt (or pyproject.toml), or move the import inside upgrade()/downgrade() so it only runs when that migration does. Migrations that import application code break when that code changes later.',
      ),
      ...envPyImports(model),
    ];
  },
};

/**
 * env.py's module-level imports, checked as a migration's are. Alembic runs env.py for every
 * command that connects (not for `heads` or `history`), so a missing package there fails the
 * release's `alembic upgrade head` while the graph looks fine: python-dotenv installed on a
 * developer's machine and missing from requirements.txt is the usual case.
 */
function envPyImports(model: ProjectModel): Finding[] {
  const { rel, outcome } = envPySource(model);
  // a missing, unreadable or broken env.py is another rule's finding
  if (outcome.kind !== 'read' || outcome.read.syntaxError || outcome.read.imports.length === 0) return [];
  const importable = importChecker(model.config);
  const runs = 'Alembic runs env.py for every command that connects (upgrade, downgrade, stamp, current; not heads or history)';
  const out: Finding[] = [];
  for (const imp of outcome.read.imports) {
    const base = { code: 'unresolved-import', path: rel, line: imp.line };
    if (imp.level > 0) {
      out.push({
        ...base,
        severity: 'error',
        message: `${rel}:${imp.line}: env.py uses a relative import (from ${'.'.repeat(imp.level)}${imp.module} import …). ${runs}, and loads it as a top-level module, so this always fails: ${RELATIVE}.`,
        hint: `Import by the package's full name (from myapp.models import Base) and put its parent folder on the path with prepend_sys_path in the [${model.config.section}] section.`,
        alembicError: RELATIVE,
      });
      continue;
    }
    const found = importable(imp.module);
    if (found === true) continue;
    const fails = `they fail with ModuleNotFoundError: No module named '${imp.module}'`;
    out.push(
      found.elsewhere
        ? {
            ...base,
            severity: 'warning',
            message: `${rel}:${imp.line}: env.py imports ${imp.module}, which the repository has at ${found.elsewhere.path}, but not on Python's path where Alembic runs (the working folder, the ini's folder, prepend_sys_path) and not as a declared requirement. ${runs}: unless something puts that folder's parent on sys.path first (PYTHONPATH), ${fails}.`,
            hint: `Put it on Alembic's path: prepend_sys_path = ${found.elsewhere.prepend} in the [${model.config.section}] section (or PYTHONPATH).`,
          }
        : {
            ...base,
            severity: 'warning',
            message: `${rel}:${imp.line}: env.py imports ${imp.module}, which is not in the standard library, not in this repository and not declared in requirements.txt, pyproject.toml or a lock file. ${runs}; if ${imp.module} is missing where the release runs, ${fails}, while alembic heads still works.`,
            hint: `Declare the package that provides ${imp.module} in requirements.txt (or pyproject.toml), so the deploy installs it.`,
          },
    );
  }
  return out;
}
