import path from 'node:path';
import type { ProjectConfig } from '../alembic/config/config-types.js';
import { shellQuote } from '../deploy/shell-words.js';

/**
 * How this app spells the Alembic commands a finding names, so that a fix can be pasted where the
 * tool was run: `flask db VERB` in a Flask-Migrate app (with `-d DIR` where its folder is not the
 * default `migrations`), else `alembic VERB` with `-c INI` where the ini is not ./alembic.ini and
 * `-n NAME` for a section other than [alembic].
 */
export interface AppWords {
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
    ...(ini === 'alembic.ini' ? [] : ['-c', shellQuote(ini)]),
    ...(config.section === 'alembic' ? [] : ['-n', shellQuote(config.section)]),
  ];
  const preflight = (verb: string, ...args: readonly string[]): string =>
    ['alembic-preflight', verb, ...project, ...args].join(' ');
  const flask = config.flaskMigrate === true;
  const dir = flask ? path.relative(config.cwd, config.scriptDir) || '.' : '';
  const flags = !flask ? project : dir === 'migrations' ? [] : ['-d', shellQuote(dir)];
  return { preflight, alembic: (verb, ...args) => spelled(flask, flags, verb, args) };
}

/**
 * The upgrade named in a report's own sentences (its header, its verdict line): `flask db upgrade` or
 * `alembic upgrade <target>`, without the project's flags, which the fixes carry.
 */
export function upgradeName(flaskMigrate: boolean, target: string): string {
  return spelled(flaskMigrate, [], 'upgrade', [target]);
}

/** `flask db VERB FLAGS ARGS` or `alembic FLAGS VERB ARGS`; `flask db upgrade` goes to head by itself. */
function spelled(flask: boolean, flags: readonly string[], verb: string, args: readonly string[]): string {
  if (!flask) return ['alembic', ...flags, verb, ...args].join(' ');
  const rest = verb === 'upgrade' && args.join(' ') === 'head' ? [] : args;
  return ['flask db', verb, ...flags, ...rest].join(' ');
}
