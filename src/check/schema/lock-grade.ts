import type { LockStep } from './lock-facts.js';

/**
 * PostgreSQL's table-level lock modes, weakest first (the manual's "Explicit Locking"). A queued
 * request for a mode blocks every later request that conflicts with it, granted or not.
 */
export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;
export type LockMode = (typeof LOCK_MODES)[number];

/** pg_locks' spelling of a mode (AccessExclusiveLock). */
export function pgLocksMode(mode: LockMode): string {
  return `${mode.toLowerCase().replace(/(?:^|\s)(\w)/gu, (_, c: string) => c.toUpperCase())}Lock`;
}

/** What the table's users cannot do while the lock is held or queued. */
export function blockedBy(mode: LockMode): 'reads and writes' | 'writes' | 'nothing the app does' {
  if (mode === 'ACCESS EXCLUSIVE') return 'reads and writes';
  // SHARE and stronger conflict with ROW EXCLUSIVE, which INSERT, UPDATE and DELETE take
  return LOCK_MODES.indexOf(mode) >= LOCK_MODES.indexOf('SHARE') ? 'writes' : 'nothing the app does';
}

/**
 * How long the lock is held: `instant` (catalog only), `scan` (reads every row to validate), `index`
 * (builds an index from every row), `rewrite` (writes a new copy of the table and its indexes).
 */
export type LockWork = 'instant' | 'scan' | 'index' | 'rewrite';

export interface LockGrade {
  readonly mode: LockMode;
  readonly work: LockWork;
  /** create_foreign_key: the referenced table is locked too. */
  readonly alsoLocks?: { readonly table: string; readonly mode: LockMode };
  /** UPDATE or DELETE: the rows it changes stay locked until the migration commits, and the app's writes to them wait. */
  readonly rowLocks?: true;
  /** The work is `work` only under this condition, which the reading cannot see: the finding says "may". */
  readonly uncertain?: string;
  /** A sentence on when PostgreSQL does less than `work` (a condition the reading cannot see). */
  readonly caveat?: string;
  /** The safe form of the step, for the hint. */
  readonly recipe: string;
}

const CONCURRENT_INDEX =
  'with op.get_context().autocommit_block(): op.create_index(…, postgresql_concurrently=True)';

/**
 * The lock a step takes on its table on a PostgreSQL server of `major`, and the work done under it:
 * PostgreSQL's documented lock level for each ALTER TABLE subform, CREATE/DROP INDEX and constraints.
 */
export function gradeLock(step: LockStep, major: number, coercible = false): LockGrade {
  const has = (f: LockStep['flags'][number]): boolean => step.flags.includes(f);
  // batch_alter_table(recreate="always"): CREATE TABLE, INSERT … SELECT every row, DROP, RENAME
  if (has('recreate'))
    return {
      mode: 'ACCESS EXCLUSIVE',
      work: 'rewrite',
      recipe:
        'on PostgreSQL, drop recreate="always": batch_alter_table then emits the same ALTER TABLE statements without copying the table',
    };
  const statement = gradeStatement(step, has);
  if (statement) return statement;
  switch (step.call) {
    case 'add_column':
      return gradeAddColumn(has, major);
    case 'alter_column':
      return gradeAlterColumn(has, major, coercible);
    case 'create_index':
      return has('concurrently')
        ? { mode: 'SHARE UPDATE EXCLUSIVE', work: 'index', recipe: 'already concurrent' }
        : { mode: 'SHARE', work: 'index', recipe: CONCURRENT_INDEX };
    case 'drop_index':
      return has('concurrently')
        ? { mode: 'SHARE UPDATE EXCLUSIVE', work: 'instant', recipe: 'already concurrent' }
        : {
            mode: 'ACCESS EXCLUSIVE',
            work: 'instant',
            recipe:
              'with op.get_context().autocommit_block(): op.drop_index(…, postgresql_concurrently=True)',
          };
    case 'create_table':
      // the new table is empty; the tables its foreign keys reference are locked while it is made
      return {
        mode: 'SHARE ROW EXCLUSIVE',
        work: 'instant',
        ...(step.references !== undefined
          ? { alsoLocks: { table: step.references, mode: 'SHARE ROW EXCLUSIVE' as const } }
          : {}),
        recipe: 'set lock_timeout so a queued lock gives up',
      };
    case 'create_foreign_key': {
      const also =
        step.references !== undefined && step.references !== step.table
          ? { alsoLocks: { table: step.references, mode: 'SHARE ROW EXCLUSIVE' as const } }
          : {};
      return {
        mode: 'SHARE ROW EXCLUSIVE',
        work: has('not-valid') ? 'instant' : 'scan',
        ...also,
        recipe:
          "op.create_foreign_key(…, postgresql_not_valid=True), then in a later step op.execute('ALTER TABLE … VALIDATE CONSTRAINT name') (SHARE UPDATE EXCLUSIVE)",
      };
    }
    case 'create_check_constraint':
      return {
        mode: 'ACCESS EXCLUSIVE',
        work: has('not-valid') ? 'instant' : 'scan',
        recipe:
          "op.create_check_constraint(…, postgresql_not_valid=True), then op.execute('ALTER TABLE … VALIDATE CONSTRAINT name')",
      };
    case 'validate_constraint':
      return { mode: 'SHARE UPDATE EXCLUSIVE', work: 'scan', recipe: 'already the safe form' };
    case 'create_unique_constraint':
    case 'create_primary_key':
    case 'create_exclude_constraint':
      if (has('using-index'))
        return { mode: 'ACCESS EXCLUSIVE', work: 'instant', recipe: 'already the safe form' };
      return {
        mode: 'ACCESS EXCLUSIVE',
        work: 'index',
        recipe: `build the index first (${CONCURRENT_INDEX}), then op.execute('ALTER TABLE … ADD CONSTRAINT name UNIQUE USING INDEX index_name')`,
      };
    default:
      // drop_column, drop_constraint, drop_table, rename_table: catalog changes under the strongest lock
      return {
        mode: 'ACCESS EXCLUSIVE',
        work: 'instant',
        recipe: 'set lock_timeout so a queued lock gives up instead of blocking every query behind it',
      };
  }
}

