import { configNoteRule } from '../rule-helpers.js';

/** script_location (or a version location) names a package of the project's src layout, importable only once installed. */
export const scriptLocationNeedsInstall = configNoteRule(
  'script-location-needs-install',
  'warning',
  'script_location (or a version location) names a package in the src layout, which Alembic imports only when the project is installed.',
  'Put the src folder on sys.path: prepend_sys_path = %(here)s/src.',
);
