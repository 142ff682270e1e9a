import type { Rule } from '../rule.js';

/** Alembic executes dot-files such as .old.py (only .#* Emacs locks are skipped). */
export const hiddenRevisionFile: Rule = {
  code: 'hidden-revision-file',
  severity: 'warning',
  title: 'a hidden file is loaded as a migration',
  summary: 'A hidden file (.name.py) in a versions folder is loaded as a migration.',
  check({ model }) {
    return model.files
      .filter((f) => f.fileName.startsWith('.'))
      .map((f) => ({
        code: 'hidden-revision-file',
        severity: 'warning' as const,
        message: `${f.path} is a hidden file, but Alembic still executes it as a migration${f.script ? ` (revision ${f.script.revision.t === 'str' ? f.script.revision.v : '?'})` : ''}.`,
        hint: 'Delete it or move it out of the versions folder; editors and macOS leave such files behind.',
        path: f.path,
      }));
  },
};
