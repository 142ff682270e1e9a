import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';

/**
 * env.py takes the database URL from another variable than the one we read: the verdict may be
 * about a database `alembic upgrade` never touches. verify only; values are compared by the
 * command, so no URL reaches this rule.
 */
export const urlVariableDiffers: Rule = {
  code: 'url-variable-differs',
  severity: 'error',
  title: 'env.py reads another URL variable',
  summary:
    'env.py reads the database URL from another environment variable than the one verify read, which here names another database.',
  check({ database }) {
    const v = database?.urlVariables;
    if (!v || v.reads.length === 0 || v.reads.some((r) => r.name === v.used || r.here === 'same')) return [];
    const read = v.used === null ? 'the URL given with --database-url' : `$${v.used}`;
    const flag = (name: string): string =>
      `Read the variable env.py reads: --database-url-env ${name} (on Heroku, in the Procfile too: release: alembic-preflight release --database-url-env ${name} -- alembic upgrade head).`;
    const other = v.reads.find((r) => r.here === 'different');
    if (other) {
      return [
        finding(
          'error',
          v.envPy,
          other.line,
          `env.py migrates another database than ${read}`,
          `env.py takes the database URL from $${other.name}, and here $${other.name} names another database than ${read}, which is what this verdict is about. \`alembic upgrade\` will run against the database $${other.name} names, which was not checked.`,
          v.used === null
            ? `Check the database $${other.name} names: --database-url-env ${other.name} in place of --database-url.`
            : flag(other.name),
        ),
      ];
    }
    // unset here: where Alembic runs (a release dyno), it may name another database than ours
    if (v.used === null) return [];
    const first = v.reads[0]!;
    const names = v.reads.map((r) => `$${r.name}`).join(' or ');
    return [
      finding(
        'warning',
        v.envPy,
        first.line,
        'env.py takes the URL from a variable that is not set here',
        `env.py takes the database URL from ${names}, not from ${read}, which verify read; ${v.reads.length > 1 ? 'none is' : 'it is not'} set here. Where Alembic runs, this verdict holds only if ${names} names the same database as ${read}.`,
        flag(first.name),
      ),
    ];
  },
};

function finding(
  severity: 'error' | 'warning',
  path: string,
  line: number,
  title: string,
  message: string,
  hint: string,
): Finding {
  return { code: 'url-variable-differs', severity, title, message, hint, path, line };
}