/** ADD COLUMN: instant, unless its default or kind makes PostgreSQL write every row. */
function gradeAddColumn(has: (f: LockStep['flags'][number]) => boolean, major: number): LockGrade {
  if (has('identity-or-computed'))
    return {
      mode: 'ACCESS EXCLUSIVE',
      work: 'rewrite',
      recipe:
        'add the column without identity or generation, backfill it in batches, then attach the default or identity',
    };
  // PostgreSQL 11 stores a non-volatile default in the catalog; before 11 every default rewrites
  if ((has('default-constant') || has('default-expression') || has('default-volatile')) && major < 11)
    return {
      mode: 'ACCESS EXCLUSIVE',
      work: 'rewrite',
      recipe: 'add the column without a default, set the default in a second step, backfill in batches',
    };
  const later =
    'add the column nullable without the default, set the default in a second step, backfill in batches';
  if (has('default-volatile')) return { mode: 'ACCESS EXCLUSIVE', work: 'rewrite', recipe: later };
  if (has('default-expression'))
    return {
      mode: 'ACCESS EXCLUSIVE',
      work: 'rewrite',
      uncertain:
        'if its default is volatile (random(), gen_random_uuid(), clock_timestamp()); a stable one such as now() is stored once and rewrites nothing',
      recipe: later,
    };
  return {
    mode: 'ACCESS EXCLUSIVE',
    work: 'instant',
    recipe: 'keep it instant: a constant default or none; set lock_timeout so a queued lock gives up',
  };
}

/** The statements read from SQL that have no Alembic operation: CLUSTER, VACUUM FULL, REINDEX, LOCK TABLE, UPDATE, DELETE. */
function gradeStatement(
  step: LockStep,
  has: (f: LockStep['flags'][number]) => boolean,
): LockGrade | undefined {
  switch (step.call) {
    case 'cluster':
    case 'vacuum_full':
      return {
        mode: 'ACCESS EXCLUSIVE',
        work: 'rewrite',
        recipe: 'run it outside the release (pg_repack rewrites a table without holding ACCESS EXCLUSIVE)',
      };
    case 'reindex':
      return has('concurrently')
        ? { mode: 'SHARE UPDATE EXCLUSIVE', work: 'index', recipe: 'already concurrent' }
        : {
            mode: 'SHARE',
            work: 'index',
            recipe:
              'with op.get_context().autocommit_block(): op.execute("REINDEX TABLE CONCURRENTLY …") (PostgreSQL 12 and later)',
          };
    case 'lock_table': {
      const mode = LOCK_MODES.find((m) => m === step.lockMode) ?? 'ACCESS EXCLUSIVE';
      return {
        mode,
        work: 'instant',
        caveat: 'LOCK TABLE holds the lock until the migration commits, over every step after it.',
        recipe: 'lock the weakest mode the migration needs, and set lock_timeout before it',
      };
    }
    case 'update_rows':
    case 'delete_rows':
      return {
        mode: 'ROW EXCLUSIVE',
        work: 'scan',
        rowLocks: true,
        ...(has('where') ? { uncertain: 'unless its WHERE clause picks few rows through an index' } : {}),
        recipe:
          'change the rows in batches of a few thousand, each committed on its own (outside the migration, or in op.get_context().autocommit_block())',
      };
    default:
      return undefined;
  }
}

/**
 * How the step breaks the release still serving while it runs (Heroku keeps the old release up during
 * the release phase), or undefined when old code keeps working: what it removes or renames, or a
 * NOT NULL its inserts do not fill. The app's code is not read, so each says what it may do.
 */
