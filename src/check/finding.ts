/** How much a finding blocks: errors block a release, warnings with --strict, info never. */
export type Severity = 'error' | 'warning' | 'info';

/** Every finding code: one rule file, one doc page and one test each (test/unit/meta.test.ts). */
export const FINDING_CODES = [
  'applied-migration-edited',
  'autogenerate-marker-left',
  'breaks-serving-release',
  'bytecode-only-revision',
  'concurrently-in-transaction',
  'data-fails-step',
  'data-not-checked',
  'data-silently-changed',
  'database-driver-missing',
  'database-ahead',
  'rollback-loses-schema',
  'database-at-head',
  'database-diverged',
  'database-not-writable',
  'database-owned-elsewhere',
  'database-unrelated',
  'ddl-in-try-except',
  'dependency-cycle',
  'deploy-script-hazard',
  'docstring-mismatch',
  'down-revision-is-label',
  'duplicate-branch-label',
  'duplicate-revision',
  'empty-down-revision',
  'empty-downgrade',
  'enum-add-value-unguarded',
  'enum-not-dropped-in-downgrade',
  'enum-value-used-before-commit',
  'execute-with-params-argument',
  'extension-unavailable',
  'file-loaded-twice',
  'filename-convention',
  'foreign-key-type-mismatch',
  'hidden-revision-file',
  'illegal-revision-characters',
  'ini-url-differs',
  'ini-url-missing',
  'ini-value-misread',
  'invalid-revision-value',
  'ledger-unreadable',
  'lock-not-graded',
  'lock-on-large-table',
  'lock-queue-blocker',
  'metadata-lock-wait',
  'lock-sessions-hidden',
  'lock-timeout-missing',
  'logging-config-broken',
  'missing-dependency',
  'missing-down-revision',
  'module-level-op-call',
  'multiple-heads',
  'name-not-defined',
  'needs-newer-python',
  'no-down-revision-variable',
  'no-revision-files',
  'no-revision-variable',
  'no-upgrade-function',
  'not-statically-known',
  'other-databases-not-verified',
  'pending-migrations',
  'platform-targets-differ',
  'placeholder-database-url',
  'postgres-scheme-refused',
  'postgres-url-scheme',
  'redundant-merge-parent',
  'release-command-invalid',
  'release-generates-migration',
  'renamed-table-still-referenced',
  'review-app-shares-database',
  'revision-cycle',
  'revision-id-too-long',
  'migration-partly-applied',
  'migration-waits-for-input',
  'schema-ahead-of-stamp',
  'schema-already-present',
  'schema-behind-stamp',
  'schema-object-missing',
  'schema-probes-unavailable',
  'sqlite-needs-batch',
  'sqlite-refuses-postgres-sql',
  'script-location-needs-install',
  'script-location-unresolved',
  'self-loop',
  'shared-version-table',
  'stamp-is-symbolic',
  'stamp-resolves-by-prefix',
  'stamped-revision-missing',
  'stamps-overlap',
  'suppression-refused',
  'suppression-without-reason',
  'unparseable-file',
  'unreadable-file',
  'unresolved-import',
  'upgrade-will-fail',
  'url-percent-not-escaped',
  'url-variable-differs',
  'uuid-not-portable',
  'version-location-is-cwd',
  'version-location-missing',
  'version-table-missing',
  'version-table-write-unverified',
  'versions-folder-missing',
] as const;

export type FindingCode = (typeof FINDING_CODES)[number];

/** One piece of evidence behind a finding, in a sentence: what git, the schema or the ledger shows. */
export interface Evidence {
  readonly label: 'git' | 'schema' | 'ledger' | 'release' | 'database';
  readonly text: string;
}

/**
 * A finding is data: what is wrong, where, why Alembic cares, and the fix. `message` is the whole
 * diagnosis (JSON and the review formats carry it); the text report leads with `title`, then
 * Alembic's line, the evidence a sentence each, and `fix` (the one command) before the `hint`'s
 * alternatives. A finding without a title leads with its message's first sentence.
 */
export interface Finding {
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly message: string;
  readonly hint: string;
  readonly path?: string;
  readonly line?: number;
  readonly revision?: string;
  /** The text Alembic prints when it fails on this problem. */
  readonly alembicError?: string;
  /**
   * The upgrade fails on this problem, although what it prints cannot be quoted (the server's wording
   * is not known for this case). A finding with `alembicError` predicts the failure already.
   */
  readonly failsUpgrade?: true;
  /**
   * A configuration only the user can fix stops the run (the app's own name contradicts the
   * platform's, a platform that cannot name the app): blocking, it exits 2, as a configuration error.
   */
  readonly configuration?: true;
  /**
   * What is wrong, in a few words: the text report's first line (the renderer fits it to the width),
   * GitHub's annotation title. `message` says the rest and does not open by repeating it; `statement`
   * joins the two for a format with one field.
   */
  readonly title?: string;
  readonly evidence?: readonly Evidence[];
  /** The one command that fixes it, filled in; `hint` then holds the alternatives. */
  readonly fix?: string;
  /** schema-behind-stamp: the revision the schema matches exactly, and how many objects the stamp's lack. */
  readonly schemaAt?: { readonly revision: string; readonly missing: number };
}

/** What a finding says in one string, for a format with one field for it: its title as a sentence, then its message. */
export function statement(f: Pick<Finding, 'title' | 'message'>): string {
  if (f.title === undefined) return f.message;
  // a message that opens with code (`try:`, `op.execute`) keeps its case
  const first = f.message.split(' ', 1)[0]!;
  const plain = [...first].every((c) => c >= 'a' && c <= 'z');
  return `${asSentence(capitalised(f.title))} ${plain ? f.message.charAt(0).toUpperCase() + f.message.slice(1) : f.message}`;
}

/** Text that ends a sentence as it is (`.` `!` `?` `;`), else with a full stop added. */
export function asSentence(text: string): string {
  return ['.', '!', '?', ';'].includes(text.at(-1) ?? '') ? text : `${text}.`;
}

/** A sentence's first letter in capitals, unless it starts with a path, a name or an id, which keep their case. */
export function capitalised(s: string): string {
  const first = s.split(' ', 1)[0] ?? '';
  if (first.includes('/') || first.includes('.') || first.includes('_')) return s;
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The whole fix in one string, for the formats that have one field for it: the command, then the alternatives. */
export function fixAndHint(f: Pick<Finding, 'fix' | 'hint'>): string {
  if (!f.fix) return f.hint;
  return f.hint ? `${f.fix} (${f.hint.replace(/\.$/u, '')})` : f.fix;
}
