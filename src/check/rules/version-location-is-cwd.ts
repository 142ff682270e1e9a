import type { Rule } from '../finding.js';

/** version_locations has an empty entry, which Alembic turns into the current directory. */
export const versionLocationIsCwd: Rule = {
  code: 'version-location-is-cwd',
  severity: 'error',
  summary: 'version_locations has an empty entry, which Alembic turns into the current directory.',
  check({ model }) {
    return model.config.notes
      .filter((n) => n.code === 'version-location-is-cwd')
      .map((n) => ({
        code: 'version-location-is-cwd',
        severity: 'error' as const,
        message: n.message,
        hint: 'Remove the trailing or doubled separator from version_locations (or set path_separator = os and separate with :).',
        path: n.path,
        line: n.line,
        alembicError: n.alembicError,
      }));
  },
};
