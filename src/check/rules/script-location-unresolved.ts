import type { Rule } from '../finding.js';

/** script_location (or a version location) names a package whose folder is not in the repository. */
export const scriptLocationUnresolved: Rule = {
  code: 'script-location-unresolved',
  severity: 'error',
  summary: 'script_location (or a version location) names a package whose folder is not in the repository.',
  check({ model }) {
    return model.config.notes
      .filter((n) => n.code === 'script-location-unresolved')
      .map((n) => ({
        code: 'script-location-unresolved',
        severity: 'error' as const,
        message: n.message,
        hint: 'Use a plain path (script_location = %(here)s/migrations) or run from the folder that holds the package (prepend_sys_path decides where Alembic looks).',
        path: n.path,
        line: n.line,
        alembicError: n.alembicError,
      }));
  },
};
