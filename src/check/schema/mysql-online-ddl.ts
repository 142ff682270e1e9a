import type { MysqlFacts } from '../../database/version-table.js';
import type { LockStep } from './lock-facts.js';

/** What the server does for one ALTER: the lightest algorithm and lock it accepts for it. */
export interface MysqlGrade {
  /** INSTANT: the data dictionary only; NOCOPY (MariaDB): no rebuild; INPLACE: in place, the table rebuilt where `rebuild`; COPY: a new copy of the table. */
  readonly algorithm: 'INSTANT' | 'NOCOPY' | 'INPLACE' | 'COPY';
  /** What the app may do while it runs: NONE (reads and writes), SHARED (reads), EXCLUSIVE (nothing). */
  readonly lock: 'NONE' | 'SHARED' | 'EXCLUSIVE';
  /** The table (with its indexes) is written anew. */
  readonly rebuild: boolean;
  /** An index is built from every row. */
  readonly builds?: true;
  /** Where the grade comes from: MariaDB's is checked against a real server by the tests, MySQL 8's is the manual's. */
  readonly source: string;
  /** The safe form of the step, for the hint. */
  readonly recipe: string;
}

type Grade = Omit<MysqlGrade, 'source'>;

const INSTANT: Grade = {
  algorithm: 'INSTANT',
  lock: 'NONE',
  rebuild: false,
  recipe: 'nothing to do: it changes the data dictionary only',
};
const COPY: Grade = {
  algorithm: 'COPY',
  lock: 'SHARED',
  rebuild: true,
  recipe:
    'run it when writes can wait, or copy the table online with pt-online-schema-change or gh-ost; for a foreign key, op.execute("SET foreign_key_checks = 0") before it makes it INPLACE (existing rows are then not checked)',
};
const REBUILD: Grade = {
  algorithm: 'INPLACE',
  lock: 'NONE',
  rebuild: true,
  recipe:
    'it runs online, but rewrites the table: time it on a copy, and keep lock_wait_timeout short for its two metadata-lock waits',
};
const INDEX: Grade = {
  algorithm: 'NOCOPY',
  lock: 'NONE',
  rebuild: false,
  builds: true,
  recipe: 'it runs online; the index is built from every row, so time it on a copy',
};

const ONLINE = 'LOCK=NONE is written: the server builds it with writes going on, or refuses the statement';

/**
 * The grade of an Alembic step on MariaDB (10.6 and later, as the server's ALGORITHM= and LOCK= checks
 * answer) or MySQL 8.0 (its manual's online DDL tables); undefined for a step it does not know, which
 * then stays ungraded. Every ALTER also takes the table's metadata lock exclusively at its start and end.
 */
export function mysqlGrade(
  step: LockStep,
  facts: Pick<MysqlFacts, 'flavor'>,
  indexed: (table: string, column: string) => boolean = () => false,
  engine?: string,
): MysqlGrade | undefined {
  const mariadb = facts.flavor === 'MariaDB';
  const source = mariadb ? 'as MariaDB 10.11 answers ALGORITHM= and LOCK=' : "from MySQL 8.0's manual";
  // dropping an indexed column drops its index too, which MariaDB does without a copy but not instantly
  const dropsIndex =
    step.call === 'drop_column' && step.column !== undefined && indexed(step.table, step.column);
  const g = dropsIndex ? { ...INSTANT, algorithm: 'NOCOPY' as const } : grade(step, mariadb);
  const other = engine !== undefined && engine.toLowerCase() !== 'innodb' ? engine : undefined;
  if (g && other !== undefined && !metadataOnly(step, g))
    return {
      ...COPY,
      recipe: `${step.table} is ${other}: only InnoDB changes a table online. Run it when writes can wait, or convert the table first (ALTER TABLE … ENGINE=InnoDB, itself a copy)`,
      source: `${source}; ${other} copies for every change but a default or a name`,
    };
  return g && { ...g, ...(mariadb ? {} : mysql8(g)), source };
}

/** A change every engine makes in the data dictionary alone: a default, a name, the table dropped or renamed. */
function metadataOnly(step: LockStep, g: Grade): boolean {
  if (step.call === 'rename_table' || step.call === 'drop_table') return true;
  return step.call === 'alter_column' && g.algorithm === 'INSTANT';
}

function grade(step: LockStep, mariadb: boolean): Grade | undefined {
  const has = (f: LockStep['flags'][number]): boolean => step.flags.includes(f);
  if (has('recreate'))
    return {
      ...COPY,
      recipe: 'drop recreate="always": on MySQL batch_alter_table then emits plain ALTER TABLE statements',
    };
  switch (step.call) {
    case 'add_column':
      return has('identity-or-computed') ? COPY : INSTANT;
    case 'drop_column':
      return INSTANT;
    case 'alter_column':
      if (has('type')) return COPY;
      if (has('not-null')) return REBUILD;
      return INSTANT;
    case 'create_index':
    case 'create_unique_constraint': {
      const index = has('online') ? { ...INDEX, recipe: ONLINE } : INDEX;
      return mariadb ? index : { ...index, algorithm: 'INPLACE' };
    }
    case 'drop_index':
      return mariadb ? { ...INSTANT, algorithm: 'NOCOPY' } : { ...INSTANT, algorithm: 'INPLACE' };
    case 'drop_constraint':
      // MySQL's statement depends on the type: DROP FOREIGN KEY, DROP INDEX (unique), DROP PRIMARY KEY, DROP CHECK
      if (step.constraintType === 'foreignkey')
        return mariadb ? INSTANT : { ...INSTANT, algorithm: 'INPLACE' };
      if (step.constraintType === 'unique')
        return mariadb ? { ...INSTANT, algorithm: 'NOCOPY' } : { ...INSTANT, algorithm: 'INPLACE' };
      return undefined;
    case 'create_foreign_key':
      return COPY;
    case 'create_check_constraint':
      return COPY;
    case 'create_primary_key':
      return REBUILD;
    case 'rename_table':
    case 'drop_table':
      return { ...INSTANT, recipe: 'nothing to do: it takes the metadata lock only' };
    default:
      return undefined;
  }
}

/** Where MySQL 8.0's manual differs from MariaDB: no NOCOPY, and a drop or rename of a column before 8.0.29 rebuilds. */
function mysql8(g: Grade): Partial<Grade> {
  return g.algorithm === 'NOCOPY' ? { algorithm: 'INPLACE' } : {};
}
