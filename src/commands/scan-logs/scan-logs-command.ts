import type { LogGroup, LogScanResult } from '../../check/log-scanner.js';
import type { CommandOutput } from '../../workspace/command-options.js';
import { scanLogFile } from '../../workspace/read-log.js';

export interface ScanLogsOptions {
  readonly cwd: string;
  readonly file: string;
  readonly format: 'text' | 'json';
  readonly stdin?: AsyncIterable<Buffer | string>;
}

const HINTS: Record<LogGroup['kind'], (g: LogGroup, file: string) => string> = {
  'missing-revision': (g, file) =>
    `The database holds '${g.key}', which no migration defines. Generate a placeholder: alembic-preflight backfill --from-logs ${file === '<stdin>' ? '-' : file} --rewire (add --after REV if the parent is unknown).`,
  'multiple-heads': () =>
    'Merge the heads: alembic merge heads -m "merge heads" (or upgrade a named target). alembic-preflight check lists them.',
  'missing-parent': (g) =>
    `A migration revises '${g.key}', which no file defines. Restore that revision or correct the down_revision; alembic-preflight check names the file.`,
  'duplicate-revision': (g) =>
    `Two files define '${g.key}'; Alembic silently keeps the last. Give one a new id; alembic-preflight check names both files.`,
  'revisions-overlap': () =>
    'The version table holds a revision and its ancestor. Delete the stale row; alembic-preflight verify shows which.',
  'revision-cycle': (g) =>
    `The down_revision chain loops (${g.key}). Break the cycle; alembic-preflight check shows the files.`,
  'postgres-url-scheme': () =>
    "SQLAlchemy ≥ 1.4 rejects Heroku's postgres:// URLs. In env.py: url = os.environ['DATABASE_URL'].replace('postgres://', 'postgresql://', 1).",
  'revision-id-too-long': (g) =>
    `A revision id is longer than version_num allows (VARCHAR(${g.key || '32'})). Use ids of 32 characters or fewer; alembic-preflight check finds them.`,
  'object-exists': (g) =>
    `The database already has '${g.key}', which the migration creates: a run of it stopped partway (MySQL and MariaDB commit each DDL statement on its own) or the schema is ahead of alembic_version. alembic-preflight verify lists which steps are there and gives the way out.`,
  'lock-wait-timeout': () =>
    "A statement waited for a lock until its timeout: on an ALTER, another session's open transaction held the table's metadata lock (or rows it changes). alembic-preflight verify names the sessions; end them or release when they are done.",
};

export async function scanLogsCommand(
  opts: ScanLogsOptions,
): Promise<CommandOutput & { result: LogScanResult }> {
  const { result, display } = await scanLogFile(opts.file, opts.cwd, opts.stdin);
  const groups = [...result.groups].sort((a, b) => a.firstLine - b.firstLine);
  const total = groups.reduce((n, g) => n + g.count, 0);
  let stdout: string;
  if (opts.format === 'json') {
    stdout =
      JSON.stringify(
        {
          schemaVersion: 1,
          command: 'scan-logs',
          ok: groups.length === 0,
          file: display,
          lines: result.lines,
          failures: groups.map((g) => ({
            kind: g.kind,
            key: g.key,
            count: g.count,
            firstLine: g.firstLine,
            lastLine: g.lastLine,
            sample: g.sample,
            hint: HINTS[g.kind](g, display),
          })),
          applied: [...result.applied.values()].map((a) => ({
            revision: a.revision,
            from: a.from,
            line: a.line,
          })),
        },
        null,
        2,
      ) + '\n';
  } else {
    const count = `${result.lines} line${result.lines === 1 ? '' : 's'}`;
    const lines = [`alembic-preflight scan-logs: ${display} (${count})`, ''];
    for (const g of groups) {
      const where =
        g.count === 1 ? `line ${g.firstLine}` : `${g.count} times, lines ${g.firstLine}–${g.lastLine}`;
      lines.push(
        `${g.kind}${g.key ? ` '${g.key}'` : ''}: ${where}`,
        `  ${g.sample}`,
        `  fix: ${HINTS[g.kind](g, display)}`,
        '',
      );
    }
    lines.push(
      groups.length === 0
        ? `OK: no Alembic failure in ${count}.`
        : `FOUND: ${total} Alembic failure line${total > 1 ? 's' : ''} in ${groups.length} group${groups.length > 1 ? 's' : ''}.`,
    );
    stdout = lines.join('\n') + '\n';
  }
  return { stdout, exitCode: groups.length === 0 ? 0 : 1, result };
}
