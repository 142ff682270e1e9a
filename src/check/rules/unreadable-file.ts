import type { Rule } from '../finding.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/** A matched file cannot be opened: dangling symlink, folder named *.py, no permission. */
export const unreadableFile: Rule = {
  code: 'unreadable-file',
  severity: 'error',
  summary: 'A file Alembic would load cannot be read (dangling symlink, directory, permissions).',
  check({ model }) {
    return findingsFromFileProblems(
      model,
      'unreadable-file',
      'error',
      (_file, p) =>
        p.message.startsWith('ImportError')
          ? 'The file is a symbolic link whose target is gone; remove the link or restore its target.'
          : p.message.startsWith('IsADirectory')
            ? 'Rename the folder so it does not end in .py.'
            : 'Make the file readable by the user that runs Alembic.',
      (file, p) => `${file.path}: ${p.message}. Alembic cannot load it and stops.`,
    );
  },
};
