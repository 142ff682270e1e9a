import type { Rule } from '../finding.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/** Python cannot compile the file, so Alembic cannot import it: every command fails. */
export const unparseableFile: Rule = {
  code: 'unparseable-file',
  severity: 'error',
  summary: 'A file in a versions folder is not valid Python source.',
  check({ model }) {
    return findingsFromFileProblems(
      model,
      'unparseable-file',
      'error',
      (file, p) =>
        file.fileName.startsWith('._')
          ? `This is a macOS AppleDouble file; delete it (find . -name '._*' -delete) and add ._* to .gitignore.`
          : p.message.includes('Non-UTF-8')
            ? 'Save the file as UTF-8, or declare its encoding on line 1 or 2 (# -*- coding: latin-1 -*-).'
            : `Fix the syntax error at line ${p.line ?? '?'}; Alembic imports every file in the versions folder, so one broken file stops every command.`,
      (file, p) => `${file.path}: ${p.message}. Alembic executes every file it finds, so every command fails here.`,
    );
  },
};
