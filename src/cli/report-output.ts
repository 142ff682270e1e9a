import { EXIT, PreflightError } from '../errors/errors.js';
import { redactDeep, redactSecrets } from '../errors/redact.js';
import { terminalSafe } from '../logger/terminal-safe.js';

/**
 * A command's report on stdout: human text with its control characters made visible, JSON as it is (JSON
 * escapes them). Credentials are hidden by where they stand (a URL's password, password=…): a report
 * quotes argv, Procfile lines and log lines, any of which can carry one.
 */
export function writeReport(text: string, format: 'text' | 'json', document?: unknown): void {
  process.stdout.write(format === 'text' ? terminalSafe(redactSecrets(text)) : redactJson(text, document));
}

/** A JSON document with every string redacted; the same bytes when none held a credential. `document`: what `text` holds, when the command kept it. */
function redactJson(text: string, document?: unknown): string {
  let doc: unknown = document;
  try {
    doc ??= JSON.parse(text);
  } catch {
    return redactSecrets(text);
  }
  const clean = redactDeep(doc);
  return clean === doc ? text : JSON.stringify(clean, null, 2) + (text.endsWith('\n') ? '\n' : '');
}

/** A failure on stderr (or as the JSON document); ALEMBIC_PREFLIGHT_DEBUG in `env` adds an internal error's stack. */
export function reportError(
  e: unknown,
  format: 'text' | 'json',
  env: Readonly<Record<string, string | undefined>>,
): number {
  const out = (text: string): string => redactSecrets(text);
  // human text on stderr: control characters from the project shown as text, as on stdout
  const say = (text: string): void => void process.stderr.write(terminalSafe(text));
  if (e instanceof PreflightError) {
    const message = out(e.message);
    const hint = e.hint === undefined ? undefined : out(e.hint);
    const alembicError = e.alembicError === undefined ? undefined : out(e.alembicError);
    if (format === 'json') {
      process.stdout.write(
        JSON.stringify(
          {
            schemaVersion: 1,
            ok: false,
            error: {
              kind: e.kind,
              message,
              hint: hint ?? null,
              alembicError: alembicError ?? null,
              path: e.path ?? null,
              line: e.line ?? null,
            },
          },
          null,
          2,
        ) + '\n',
      );
    }
    const where = e.path ? `${e.path}${e.line ? `:${e.line}` : ''}: ` : '';
    say(`alembic-preflight: ${e.kind} error: ${where}${message}\n`);
    if (alembicError) say(`  Alembic prints: ${alembicError}\n`);
    // a hint's further lines are commands, one per line, each to paste on its own
    const [prose, ...commands] = (hint ?? '').split('\n');
    if (prose) say(`  fix: ${prose}\n`);
    for (const c of commands) say(`       ${c}\n`);
    return e.exitCode;
  }
  const err = e as Error;
  say(
    `alembic-preflight: internal error: ${out(err?.message ?? String(e))}\n  This is a bug; please report it with the command you ran. (ALEMBIC_PREFLIGHT_DEBUG=1 shows the stack.)\n`,
  );
  if (env.ALEMBIC_PREFLIGHT_DEBUG) process.stderr.write(`${out(err?.stack ?? '')}\n`);
  return EXIT.internal;
}
