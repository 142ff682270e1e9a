import { interpolationErrorAt, readUrlOptionCalls } from '../../alembic/env/env-url-options.js';
import type { Finding, FindingCode } from '../finding.js';
import type { Rule } from '../rule.js';
import { envPySource, envPyText } from '../rule-helpers.js';

const FIX = 'config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))';

/**
 * env.py stores the database URL with config.set_main_option, whose ConfigParser refuses a `%`
 * that is not `%%`: a URL-encoded password (p%40ss) stops every command that runs env.py with
 * "ValueError: invalid interpolation syntax", before any migration. verify knows the URL and says
 * whether it holds one; check can only say that it would.
 */
export const urlPercentNotEscaped: Rule = {
  code: 'url-percent-not-escaped',
  severity: 'error',
  title: 'set_main_option gets a URL with an unescaped %',
  summary:
    'env.py stores the database URL with set_main_option without .replace("%", "%%"): a URL-encoded password fails every upgrade.',
  check({ model, database }) {
    const { rel } = envPySource(model);
    // a missing or unreadable env.py is another rule's finding
    const text = envPyText(model);
    const calls = text?.includes('sqlalchemy.url') ? readUrlOptionCalls(text) : [];
    const out: Finding[] = [];
    for (const call of calls) {
      if (call.escaped) continue;
      const where = `${rel}:${call.line}`;
      if (call.offlineOnly) {
        // `alembic upgrade` without --sql never runs this line: nothing here can stop a deploy
        const holds =
          call.literal !== undefined ? interpolationErrorAt(call.literal) >= 0 : database?.urlBarePercent;
        const sql = '`alembic upgrade --sql` (offline mode, also for downgrade and stamp)';
        const then =
          holds === true
            ? `the URL it stores holds a bare %, so ${sql} fails`
            : `${holds === false ? 'the URL it stores holds none today, but ' : ''}with a URL-encoded character in it (a password with @ or / written %40 or %2F), ${sql} fails`;
        out.push(
          finding(
            this.code,
            'warning',
            rel,
            call.line,
            `${where}: env.py stores the database URL with set_main_option without escaping %, in code only offline mode runs. \`alembic upgrade\` connects without it; ${then} with "ValueError: invalid interpolation syntax".`,
            `${FIX}: configparser reads %% back as %.`,
            undefined,
          ),
        );
        continue;
      }
      if (call.literal !== undefined) {
        const at = interpolationErrorAt(call.literal);
        if (at < 0) continue;
        out.push(
          finding(
            this.code,
            'error',
            rel,
            call.line,
            `${where}: the URL written in env.py holds a % that ConfigParser refuses (at position ${at}), so every command that runs env.py fails before any migration.`,
            `Write %% for each % in it, or ${FIX}.`,
            `ValueError: invalid interpolation syntax in '<the URL>' at position ${at}`,
          ),
        );
      } else if (database?.urlBarePercent === true) {
        out.push(
          finding(
            this.code,
            'error',
            rel,
            call.line,
            `${where}: env.py stores the database URL with set_main_option, and this database's URL holds a % (a URL-encoded character, such as @ in a password as %40). ConfigParser refuses it: \`alembic upgrade\` fails before any migration.`,
            `${FIX}: configparser reads %% back as %.`,
            "ValueError: invalid interpolation syntax in '<the database URL, not shown>'",
          ),
        );
      } else {
        out.push(
          finding(
            this.code,
            'warning',
            rel,
            call.line,
            `${where}: env.py stores the database URL with set_main_option without escaping %. ${database ? "This database's URL holds none, so it works today; a" : 'A'} URL with a URL-encoded character (a password with @ or / in it, written %40 or %2F) will stop every upgrade with "ValueError: invalid interpolation syntax".`,
            `${FIX}: configparser reads %% back as %.`,
            undefined,
          ),
        );
      }
    }
    return out;
  },
};

function finding(
  code: FindingCode,
  severity: 'error' | 'warning',
  path: string,
  line: number,
  message: string,
  hint: string,
  alembicError: string | undefined,
): Finding {
  // the error is this database's URL holding a %; the warnings are a URL that may one day
  const title =
    severity === 'error'
      ? "set_main_option gets this database's URL with a bare %: the upgrade fails"
      : 'env.py passes the URL to set_main_option without escaping %';
  return { code, severity, title, message, hint, path, line, ...(alembicError ? { alembicError } : {}) };
}
