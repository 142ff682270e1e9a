import type { Rule } from '../finding.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/** A matched file cannot be opened: dangling symlink, folder named *.py, no permission, a pipe or device. */
export const unreadableFile: Rule = {
  code: 'unreadable-file',
  severity: 'error',
  summary: 'A file Alembic would load cannot be read (dangling symlink, directory, permissions, a pipe or device).',
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
            : p.message.startsWith('it is ')
              ? 'Remove it from the versions folder, or put the revision file it stands for in its place.'
              : 'Make the file readable by the user that runs Alembic.',
      (file, p) => `${file.path}: ${p.message}${p.message.startsWith('it is ') ? '.' : '. Alembic cannot load it and stops.'}`,
    );
  },
};
