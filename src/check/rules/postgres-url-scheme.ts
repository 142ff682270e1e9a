import path from 'node:path';
import type { ProjectFiles } from '../../project/project-files.js';
import { projectFolders } from '../../packaging/project-folders.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { projectFinding } from '../lint/lint-context.js';
import { POSTGRES_SCHEME_REFUSED, postgresSchemeFix } from '../rule-helpers.js';

/** env.py hands DATABASE_URL to SQLAlchemy without turning Heroku's postgres:// into postgresql://. */
export const postgresUrlScheme: Rule = {
  code: 'postgres-url-scheme',
  severity: 'error',
  kind: 'lint',
  title: "DATABASE_URL's postgres:// reaches SQLAlchemy",
  summary:
    "env.py passes DATABASE_URL to SQLAlchemy without rewriting Heroku's postgres:// scheme (SQLAlchemy 1.4+ refuses it).",
  check({ lint, files }) {
    const out: Finding[] = [];
    const env = lint?.envPy();
    if (!lint || !env) return out;
    const { py } = env;
    // where env.py reads DATABASE_URL from the environment (os.environ[...], os.environ.get, os.getenv)
    const read = py.strings(py.top).find(({ value, node }) => {
      if (!/(^|_)DATABASE_URL$/.test(value)) return false;
      const around = py.text.slice(Math.max(0, node.from - 30), node.from);
      return /(environ\s*\[|environ\s*\.\s*get\s*\(|getenv\s*\(|environ\.setdefault\s*\()\s*$/.test(around);
    });
    if (!read) return out;
    const rewrites =
      py.strings(py.top).some(({ value }) => /^postgres(ql)?(:\/\/|:|$)/.test(value)) ||
      /drivername|make_url\s*\(/.test(py.text);
    if (rewrites) return out;
    // outside Heroku, DATABASE_URL is whatever the team set (usually postgresql://): a hazard, not a certainty
    const heroku = herokuSign(lint.cwd, files);
    out.push(
      projectFinding(
        this.code,
        heroku ? this.severity : 'warning',
        env.path,
        py.lineOf(read.node.from),
        `env.py reads ${read.value} and hands it to SQLAlchemy unchanged. ${heroku ? `This project deploys to Heroku (${heroku}), and Heroku Postgres` : 'If this app runs on Heroku (no Procfile, app.json or heroku.yml was found, so this is a warning): Heroku Postgres'} sets it to postgres://…, which SQLAlchemy 1.4 and later refuse: "${POSTGRES_SCHEME_REFUSED}", so the release phase fails before any migration runs.`,
        postgresSchemeFix(read.value),
      ),
    );
    return out;
  },
};

/** The first Heroku deploy file in the working folder or above it in its repository, as a relative path. */
function herokuSign(cwd: string, files: ProjectFiles): string | undefined {
  for (const dir of projectFolders(files, cwd)) {
    for (const name of ['Procfile', 'app.json', 'heroku.yml']) {
      if (files.exists(path.join(dir, name))) return path.relative(cwd, path.join(dir, name));
    }
  }
  return undefined;
}
