import { configNoteRule } from '../rule-helpers.js';

/** script_location (or a version location) names a package of the project's src layout, importable only once installed. */
export const scriptLocationNeedsInstall = configNoteRule(
  'script-location-needs-install',
  'warning',
  'script_location needs the project installed',
  'script_location (or a version location) names a package in the src layout, which Alembic imports only when the project is installed.',
  'Put the src folder on sys.path: prepend_sys_path = %(here)s/src.',
  ({ what, value, pkg, srcRoot, project, prepend }) => {
    const where =
      prepend.section !== undefined
        ? `prepend_sys_path = ${prepend.value} in [${prepend.section}] of ${prepend.file}`
        : `prepend_sys_path = ["${prepend.value}"] in [tool.alembic] of ${prepend.file}`;
    return {
      message: `${what} ${JSON.stringify(value)} names the package ${pkg}, which is in ${srcRoot}/, the src layout of the project ${project === '.' ? 'here' : `in ${project}/`}. Read from there; but Alembic imports it only when the project is installed into the environment (\`pip install .\`, \`uv sync\`, \`poetry install\`) or ${srcRoot}/ is on sys.path.`,
      hint: `Make the import independent of the install: ${where} (or install the project in the release environment and ignore this finding with that reason).`,
    };
  },
);
