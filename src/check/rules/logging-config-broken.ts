import path from 'node:path';
import { unguardedFileConfigCall } from '../../alembic/env/env-setup-facts.js';
import { fileConfigFailure } from '../../alembic/config/logging-config.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { projectFinding } from '../lint/lint-context.js';
import { envPySource, envPyText } from '../rule-helpers.js';

/** The sections `alembic init` writes for logging, which env.py's fileConfig reads. */
const TEMPLATE_SECTIONS =
  '[loggers], [handlers], [formatters], [logger_root], [logger_sqlalchemy], [logger_alembic], [handler_console] and [formatter_generic]';
const GUARD =
  'if config.config_file_name is not None and os.path.exists(config.config_file_name): fileConfig(config.config_file_name)';

/**
 * env.py hands config.config_file_name to logging.config.fileConfig, as every
 * Alembic template does, and that file cannot configure logging: missing (a
 * project configured in pyproject.toml alone), trimmed to [alembic], or naming
 * a handler or formatter it does not define. Every command that runs env.py
 * fails before it connects; `alembic heads` does not run it, so it looks fine.
 */
export const loggingConfigBroken: Rule = {
  code: 'logging-config-broken',
  severity: 'error',
  title: "env.py's logging fileConfig fails",
  summary:
    "env.py passes the ini to logging's fileConfig, and the ini is missing or its logging sections are incomplete.",
  check({ model, files }) {
    const env = envPySource(model);
    // a missing or unreadable env.py is another rule's finding
    const text = envPyText(model);
    const call = text?.includes('fileConfig') ? unguardedFileConfigCall(text) : undefined;
    // defaults only Python knows may supply any option: no answer
    if (call === undefined || call.defaults === 'unknown') return [];
    const callLine = call.line;
    const { configFileName: fname, iniPath, ini, python } = model.config;
    const failure = fileConfigFailure({
      fname,
      ini: iniPath ? ini : undefined,
      empty: iniPath !== undefined && files.size(iniPath) === 0,
      // undeclared: the newest Python, which a new deploy gets
      python312: !python || python.minor >= 12,
      alembicDefaults: call.defaults === 'config_args',
    });
    if (!failure) return [];
    const missing = iniPath === undefined;
    const older = python !== null && python !== undefined && python.minor < 12;
    const otherPython =
      missing || failure.error.startsWith('RuntimeError')
        ? ` (${older ? 'Python 3.12 and later: FileNotFoundError or RuntimeError' : "Python 3.11 and earlier: KeyError: 'formatters'"})`
        : '';
    const consequence =
      `Every Alembic command that runs env.py (upgrade, downgrade, stamp, current) fails with ${failure.error}${otherPython} before it connects; ` +
      '`alembic heads` does not run env.py, so it still looks fine. On Heroku that is a failed release.';
    // a whole top-level section gone: the file was trimmed, or never had logging sections
    const structural =
      /^KeyError: '(?:formatters|handlers|loggers|logger_root)'$/.test(failure.error) ||
      failure.error.startsWith('RuntimeError');
    const hint = missing
      ? `Alembic reads logging settings from an ini file only, never from pyproject.toml. Add ${fname} with the logging sections alembic init writes (${TEMPLATE_SECTIONS}; \`alembic init --template pyproject\` creates it), or guard the call in env.py: ${GUARD}.`
      : structural
        ? `Put back the logging sections alembic init writes (${TEMPLATE_SECTIONS}) in ${fname}, or guard the call in env.py: ${GUARD}.`
        : `In ${fname}, ${failure.fix ?? `fix what fileConfig refuses: ${failure.cause}`}.`;
    let finding: Finding;
    if (missing) {
      finding = projectFinding(
        this.code,
        this.severity,
        env.rel,
        callLine,
        `env.py passes ${fname} (config.config_file_name) to logging's fileConfig, and ${failure.cause}. ${consequence}`,
        hint,
      );
    } else {
      const rel = path.relative(model.config.cwd, iniPath) || fname;
      const at =
        failure.section === undefined
          ? undefined
          : ((failure.option === undefined ? undefined : ini?.optionLine(failure.section, failure.option)) ??
            ini?.sectionLines.get(failure.section));
      finding = projectFinding(
        this.code,
        this.severity,
        rel,
        at,
        `env.py (${env.rel}:${callLine}) passes ${fname} to logging's fileConfig, and ${failure.cause}. ${consequence}`,
        hint,
      );
    }
    // the why keeps the cause (a missing file, a section it lacks) in its whole sentence
    const title = `logging's fileConfig in env.py fails${missing ? `: ${fname} is missing` : ''}`;
    return [{ ...finding, title, alembicError: failure.error }];
  },
};
