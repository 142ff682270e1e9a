/** Where and how an `alembic upgrade` or `downgrade` that failed stopped, read from what it printed. */
export interface AlembicFailure {
  /** The revision being applied (or reverted) when it stopped: the last "Running upgrade A -> B" line names B (a downgrade's, A). */
  readonly revision?: string;
  /** The statement SQLAlchemy shows under the error (`[SQL: …]`), when there is one. */
  readonly statement?: string;
  /** The exception line the traceback ends with, else the last line printed. */
  readonly error: string;
}

/** The name before a traceback's message: `sqlalchemy.exc.ProgrammingError`, `KeyError`, `FAILED`. */
const LEADING_NAME = /^([\w.]+)(?::|$)/u;
const EXCEPTION_NAME = /(?:Error|Exception|Exit|Interrupt)$/u;

/**
 * `revisionAt` names the revision a file defines (by the path as the traceback prints it): when the
 * ini keeps Alembic's logger quiet there is no "Running upgrade" line, and the traceback's last frame
 * in a revision file says which one was running.
 */
export function readAlembicFailure(
  output: string,
  revisionAt?: (file: string) => string | undefined,
): AlembicFailure {
  const lines = output.split('\n').map((l) => l.trim());
  let revision: string | undefined;
  let fromTraceback: string | undefined;
  let error: string | undefined;
  for (const line of lines) {
    const frame = revisionAt && /^File "(.+)", line \d+, in /u.exec(line);
    if (frame) fromTraceback = revisionAt!(frame[1]!) ?? fromTraceback;
    const at =
      line.indexOf('Running upgrade ') >= 0
        ? line.indexOf('Running upgrade ')
        : line.indexOf('Running downgrade ');
    if (at >= 0) {
      const words = line.slice(at).split(' -> ');
      const up = line.startsWith('Running upgrade ', at);
      // "Running downgrade B -> A": B is the one whose downgrade() runs
      const id = up ? words[1] : words[0]!.slice('Running downgrade '.length);
      revision = id?.split(/[\s,]/u).find((w) => w !== '') ?? revision;
    }
    const name = LEADING_NAME.exec(line)?.[1];
    if (name && (EXCEPTION_NAME.test(name) || name === 'FAILED')) error = line;
  }
  const sql = output.lastIndexOf('[SQL: ');
  let statement: string | undefined;
  if (sql >= 0) {
    const end = output.indexOf(']\n', sql);
    statement = output
      .slice(sql + 6, end < 0 ? undefined : end)
      .trim()
      .replace(/\s+/gu, ' ');
  }
  const last = lines.filter((l) => l !== '' && !l.startsWith('(Background on this error')).at(-1);
  revision ??= fromTraceback;
  return {
    ...(revision ? { revision } : {}),
    ...(statement ? { statement } : {}),
    error: error ?? last ?? 'it stopped without printing an error',
  };
}
