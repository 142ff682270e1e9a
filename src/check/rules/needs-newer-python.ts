import { newerSyntaxProblem } from '../../alembic/loading/file-read-problems.js';
import type { FileProblemOf } from '../../alembic/loading/script-loader.js';
import type { ProjectModel } from '../../alembic/loading/project-model.js';
import { alembicOutput, envPySource, fileProblems } from '../rule-helpers.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';

/**
 * A migration (or env.py) uses syntax that only a newer Python accepts than
 * the one the project declares: Alembic fails to import it there. With no
 * declared Python, the same use is a warning: which Python runs is unknown.
 */
export const needsNewerPython: Rule = {
  code: 'needs-newer-python',
  severity: 'error',
  title: 'syntax newer than the declared Python',
  summary:
    'A migration or env.py uses syntax newer than the Python the project declares (runtime.txt, .python-version).',
  check({ model }) {
    const out: Finding[] = fileProblems(model, 'needs-newer-python').map(({ file, problem }) => ({
      ...finding(model, file.path, problem),
      revision: file.script?.revision.t === 'str' ? file.script.revision.v : undefined,
    }));
    const { rel, outcome } = envPySource(model);
    if (outcome.kind === 'read' && outcome.read.newer) {
      const problem = newerSyntaxProblem(
        outcome.read.newer,
        model.config.python,
        outcome.read.syntaxError?.line,
      );
      if (problem) out.push(finding(model, rel, problem));
    }
    return out;
  },
};

function finding(model: ProjectModel, file: string, p: FileProblemOf<'needs-newer-python'>): Finding {
  const python = model.config.python;
  return {
    code: 'needs-newer-python',
    severity: p.blocking ? 'error' : 'warning',
    message: `${file}: ${whatFails(p)}.`,
    hint: python
      ? `Rewrite line ${p.line} for Python 3.${python.minor}${tip(p)}, or run the app on a newer Python${python.source.includes('--version') ? ' (declare it in .python-version)' : ` (${python.source})`}.`
      : `Declare the Python the app runs on (a .python-version file holding, say, 3.13; --python-version in CI), or rewrite line ${p.line} for older Pythons${tip(p)}.`,
    path: file,
    line: p.line,
    alembicError: alembicOutput(p.failure),
  };
}

/** The newer syntax, and what the declared Python (or the lack of one) makes of it. */
function whatFails(p: FileProblemOf<'needs-newer-python'>): string {
  const needs = `line ${p.line} uses ${p.feature}, which needs Python 3.${p.since} or later`;
  if (!p.python) {
    return `${needs}. The project declares no Python version (runtime.txt, .python-version or Pipfile.lock), so whether the Python that runs Alembic accepts it cannot be told; Heroku then uses the version cached from an earlier build, or its default`;
  }
  const { text, source, minor } = p.python;
  return `${needs}, and the app runs Python ${text} (${source}): Python 3.${minor} cannot compile this file, so Alembic fails when it loads it${p.syntaxError ? ` (${p.syntaxError})` : ''}`;
}

function tip(p: FileProblemOf<'needs-newer-python'>): string {
  const message = `${p.feature} ${p.syntaxError ?? ''}`;
  if (message.includes('PEP 701'))
    return ` (inside an f-string's braces use the other quote, f"{row['id']}", and no backslash or comment)`;
  if (message.includes('PEP 758')) return ' (parenthesize the exception types: except (A, B):)';
  return '';
}
