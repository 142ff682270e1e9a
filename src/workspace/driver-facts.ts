import path from 'node:path';
import type { ProjectConfig } from '../alembic/config/config-types.js';
import { declaredFor } from '../alembic/reading/import-resolver.js';
import type { DatabaseTarget } from '../database/database-url.js';
import { driverModule } from '../database/driver-module.js';
import { onPath, runProgram, shebangPython } from '../project/programs.js';
import type { DriverFact } from '../check/rule.js';
import { envPyText } from '../check/rule-helpers.js';
import type { ProjectModel } from '../alembic/loading/project-model.js';

/**
 * Whether the Python that runs Alembic can import the URL's driver. A driver the project declares
 * (requirements, pyproject, a lock file) is taken as there, and no process runs. Otherwise the Python
 * of the `alembic` (or `flask`) script on PATH is asked, in the app's environment, with importlib's
 * find_spec (the driver is found, never imported). With no such script, the declarations alone say
 * it is missing, where there are any; with neither, nothing is known and nothing is said.
 */
export function driverFact(
  db: DatabaseTarget,
  config: ProjectConfig,
  env: Readonly<Record<string, string | undefined>>,
  envPy?: string,
): DriverFact | undefined {
  const driver = driverModule(db.scheme);
  if (!driver) return undefined;
  const declared = declaredFor(config);
  const top = driver.module.split('.')[0]!.toLowerCase();
  if (declared.has(top)) return undefined;
  const script = onPath('alembic', env) ?? onPath('flask', env);
  const python = script ? shebangPython(script) : undefined;
  // env.py that names a driver in a URL, or sets drivername, may hand SQLAlchemy another URL than ours
  const rewritten = envPy !== undefined && DRIVER_IN_CODE.test(envPy);
  const base = { scheme: db.scheme, ...driver, ...(rewritten ? { envPyDriver: true as const } : {}) };
  if (python) {
    const r = runProgram(
      python,
      [
        '-B',
        '-c',
        `import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(sys.argv[1]) else 3)`,
        driver.module,
      ],
      { cwd: config.cwd, env: { ...env }, timeout: 20_000 },
    );
    if (r.status === 0) return undefined;
    // find_spec of a.b imports a: its ModuleNotFoundError is the same answer
    if (r.status === 3 || /ModuleNotFoundError/u.test(r.stderr))
      return { ...base, missing: 'python', python: path.normalize(python) };
    return undefined;
  }
  return declared.size > 0 ? { ...base, missing: 'declared' } : undefined;
}

/** A URL scheme with a driver (postgresql+psycopg, mysql+pymysql), or SQLAlchemy's drivername, in code. */
const DRIVER_IN_CODE = /\b(?:postgres(?:ql)?|mysql|mariadb|sqlite)\+\w+|\bdrivername\b/u;

/** The driver fact as verify's extras take it: present only where the driver is thought missing. */
export function driverExtras(
  db: DatabaseTarget,
  model: ProjectModel,
  env: Readonly<Record<string, string | undefined>> | undefined,
): { driver?: DriverFact } {
  // the run's environment (the CLI passes the process's): the alembic on its PATH is the one the deploy runs
  const driver = driverFact(db, model.config, env ?? {}, envPyText(model));
  return driver ? { driver } : {};
}
