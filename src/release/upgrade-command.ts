import path from 'node:path';
import { ConfigError } from '../errors/errors.js';
import type { ProjectFiles } from '../project/project-files.js';
import { pythonFindsModule } from './interpreter-python.js';
import { alembicCommand, flaskAppMissing, flaskCommand } from './run-child.js';

/** What choosing the upgrade command reads of release's options. */
export interface UpgradeCommandOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** -c and -n, passed on to `alembic`. */
  readonly config?: string;
  readonly name?: string;
}

/**
 * The upgrade the prediction graded, as this project runs it: `flask db upgrade -d DIR` where Flask-Migrate
 * sets the script folder (plain `alembic` finds no alembic.ini there), else `alembic upgrade` with our -c/-n.
 * Throws before anything runs when that command cannot run here.
 */
export function upgradeCommand(
  target: string,
  config: { flaskMigrate?: boolean; scriptDir: string; files: ProjectFiles },
  opts: UpgradeCommandOptions,
): string[] {
  const files = config.files;
  const onHeroku =
    'On Heroku, list the buildpacks in this order: heroku/nodejs, then heroku/python (heroku buildpacks -a APP), and keep ';
  if (config.flaskMigrate) {
    const directory = path.relative(opts.cwd, config.scriptDir) || '.';
    const missing = flaskAppMissing(
      opts.cwd,
      opts.env,
      (f) => files.exists(f),
      (f) => files.text(f),
      (name) => pythonFindsModule(name, opts.cwd, opts.env),
    );
    if (missing) {
      throw new ConfigError(
        `This is a Flask-Migrate project, so the upgrade is \`flask db upgrade\`, and flask cannot find the app: ${missing}. Nothing was run.`,
        {
          hint: `Set the app: heroku config:set FLASK_APP=app:create_app -a APP, or put it on the release line (release: FLASK_APP=app:create_app ./node_modules/.bin/alembic-preflight release), or wrap your own command: release -- flask --app app db upgrade -d ${directory}.`,
        },
      );
    }
    const argv = flaskCommand(target, directory, opts.env);
    if (!argv)
      throw new ConfigError(
        'Neither `flask` nor `python` is on PATH, so `flask db upgrade` cannot run. Nothing was run.',
        { hint: `${onHeroku}Flask-Migrate in requirements.txt.` },
      );
    return argv;
  }
  const argv = alembicCommand(target, opts.env, { config: opts.config, name: opts.name });
  if (!argv)
    throw new ConfigError('Neither `alembic` nor `python` is on PATH, so the upgrade cannot run.', {
      hint: `${onHeroku}alembic in requirements.txt.`,
    });
  return argv;
}
