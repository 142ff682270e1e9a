import { configNoteRule } from '../rule-helpers.js';

/** script_location (or a version location) names a package whose folder is not in the repository. */
export const scriptLocationUnresolved = configNoteRule(
  'script-location-unresolved',
  'error',
  'script_location names a package not here',
  'script_location (or a version location) names a package whose folder is not in the repository.',
  'Use a plain path (script_location = %(here)s/migrations) or run from the folder that holds the package (prepend_sys_path decides where Alembic looks).',
  ({ what, value, pkg, above, looked }) => {
    const why =
      above !== undefined
        ? `which is not importable from this folder: the package is in ${above}. Run from there (Alembic needs the same), or install the package into the environment`
        : `whose folder is not in this repository (looked in ${looked.join(', ')})`;
    return { message: `${what} ${JSON.stringify(value)} names the package ${pkg}, ${why}.` };
  },
);
