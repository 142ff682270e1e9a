import type { DataChecks } from '../database/data-probe.js';
import type { InTransactionStep } from './schema/transaction-steps.js';
import type { PartlyApplied } from './schema/partly-applied.js';
import type { AlreadyPresent } from './schema/already-present.js';
import type { VersionWrites } from './version-writes.js';
import type { AppWords } from './app-words.js';
import type { StampValue } from '../alembic/graph/version-rows.js';
import type { LedgerView } from './ledger-view.js';
import type { SqliteStep } from './schema/sqlite-steps.js';
import type { InputRead } from './input-reads.js';
import type { Finding, FindingCode, Severity } from './finding.js';
import type { PendingLocks } from './schema/pending-locks.js';
import type { SchemaProbe } from './schema/schema-probe.js';
import type { RollbackLosses } from './schema/rollback-losses.js';
import type { ReleaseCommandProblem } from '../deploy/alembic-argv.js';
import type { AppIdentity } from '../deploy/app-identity.js';
import type { GeneratedAtRelease } from '../deploy/generating-command.js';
import type { Forensics } from '../history/git-history.js';
import type { ProjectModel } from '../alembic/loading/project-model.js';
import type { LintContext } from './lint/lint-context.js';
import type { StampResolution } from '../alembic/graph/resolver.js';
import type { UpgradePrediction } from '../alembic/graph/upgrade-plan.js';
import type { VersionTableState } from '../database/version-table.js';
import type { ProjectFiles } from '../project/project-files.js';
import type { IniUrl, OtherDatabases, UrlVariables } from '../database/url-comparisons.js';

/** What `verify` adds: the live version table, each row's resolution, and the predicted upgrade. */
export interface DatabaseContext {
  readonly state: VersionTableState;
  /** Off any platform, the targets other platforms' files name, each predicted on this database. */
  readonly otherTargets?: readonly {
    readonly target: string;
    readonly where: string;
    readonly prediction: UpgradePrediction;
  }[];
  /** How the app spells Alembic's commands (`flask db upgrade` in a Flask-Migrate app, `-c` where the ini is elsewhere): the findings name them so. */
  readonly words: AppWords;
  readonly stamps: readonly StampResolution[];
  readonly prediction: UpgradePrediction;
  /** The ledger's account of the rows against this code (empty without a ledger). */
  readonly ledger: LedgerView;
  /** Where each missing id came from, per git (absent when not searched). */
  readonly forensics?: ReadonlyMap<string, Forensics>;
  /** The database URL holds a `%` that ConfigParser refuses to store (the URL itself never reaches the rules). */
  readonly urlBarePercent?: boolean;
  /** The database-URL variables env.py reads, each compared with the URL we read (the values never reach the rules). */
  readonly urlVariables?: UrlVariables;
  /** env.py connects with alembic.ini's sqlalchemy.url: how that URL compares with ours (the values never reach the rules). */
  readonly iniUrl?: IniUrl;
  /** env.py migrates several databases, each with its own version table, and verify read one of them. */
  readonly otherDatabases?: OtherDatabases;
  /** The schema probes: what the migrations say set against the catalog (absent when it was not read). */
  readonly schema?: SchemaProbe;
  /** The pending steps' locks graded against the live tables (PostgreSQL; absent with --locks off or nothing to grade). */
  readonly locks?: PendingLocks;
  /** A rollback: what the revisions the database is ahead by removed of this code's schema, per the ledger's steps. */
  readonly rollback?: RollbackLosses;
  /** SQLite: the first pending step it cannot run outside batch_alter_table. */
  readonly sqliteRefused?: SqliteStep;
  /** PostgreSQL: the first pending step it refuses inside the transaction Alembic runs it in (CREATE INDEX CONCURRENTLY). */
  readonly inTransaction?: InTransactionStep;
  /** The first pending revision with some of its steps already in the database (a run that stopped partway). */
  readonly partly?: PartlyApplied;
  /** The first pending upgrade() that reads its terminal (`input()`): without one it fails with EOFError. */
  readonly inputRead?: InputRead;
  /** Nothing stamped, yet tables the pending migrations create are there (schema-already-present). */
  readonly alreadyPresent?: AlreadyPresent;
  /** What the catalog says of Alembic's writes to the existing version table (absent where it was not read). */
  readonly versionWrites?: VersionWrites;
  /** The URL's driver, where the Python that runs Alembic cannot import it (absent: it can, or nothing is known). */
  readonly driver?: DriverFact;
  /** The data probes: each pending step that depends on the rows, and what the rows say (absent where none was planned). */
  readonly data?: DataChecks;
  /** The one row no revision resolves, with Alembic's upgrade were it deleted and the others kept (absent: several such rows, or none would be left). */
  readonly afterDelete?: ReadonlyMap<StampValue, UpgradePrediction>;
}

