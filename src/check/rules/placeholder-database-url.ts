import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { projectFinding } from '../lint/lint-context.js';

import { TEMPLATE_URL } from '../../database/database-url.js';

/** alembic.ini still holds the template URL and env.py never supplies a real one. */
export const placeholderDatabaseUrl: Rule = {
  code: 'placeholder-database-url',
  severity: 'error',
  kind: 'lint',
  title: "sqlalchemy.url is still the template's",
  summary:
    "alembic.ini keeps the template's driver://user:pass@localhost/dbname and env.py never sets sqlalchemy.url.",
  check({ lint }) {
    const out: Finding[] = [];
    const url = lint?.iniOption('sqlalchemy.url');
    if (!lint || !url || url.value.trim() !== TEMPLATE_URL) return out;
    // "env.py never replaces it" needs env.py read: a missing or broken one is another rule's finding
    const env = lint.envPy();
    if (!env) return out;
    const { py } = env;
    for (const call of py.calls(py.top)) {
      const callee = py.callee(call);
      const { positional, keywords } = py.args(call);
      if (
        /(^|\.)set_(main|section)_option$/.test(callee) &&
        positional.some((p) => py.str(p) === 'sqlalchemy.url')
      )
        return out;
      if (/(^|\.)(create_engine|create_async_engine)$/.test(callee)) return out;
      const url = keywords.get('url');
      if (/(^|\.)configure$/.test(callee) && url && !/get_main_option|get_section_option/.test(py.of(url)))
        return out;
      if (
        /(^|\.)configure$/.test(callee) &&
        keywords.has('connection') &&
        !/engine_from_config|async_engine_from_config/.test(py.text)
      )
        return out;
    }
    // a connection handed in by the application (config.attributes), as Flask-Migrate and pytest setups do
    if (/config\.attributes/.test(py.text)) return out;
    out.push(
      projectFinding(
        this.code,
        this.severity,
        url.path,
        url.line,
        `sqlalchemy.url is still Alembic's template value ${TEMPLATE_URL}, and env.py never replaces it. Every command fails with "sqlalchemy.exc.NoSuchModuleError: Can't load plugin: sqlalchemy.dialects:driver" — on Heroku that is a failed release.`,
        'Read the URL in env.py: config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1).replace("%", "%%")), and remove the sqlalchemy.url line from alembic.ini.',
      ),
    );
    return out;
  },
};
