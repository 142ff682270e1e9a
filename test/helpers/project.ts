import { pythonSyntaxOracle } from '../../src/release/syntax-oracle.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LATEST_ALEMBIC, parseAlembicVersion } from '../../src/alembic/config/alembic-version.js';
import { loadProject } from '../../src/alembic/loading/project-model.js';
import type { CheckResult } from '../../src/check/run-check.js';
import { checkModel } from '../../src/workspace/open-project.js';
import { tempDir } from './temp-dir.js';
import { diskFiles } from '../../src/project/project-files.js';

export const DEFAULT_INI = '[alembic]\nscript_location = migrations\npath_separator = os\n';

/** A revision file in the 1.16+ template style. */
export function rev(id: string, down: string | null, extra = ''): string {
  const d = down === null ? 'None' : down.startsWith('(') || down.startsWith('[') ? down : `'${down}'`;
  return `"""rev ${id}\n\nRevision ID: ${id}\nRevises: ${down === null ? '' : down.replace(/[()'"[\]]/g, '')}\n"""\nfrom alembic import op\n\nrevision = '${id}'\ndown_revision = ${d}\nbranch_labels = None\ndepends_on = None\n${extra}\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n`;
}

/** Writes a throwaway project: keys are paths relative to its root, values contents. */
export function makeProject(
  files: Record<string, string | Buffer>,
  ini: string | null = DEFAULT_INI,
): string {
  const root = tempDir('preflight-');
  if (ini !== null) writeFileSync(path.join(root, 'alembic.ini'), ini);
  mkdirSync(path.join(root, 'migrations', 'versions'), { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
  // every Alembic project has one (unreadable-file reports a missing env.py); a test about env.py writes its own
  if (
    ini !== null &&
    /^script_location = migrations$/m.test(ini) &&
    !Object.keys(files).some((f) => f.endsWith('env.py'))
  ) {
    writeFileSync(path.join(root, 'migrations', 'env.py'), ENV_PY);
  }
  return root;
}

/** The logging sections of Alembic's templates, which the templates' env.py hands to logging's fileConfig. */
export const TEMPLATE_LOGGING = `[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
`;

/** The template's env.py, online mode: logging from the ini, the engine from the ini's main section (engine_from_config on line 14). */
export const TEMPLATE_ENV_PY = `from logging.config import fileConfig

from sqlalchemy import engine_from_config, pool

from alembic import context

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name)


def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
`;

/** The smallest env.py: enough for the rules that read it, and for Alembic's commands that never run it. */
export const ENV_PY = '# env.py of a test project\nfrom alembic import context\n';

/** A working env.py (online mode, the template's engine) with `store` on line 6, where env.py sets the URL. */
export function onlineEnvPy(store: string): string {
  return `import os\nfrom alembic import context\nfrom sqlalchemy import engine_from_config, pool\n\nconfig = context.config\n${store}

def run_migrations_online():
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
`;
}

/** The smallest script.py.mako `alembic revision` renders: the header and empty upgrade() and downgrade(). */
export const SCRIPT_MAKO =
  'revision = ${repr(up_revision)}\ndown_revision = ${repr(down_revision)}\nbranch_labels = None\ndepends_on = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n';

/** `check` as the command runs it: graph rules, then the lints with the project's own settings. */
export async function check(
  root: string,
  version = 'latest',
  opts: { lint?: boolean } = {},
): Promise<CheckResult> {
  const v = version === 'latest' ? LATEST_ALEMBIC : parseAlembicVersion(version)!;
  return checkModel(await loadProject({ files: diskFiles(), cwd: root, alembicVersion: v }), opts);
}

/**
 * check with the machine's Python as the syntax oracle, as a run beside the app's own Python has it:
 * a file it refuses is reported in its words and at its line.
 */
export async function checkWithPython(root: string): Promise<CheckResult> {
  const syntaxOracle = pythonSyntaxOracle({ PATH: '/usr/bin:/bin' }, null)!;
  return checkModel(
    await loadProject({ files: diskFiles(), cwd: root, alembicVersion: LATEST_ALEMBIC, syntaxOracle }),
    {},
  );
}

export function codes(result: CheckResult): string[] {
  return result.findings.map((f) => f.code);
}

/** A revision file with the given upgrade() and downgrade() bodies (indented by the helper). */
export function migration(
  id: string,
  down: string | null,
  upgrade: string,
  downgrade: string,
  header = 'import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n',
): string {
  const body = (code: string): string =>
    code
      .trim()
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n');
  const d = down === null ? 'None' : `'${down}'`;
  return `"""rev ${id}\n\nRevision ID: ${id}\nRevises: ${down ?? ''}\n"""\nfrom alembic import op\n${header}\nrevision = '${id}'\ndown_revision = ${d}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n${body(upgrade)}\n\n\ndef downgrade():\n${body(downgrade)}\n`;
}

/** alembic.ini and env.py for real Alembic on a SQLite file: the ini's URL, a plain online run. */
export const SQLITE_INI = '[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite:///app.db\n';
export const SQLITE_ENV_PY = [
  'from alembic import context',
  'from sqlalchemy import engine_from_config, pool',
  'config = context.config',
  'connectable = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)',
  'with connectable.connect() as connection:',
  '    context.configure(connection=connection)',
  '    with context.begin_transaction():',
  '        context.run_migrations()',
  '',
].join('\n');
