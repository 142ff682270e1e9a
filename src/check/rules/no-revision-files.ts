import type { ProjectConfig } from '../../alembic/config/alembic-config.js';
import type { Rule } from '../rule.js';

/** No revision file at all: nothing to check, and a stamped database cannot be located. */
export const noRevisionFiles: Rule = {
  code: 'no-revision-files',
  severity: 'warning',
  title: 'the version locations hold no revision files',
  summary: 'The version locations hold no revision files.',
  check({ model }) {
    // an unresolved script_location already says why nothing was found, as an error
    if (model.files.length > 0 || model.config.notes.some((n) => n.code === 'script-location-unresolved'))
      return [];
    const where = model.config.versionLocations.map((l) => l.configured).join(', ') || '(none)';
    const others = otherScriptSections(model.config);
    const also =
      others.length > 0
        ? ` This alembic.ini also configures ${others.map((s) => `[${s}]`).join(', ')} with a script_location of its own: if that is the project, check it with -n ${others[0]} (Alembic: alembic -n ${others[0]} …).`
        : '';
    const elsewhere = model.revisionsElsewhere ?? [];
    if (elsewhere.length > 0) {
      const listed =
        elsewhere.slice(0, 5).join(', ') + (elsewhere.length > 5 ? `, and ${elsewhere.length - 5} more` : '');
      return [
        {
          code: 'no-revision-files',
          severity: 'error',
          // only the user can say where the revisions are: a configuration error, exit 2
          configuration: true,
          title: `no revision files in ${where}, but ${listed} ${elsewhere.length === 1 ? 'holds' : 'hold'} some`,
          message: `No revision files were found in ${where}, yet ${listed} ${elsewhere.length === 1 ? 'holds files that read' : 'hold files that read'} like Alembic revisions (module-level revision and down_revision). The folder read is not the one the migrations are in (env.py may set version_locations at run time, or the ini names another folder): nothing here can be checked, and no stamp or placeholder may be suggested for revisions that exist unread.`,
          hint: `Point the check at the revisions: --versions ${elsewhere[0]} (repeatable), or set version_locations in the [alembic] section to what env.py sets.${also}`,
        },
      ];
    }
    return [
      {
        code: 'no-revision-files',
        severity: 'warning',
        message: `No revision files were found in ${where}. \`alembic upgrade head\` does nothing here, and a database stamped with any revision fails with "Can't locate revision identified by …".`,
        hint: `Check script_location / version_locations (and recursive_version_locations if revisions live in subfolders), or pass --versions DIR.${also}`,
      },
    ];
  },
};

/** The ini's other sections that set script_location (one ini, several Alembic environments: `alembic -n pv`). */
function otherScriptSections(config: ProjectConfig): string[] {
  const ini = config.ini;
  if (!ini) return [];
  return [...ini.sections.keys()].filter((s) => {
    // a [DEFAULT] script_location reaches every section: only a section's own line counts
    if (s === config.section || !ini.sections.get(s)!.has('script_location')) return false;
    try {
      return Boolean(ini.get(s, 'script_location'));
    } catch {
      return false;
    }
  });
}