/** A database driver SQLAlchemy will import for the URL, and why it is thought missing. */
export interface DriverFact {
  /** The URL's scheme as written (mysql+mysqlconnector). */
  readonly scheme: string;
  /** The module SQLAlchemy imports (mysql.connector) and the distribution that provides it. */
  readonly module: string;
  readonly distribution: string;
  /** python: the Python of the alembic script on PATH could not find it; declared: the project's declarations do not name it. */
  readonly missing: 'python' | 'declared';
  /** The interpreter asked (missing: python). */
  readonly python?: string;
  /** env.py names a driver in a URL or sets drivername: the URL Alembic uses may name another driver. */
  readonly envPyDriver?: true;
}

/** What verify learnt about the URL it read and the URL Alembic will use, for the URL rules. */
export type UrlFacts = Pick<DatabaseContext, 'urlBarePercent' | 'urlVariables' | 'iniUrl' | 'otherDatabases'>;

export type { IniUrl, OtherDatabases, UrlVariables } from '../database/url-comparisons.js';

export interface CheckContext {
  readonly model: ProjectModel;
  /** How the app spells Alembic's commands, for the fixes (the database's own under verify). */
  readonly words: AppWords;
  /** The project's files beyond the model: rules read through this, never through node:fs. */
  readonly files: ProjectFiles;
  readonly database?: DatabaseContext;
  /** Present when lints run (`check` without --no-lint). */
  readonly lint?: LintContext;
  /**
   * `check --target`: the deploy's upgrade target, and Alembic's run to it on
   * an empty version table. Only how the target resolves is read from it: the
   * live rows are `verify`'s business.
   */
  readonly target?: UpgradePrediction;
  /** The release phase's migration command, when it fails before migrating or migrates nothing. */
  readonly release?: ReleaseCommandProblem;
  /** Commands the release phase runs that write a new migration (`flask db migrate` before the upgrade). */
  readonly releaseGenerates?: readonly GeneratedAtRelease[];
  /** `release`: the app it releases, and what the settings and flags say of sharing a database. */
  readonly releasing?: Releasing;
}

/** The app a release runs for, and which other apps' databases it may migrate. */
export interface Releasing {
  readonly app: AppIdentity;
  /** `shared-with` in the settings: apps that share databases with this one. */
  readonly sharedWith: readonly string[];
  /** `--share-database`: this one release may migrate a database another app owns. */
  readonly share: boolean;
  /** `require-identity = true`: a release that cannot name its app stops. */
  readonly required: boolean;
}

export interface Rule {
  /** Stable kebab-case code; also the name of the rule file, its doc page and its test. */
  readonly code: FindingCode;
  readonly severity: Severity;
  /**
   * What is wrong, in a few words that fit a finding's first line after `warning [code] `: the text
   * report leads with it when a finding has no title of its own and its message's first sentence is
   * longer than that line (the message is then the finding's why, whole).
   */
  readonly title: string;
  /** One line for `--rules` and the docs index. */
  readonly summary: string;
  /** `lint`: a migration lint (review-time advice; severity configurable, off with --no-lint). Default: a graph or database rule. */
  readonly kind?: 'lint';
  /**
   * A finding about how the code reads, never about what Alembic does (a docstring, a file name): left
   * out of `release`'s log unless asked (--cosmetic), where a reader looks for what went wrong.
   */
  readonly cosmetic?: true;
  /** Lints only: false for a rule that runs only when configured on. */
  readonly enabledByDefault?: boolean;
  /** `previous`: findings of the rules listed before this one (only the catch-all rule reads them). */
  check(ctx: CheckContext, previous?: readonly Finding[]): Finding[];
}
