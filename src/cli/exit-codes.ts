// Each command's exit codes, the last part of its help; docs/cli.md lists the same.

export const CODES = {
  ok: '0  nothing blocks',
  usage: '2  usage or configuration error (the message names the fix)',
  database: '3  the database could not be read (unreachable, password, TLS, permission)',
  bug: '70 internal error (a bug; please report it)',
};

/** Each command's exit codes, the last part of its help. */
export const EXIT_CODES = {
  common: `Exit codes: 0 fine, 1 blocking findings, 2 usage or configuration error, 3 database error, 4 and 5 release's command failed or left the database elsewhere, 130/143 release stopped by a signal, 70 a bug. See \`<command> --help\`.`,
  check: [
    'Exit codes:',
    CODES.ok,
    '1  blocking findings (errors; warnings too with --strict)',
    CODES.usage,
    CODES.bug,
  ].join('\n  '),
  database: [
    'Exit codes:',
    CODES.ok,
    '1  the upgrade would fail, or cannot be predicted (blocking findings)',
    CODES.usage,
    CODES.database,
    CODES.bug,
  ].join('\n  '),
  backfill: [
    'Exit codes:',
    '0  the placeholders are proven (dry run), or written and proven again on disk',
    '1  an id could not be placed, or the proof failed: nothing was written',
    CODES.usage,
    CODES.database,
    '73 --write could not write (another run, permissions, a file changed meanwhile): nothing was written',
    CODES.bug,
  ].join('\n  '),
  restamp: [
    'Exit codes:',
    '0  the UPDATE is proven (dry run), or written',
    '1  refused (the row or the revision is not what the command says)',
    CODES.usage,
    CODES.database,
    CODES.bug,
  ].join('\n  '),
  ledger: [
    'Exit codes:',
    '0  the rows are shown (dry run), or written',
    '1  a row names no revision of this code: nothing was written',
    CODES.usage,
    CODES.database,
    CODES.bug,
  ].join('\n  '),
  graph: ['Exit codes:', '0  the graph is printed', CODES.usage, CODES.database, CODES.bug].join('\n  '),
  rehearse: [
    'Exit codes:',
    '0  every step ran, and every downgrade gave back the schema from before its upgrade',
    '1  a step failed, or a downgrade left the schema different',
    CODES.usage,
    '3  no scratch database could be made',
    '130/143 stopped by a signal (the scratch database is removed)',
    CODES.bug,
  ].join('\n  '),
  fleet: [
    'Exit codes:',
    '0  the plan is written, or every tenant of the merged fleet upgrades cleanly',
    '1  a tenant of the merged fleet would fail or is blocked',
    "2  usage error (a shard missing or given twice, a document that is not a shard's)",
    CODES.bug,
  ].join('\n  '),
  explain: [
    'Exit codes:',
    '0  the page is printed',
    '2  no finding has that code (the message lists close ones)',
    CODES.bug,
  ].join('\n  '),
  scanLogs: [
    'Exit codes:',
    '0  no Alembic failure in the log',
    '1  failures found',
    CODES.usage,
    CODES.bug,
  ].join('\n  '),
  release: [
    'Exit codes:',
    '0  OK: applied, or nothing to run',
    '1  BLOCKED before Alembic started',
    CODES.usage,
    CODES.database,
    '4  the command failed, or ran past --deadline',
    '5  the command succeeded, but the database is not where the prediction said',
    '130/143  stopped by SIGINT/SIGTERM (forwarded to the command)',
    CODES.bug,
  ].join('\n  '),
};
