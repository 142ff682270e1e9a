import { upgradeCommand } from '../db-helpers.js';
import type { Rule } from '../rule.js';

/**
 * The URL names a driver the Python that runs Alembic cannot import: every command fails with
 * ModuleNotFoundError before a row is read, while the tool (which connects by itself) read the
 * database fine. Asked of that Python, it is an error; said only by the project's declarations (none
 * names the driver, and no alembic script was found to ask), a warning.
 */
export const databaseDriverMissing: Rule = {
  code: 'database-driver-missing',
  severity: 'error',
  title: "Alembic's Python cannot import the database URL's driver",
  summary:
    "The database URL's driver (psycopg2, PyMySQL, mysqlclient, …) is not installed for the Python that runs Alembic, or not declared: every command fails with ModuleNotFoundError.",
  check({ database: db }) {
    const d = db?.driver;
    if (!db || !d) return [];
    const error = `ModuleNotFoundError: No module named '${d.module.split('.')[0]}'`;
    // env.py may give SQLAlchemy another driver than our URL's: then a likelihood, not a prediction
    const asked = d.missing === 'python' && !d.envPyDriver;
    return [
      {
        code: 'database-driver-missing',
        severity: asked ? 'error' : 'warning',
        title:
          d.missing === 'python'
            ? `the URL's driver ${d.module} is not installed for ${d.python ?? 'Python'}`
            : `no requirement names the URL's driver ${d.module}`,
        message: asked
          ? `The database URL (${d.scheme}://) makes SQLAlchemy import ${d.module}, and ${d.python ?? 'the Python that runs Alembic'} (the alembic script's interpreter) cannot find it: \`${upgradeCommand(db)}\` will fail with ${error} before it reads a row. alembic-preflight connects with its own client, so its reading of the database says nothing about the driver.`
          : d.missing === 'python'
            ? `The database URL (${d.scheme}://) makes SQLAlchemy import ${d.module}, which ${d.python ?? 'the Python that runs Alembic'} cannot find; env.py names a driver in a URL (or sets drivername), so the URL Alembic uses may name another. If it does not, \`${upgradeCommand(db)}\` fails with ${error}.`
            : `The database URL (${d.scheme}://) makes SQLAlchemy import ${d.module}, and none of the project's declared dependencies (requirements files, pyproject.toml, a lock file) provides it. Where it is not installed, \`${upgradeCommand(db)}\` fails with ${error}. No alembic script was on PATH to ask.`,
        hint: `Add ${d.distribution} to the project's requirements and install it (pip install '${d.distribution}'), or give the URL the driver the app has (postgresql+psycopg2://, mysql+pymysql://).`,
        // from the declarations alone the failure is a likelihood, not a prediction
        ...(asked ? { alembicError: error } : {}),
      },
    ];
  },
};
