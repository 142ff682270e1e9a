import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import type { ProjectModel } from '../../alembic/loading/project-model.js';
import type { FileProblemOf, ScriptFile } from '../../alembic/loading/script-loader.js';
import { syntaxErrorText } from '../../alembic/loading/file-read-problems.js';
import { nullBytesForPython } from '../../alembic/reading/source-reader.js';
import { envPySource, findingsFromFileProblems } from '../rule-helpers.js';

/** Python cannot compile the file, so Alembic cannot import it: every command fails. */
export const unparseableFile: Rule = {
  code: 'unparseable-file',
  severity: 'error',
  title: 'a file Alembic loads is not valid Python',
  summary: 'A file in a versions folder, or env.py, is not valid Python source.',
  check({ model }) {
    const revisions = findingsFromFileProblems(
      model,
      'unparseable-file',
      'error',
      hintFor,
      (file, p) =>
        `${file.path}: ${pythonSays(p)}. Alembic executes every file it finds, so every command fails here.`,
    );
    const env = envPyProblem(model);
    return env ? [...revisions, env] : revisions;
  },
};

/** Python's error, with its line for a syntax error; the null-byte error's wording depends on the release. */
function pythonSays(p: FileProblemOf<'unparseable-file'>): string {
  if (p.at === 'syntax') return `${p.error} (line ${p.line})`;
  return p.wordingVaries
    ? `${p.error} (Python 3.11.4 and later raise SyntaxError with these words)`
    : p.error;
}

function hintFor(file: ScriptFile, p: FileProblemOf<'unparseable-file'>): string {
  const marker = file.conflictMarkerLine;
  if (marker !== undefined) return conflictHint(marker, file.path);
  if (file.fileName.startsWith('._'))
    return `This is a macOS AppleDouble file; delete it (find . -name '._*' -delete) and add ._* to .gitignore.`;
  if (p.error.includes('cannot contain null bytes')) {
    return `Line ${p.line ?? '?'} holds a NUL byte: the file is binary, or saved as UTF-16. Save it as UTF-8 text, or delete it if it is not a migration.`;
  }
  if (/codec can't decode|encoding/.test(p.error))
    return 'Save the file as UTF-8, or declare the encoding it is saved in on line 1 or 2 (# -*- coding: latin-1 -*-).';
  return `Fix the syntax error at line ${p.line ?? '?'}; Alembic imports every file in the versions folder, so one broken file stops every command.`;
}

/** A file committed in the middle of a merge: the markers, not the code around them, are what Python refuses. */
function conflictHint(line: number, where: string): string {
  return `Line ${line} of ${where} is a merge conflict marker: the file was committed before its merge conflict was resolved. Keep the side you want, delete the marker lines, and run check again.`;
}

/**
 * env.py that Python cannot compile. Alembic runs it for every command that
 * connects (upgrade, downgrade, stamp, current), not for heads or history,
 * so the graph reads fine and the deploy's `alembic upgrade head` fails.
 */
function envPyProblem(model: ProjectModel): Finding | undefined {
  const { rel, outcome } = envPySource(model);
  // a missing env.py is not this rule's; an unreadable one fails the same way
  if (outcome.kind === 'unreadable') return undefined;
  let problem: { message: string; printed: string; line: number };
  if (outcome.kind === 'undecodable') {
    const message = nullBytesForPython(outcome.error, model.config.python);
    problem = { message, printed: message, line: outcome.line };
  } else if (outcome.read.syntaxError) {
    const { error, printed } = syntaxErrorText(outcome.read.syntaxError);
    problem = { message: error, printed, line: outcome.read.syntaxError.line };
  } else return undefined;
  return {
    code: 'unparseable-file',
    severity: 'error',
    title: `env.py does not compile: ${problem.message}`,
    message: `${rel}: ${problem.message} (line ${problem.line}). Alembic runs env.py for every command that touches the database, so \`alembic upgrade head\` fails here; \`alembic heads\` and \`history\` still work, because they never run it.`,
    hint:
      outcome.kind === 'read' && outcome.read.syntaxError?.conflictMarkerLine !== undefined
        ? conflictHint(outcome.read.syntaxError.conflictMarkerLine, rel)
        : `Fix the syntax error at line ${problem.line} of ${rel}, then run \`alembic upgrade head\` against a scratch database to see env.py load.`,
    path: rel,
    line: problem.line,
    alembicError: problem.printed,
  };
}