export function breaksServing(step: LockStep): { readonly what: string; readonly why: string } | undefined {
  const col = step.column !== undefined ? `column ${step.table}.${step.column}` : `a column of ${step.table}`;
  switch (step.call) {
    case 'drop_column':
      return {
        what: `drops ${col}`,
        why: "the serving release's models, where they map it, select and insert it",
      };
    case 'drop_table':
      return { what: `drops table ${step.table}`, why: 'the serving release may still query it' };
    case 'rename_table':
      return {
        what: `renames table ${step.table}`,
        why: 'the serving release may still query it by its old name',
      };
    case 'alter_column':
      if (step.flags.includes('rename'))
        return { what: `renames ${col}`, why: 'the serving release may still use its old name' };
      if (step.flags.includes('type'))
        return {
          what: `changes the type of ${col}`,
          why: "the serving release's code was written for the old one",
        };
      if (step.flags.includes('not-null'))
        return { what: `makes ${col} NOT NULL`, why: "the serving release's inserts may leave it empty" };
      return undefined;
    default:
      return undefined;
  }
}

/** alter_column: a type change rewrites unless binary-coercible; SET NOT NULL scans unless a validated check proves it. */
function gradeAlterColumn(
  has: (f: LockStep['flags'][number]) => boolean,
  major: number,
  coercible: boolean,
): LockGrade {
  // a catalog change under ACCESS EXCLUSIVE, and why it is no more
  const instant = (caveat: string): LockGrade => ({
    mode: 'ACCESS EXCLUSIVE',
    work: 'instant',
    caveat,
    recipe: 'set lock_timeout so a queued lock gives up',
  });
  if (has('type') && coercible && !has('not-null'))
    return instant(
      'The new type is binary-coercible from the old one (pg_cast), so PostgreSQL rewrites nothing.',
    );
  if (has('type'))
    return {
      mode: 'ACCESS EXCLUSIVE',
      work: 'rewrite',
      caveat:
        'PostgreSQL does not rewrite when the new type is binary-coercible (varchar(n) to text, or to a longer varchar).',
      recipe:
        'add a column of the new type, backfill it in batches, switch the code over, then drop the old one',
    };
  if (has('not-null') && has('checked-not-null') && major >= 12)
    return instant('A CHECK (column IS NOT NULL) validated before it lets PostgreSQL skip the scan.');
  if (has('not-null'))
    return {
      mode: 'ACCESS EXCLUSIVE',
      work: 'scan',
      ...(major >= 12
        ? {
            caveat: 'PostgreSQL skips the scan when a valid CHECK (column IS NOT NULL) constraint exists.',
          }
        : {}),
      recipe:
        major >= 12
          ? "op.create_check_constraint(name, table, 'col IS NOT NULL', postgresql_not_valid=True); op.execute('ALTER TABLE … VALIDATE CONSTRAINT name'); then alter_column(nullable=False) and drop the check"
          : 'backfill first, and run it when traffic is lowest: before PostgreSQL 12 it always scans',
    };
  return {
    mode: 'ACCESS EXCLUSIVE',
    work: 'instant',
    recipe: 'set lock_timeout so a queued lock gives up',
  };
}

/** PostgreSQL's conflict table: the modes each mode waits for (and makes wait). */
const CONFLICTS: Record<LockMode, readonly LockMode[]> = {
  'ACCESS SHARE': ['ACCESS EXCLUSIVE'],
  'ROW SHARE': ['EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ROW EXCLUSIVE': ['SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE UPDATE EXCLUSIVE': [
    'SHARE UPDATE EXCLUSIVE',
    'SHARE',
    'SHARE ROW EXCLUSIVE',
    'EXCLUSIVE',
    'ACCESS EXCLUSIVE',
  ],
  SHARE: ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE ROW EXCLUSIVE': [
    'ROW EXCLUSIVE',
    'SHARE UPDATE EXCLUSIVE',
    'SHARE',
    'SHARE ROW EXCLUSIVE',
    'EXCLUSIVE',
    'ACCESS EXCLUSIVE',
  ],
  EXCLUSIVE: [
    'ROW SHARE',
    'ROW EXCLUSIVE',
    'SHARE UPDATE EXCLUSIVE',
    'SHARE',
    'SHARE ROW EXCLUSIVE',
    'EXCLUSIVE',
    'ACCESS EXCLUSIVE',
  ],
  'ACCESS EXCLUSIVE': LOCK_MODES,
};

/** The mode of a pg_locks row (AccessShareLock), or undefined for a mode that is not a table lock. */
export function modeOfPgLocks(mode: string): LockMode | undefined {
  return LOCK_MODES.find((m) => pgLocksMode(m) === mode);
}

/** Whether a lock held (or queued) in pg_locks' `held` makes a request for `wanted` wait. */
export function conflicts(held: string, wanted: LockMode): boolean {
  const m = modeOfPgLocks(held);
  return m !== undefined && CONFLICTS[wanted].includes(m);
}

/** How a finding names a step: the Alembic call, or op.execute's SQL read as that call. */
export function stepName(step: LockStep): string {
  return step.sql ? `op.execute's SQL (as ${step.call})` : `op.${step.call}`;
}
