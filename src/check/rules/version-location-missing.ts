import type { Rule } from '../finding.js';

/** A version_locations entry does not exist; Alembic skips it silently. */
export const versionLocationMissing: Rule = {
  code: 'version-location-missing',
  severity: 'warning',
  summary: 'A version_locations entry does not exist; Alembic skips it silently.',
  check({ model }) {
    return model.config.notes
      .filter((n) => n.code === 'version-location-missing')
      .map((n) => ({
        code: 'version-location-missing',
        severity: 'warning' as const,
        message: n.message,
        hint: 'Fix the path (relative paths are resolved against the current directory; use %(here)s/...) or remove the entry.',
        path: n.path,
        line: n.line,
        alembicError: n.alembicError,
      }));
  },
};
