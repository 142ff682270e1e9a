import { runFunctionImports } from '../../alembic/env/env-setup-facts.js';
import { declaredFor, importChecker } from '../../alembic/reading/import-resolver.js';
import type { ProjectModel } from '../../alembic/loading/project-model.js';
import type { FileProblemOf, ScriptFile } from '../../alembic/loading/script-loader.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { envPySource, envPyText, fileProblems, findingsFromFileProblems } from '../rule-helpers.js';

const RELATIVE = 'ImportError: attempted relative import with no known parent package';

const DECLARE_OR_MOVE =
  'Declare the package in requirements.txt (or pyproject.toml), or move the import inside upgrade()/downgrade() so it only runs when that migration does. Migrations that import application code break when that code changes later.';

/** A module-level import in a migration, or an import env.py runs, that may not exist where Alembic runs. */
export const unresolvedImport: Rule = {
  code: 'unresolved-import',
  severity: 'warning',
  title: 'an import is in no file, library or requirement',
  summary:
    'A migration or env.py imports a module that is not in the repository, the standard library or the declared requirements.',
  check({ model }) {
    const problems = fileProblems(model, 'unresolved-import');
    const each = findingsFromFileProblems(
      model,
      'unresolved-import',
      'warning',
      revisionHint,
      revisionMessage,
    );
    // one finding per module: the why and the fix once, every other line that imports it listed
    const groups = new Map<string, number[]>();
    problems.forEach(({ problem }, i) => {
      const key = `${problem.level}:${problem.module}:${problem.elsewhere?.path ?? ''}:${each[i]!.severity}`;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    // each finding about a package nothing declares, with its module and how many lines import it
    const undeclared = new Map<Finding, { module: string; places: number }>();
    const findings = [...groups.values()].map((at) => {
      const f = withOtherLines(
        each[at[0]!]!,
        at.slice(1).map((i) => each[i]!),
      );
      const module = problems[at[0]!]!.problem.undeclared;
      if (module !== undefined) undeclared.set(f, { module, places: at.length });
      return f;
    });
    const out = [...findings, ...envPyImports(model, undeclared)];
    if (undeclared.size === 0 || declaredFor(model.config).size > 0) return out;
    return [
      ...out.filter((f) => !undeclared.has(f)),
      nothingDeclared(
        out.filter((f) => undeclared.has(f)),
        undeclared,
      ),
    ];
  },
};

/** The first line's finding, saying which other lines import the same module (their why and fix are the same). */
function withOtherLines(first: Finding, others: readonly Finding[]): Finding {
  if (others.length === 0) return first;
  const shown = others.slice(0, OTHER_LINES_SHOWN).map((f) => `${f.path}:${f.line}`);
  const more = others.length - shown.length;
  return {
    ...first,
    message: `${first.message} The same import is on ${others.length} other line${others.length === 1 ? '' : 's'}: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}.`,
  };
}

/** How many of the other lines importing one module a finding names (JSON lists no more either). */
const OTHER_LINES_SHOWN = 20;

function revisionHint(_file: ScriptFile, { elsewhere }: FileProblemOf<'unresolved-import'>): string {
  if (!elsewhere) return DECLARE_OR_MOVE;
  return `Put it on Alembic's path: prepend_sys_path = ${elsewhere.prepend} in the [alembic] section (or PYTHONPATH). Better still, move the import inside upgrade()/downgrade() so it only runs when that migration does: migrations that import application code break when that code changes later.`;
}

function revisionMessage(
  file: ScriptFile,
  { module, level, elsewhere }: FileProblemOf<'unresolved-import'>,
): string {
  if (level > 0)
    return `${file.path}: uses a relative import (from ${'.'.repeat(level)}${module} import …). Alembic loads migration files as top-level modules, so this always fails: ${RELATIVE}.`;
  const fails = `every command fails with ModuleNotFoundError: No module named '${module}'`;
  if (elsewhere) {
    return `${file.path}: imports ${module}, which the repository has at ${elsewhere.path}, but not on Python's path where Alembic runs (the working folder, the ini's folder, prepend_sys_path) and not as a declared requirement. Alembic executes this import when it loads the file: unless something puts that folder's parent on sys.path first (the application, PYTHONPATH), ${fails}.`;
  }
  return `${file.path}: imports ${module}, which is not in the standard library, not in this repository and not declared in requirements.txt, pyproject.toml or a lock file. Alembic executes this import when it loads the file; if ${module} is missing there, ${fails}.`;
}

/**
 * A project that declares no dependency in any file read here (packit-service installs its
 * packages with Ansible): each third-party import would be a warning of its own, and none of them
 * can be checked. One info names them instead.
 */
function nothingDeclared(
  found: readonly Finding[],
  undeclared: ReadonlyMap<Finding, { module: string; places: number }>,
): Finding {
  const modules = [...new Set(found.map((f) => undeclared.get(f)!.module))];
  const places = found.reduce((n, f) => n + undeclared.get(f)!.places, 0);
  const first = found[0]!;
  const where = `${first.path}:${first.line}`;
  return {
    code: 'unresolved-import' as const,
    severity: 'info',
    message: `${where}: ${modules.length === 1 ? `${modules[0]}, imported ${places === 1 ? 'by a migration or env.py' : `in ${places} places`}, is` : `${modules.length} modules imported by migrations or env.py (${modules.slice(0, 12).join(', ')}${modules.length > 12 ? ', …' : ''}) are`} neither in the standard library nor in this repository, and the project declares no dependencies in a file alembic-preflight reads (requirements*.txt, pyproject.toml, setup.cfg's install_requires, setup.py, a lock file). Whether they are installed where Alembic runs cannot be checked; one that is missing there fails every command with ModuleNotFoundError.`,
    hint: "Declare the dependencies in requirements.txt or pyproject.toml (Heroku's Python buildpack needs one of them, or a lock file, to install anything); each import is then checked against them.",
    path: first.path,
    ...(first.line !== undefined ? { line: first.line } : {}),
  };
}

/**
 * env.py's module-level imports, checked as a migration's are. Alembic runs env.py for every
 * command that connects (not for `heads` or `history`), so a missing package there fails the
 * release's `alembic upgrade head` while the graph looks fine: python-dotenv installed on a
 * developer's machine and missing from requirements.txt is the usual case.
 */
function envPyImports(
  model: ProjectModel,
  undeclared: Map<Finding, { module: string; places: number }>,
): Finding[] {
  const { rel, outcome } = envPySource(model);
  // a missing, unreadable or broken env.py is another rule's finding
  if (outcome.kind !== 'read' || outcome.read.syntaxError) return [];
  // imports inside the functions an online upgrade calls run as surely as module-level ones; one module once
  const all: { module: string; level: number; line: number; fn?: string }[] = [...outcome.read.imports];
  const seen = new Set(all.map((i) => `${i.level}:${i.module}`));
  const text = envPyText(model);
  // the tokenizing is skipped for the usual env.py, whose imports are all at the top
  if (text !== undefined && /^[ \t]+(?:from|import)\s/mu.test(text)) {
    for (const imp of runFunctionImports(text)) {
      const key = `${imp.level}:${imp.module}`;
      if (seen.has(key)) continue;
      seen.add(key);
      all.push(imp);
    }
  }
  if (all.length === 0) return [];
  const importable = importChecker(model.config);
  const out: Finding[] = [];
  for (const imp of all) {
    const base = { code: 'unresolved-import' as const, path: rel, line: imp.line };
    const runs = `Alembic runs env.py for every command that connects (upgrade, downgrade, stamp, current; not heads or history)${imp.fn === undefined ? '' : `, and ${imp.fn}() with it`}`;
    const where = imp.fn === undefined ? '' : ` inside ${imp.fn}()`;
    if (imp.level > 0) {
      out.push({
        ...base,
        severity: 'error',
        message: `${rel}:${imp.line}: env.py uses a relative import${where} (from ${'.'.repeat(imp.level)}${imp.module} import …). ${runs}, and loads it as a top-level module, so this always fails: ${RELATIVE}.`,
        hint: `Import by the package's full name (from myapp.models import Base) and put its parent folder on the path with prepend_sys_path in the [${model.config.section}] section.`,
        alembicError: RELATIVE,
      });
      continue;
    }
    const found = importable(imp.module);
    if (found === true) continue;
    const fails = `they fail with ModuleNotFoundError: No module named '${imp.module}'`;
    const finding: Finding = found.elsewhere
      ? {
          ...base,
          severity: 'warning',
          message: `${rel}:${imp.line}: env.py imports ${imp.module}${where}, which the repository has at ${found.elsewhere.path}, but not on Python's path where Alembic runs (the working folder, the ini's folder, prepend_sys_path) and not as a declared requirement. ${runs}: unless something puts that folder's parent on sys.path first (PYTHONPATH), ${fails}.`,
          hint: `Put it on Alembic's path: prepend_sys_path = ${found.elsewhere.prepend} in the [${model.config.section}] section (or PYTHONPATH).`,
        }
      : {
          ...base,
          severity: 'warning',
          message: `${rel}:${imp.line}: env.py imports ${imp.module}${where}, which is not in the standard library, not in this repository and not declared in requirements.txt, pyproject.toml or a lock file. ${runs}; if ${imp.module} is missing where the release runs, ${fails}, while alembic heads still works.`,
          hint: `Declare the package that provides ${imp.module} in requirements.txt (or pyproject.toml), so the deploy installs it.`,
        };
    if (!found.elsewhere) undeclared.set(finding, { module: imp.module, places: 1 });
    out.push(finding);
  }
  return out;
}
