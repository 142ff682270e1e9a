import path from 'node:path';
import type { ProjectConfig } from '../alembic/config/config-types.js';

/**
 * How this app spells the Alembic commands a finding names, so that a fix can be pasted where the
 * tool was run: `flask db VERB` in a Flask-Migrate app (with `-d DIR` where its folder is not the
 * default `migrations`), else `alembic VERB` with `-c INI` where the ini is not ./alembic.ini and
 * `-n NAME` for a section other than [alembic].
 */
export interface AppWords {
  readonly flaskMigrate: boolean;
  /** `alembic -c db/alembic.ini stamp abc123`, `flask db stamp abc123`. */
  readonly alembic: (verb: string, ...args: readonly string[]) => string;
  /** This tool's command on the same project: `alembic-preflight restamp -c db/alembic.ini --from …`. */
  readonly preflight: (verb: string, ...args: readonly string[]) => string;
}

export function appWords(
  config: Pick<ProjectConfig, 'cwd' | 'iniPath' | 'section' | 'flaskMigrate' | 'scriptDir'>,
): AppWords {
  const ini = config.iniPath === undefined ? 'alembic.ini' : path.relative(config.cwd, config.iniPath);
  // -c and -n as Alembic and this tool both take them, where the defaults would not find the project
  const project = [
    ...(ini === 'alembic.ini' ? [] : ['-c', shellWord(ini)]),
    ...(config.section === 'alembic' ? [] : ['-n', shellWord(config.section)]),
  ];
  const preflight = (verb: string, ...args: readonly string[]): string =>
    ['alembic-preflight', verb, ...project, ...args].join(' ');
  if (config.flaskMigrate === true) {
    const dir = path.relative(config.cwd, config.scriptDir) || '.';
    const flags = dir === 'migrations' ? [] : ['-d', shellWord(dir)];
    return {
      flaskMigrate: true,
      preflight,
      // `flask db upgrade` goes to head by itself
      alembic: (verb, ...args) =>
        ['flask db', verb, ...flags, ...(verb === 'upgrade' && args.join(' ') === 'head' ? [] : args)].join(
          ' ',
        ),
    };
  }
  return {
    flaskMigrate: false,
    preflight,
    alembic: (verb, ...args) => ['alembic', ...project, verb, ...args].join(' '),
  };
}

/** A word as a shell reads it back: quoted only where it would not be one word as it is. */
function shellWord(w: string): string {
  return /^[\w./@:+-]+$/u.test(w) ? w : `'${w.replaceAll("'", "'\\''")}'`;
}
