import type { Forensics } from '../history/git-history.js';
import type { AppWords } from '../check/app-words.js';
import type { ProjectModel } from '../alembic/loading/project-model.js';
import type { StampValue, UpgradePrediction } from '../alembic/graph/upgrade-plan.js';
import type { VersionTableState } from '../database/version-table.js';
import type { SchemaMatch } from '../check/schema/schema-probe.js';

// What backfill plans and proves, as data: the ids, the placeholders, the refusals, the proof.

/** One id to backfill and everything we know about where it came from. */
export interface MissingId {
  readonly id: string;
  /** Where the id was seen: database host, log file:line, --revision. */
  readonly seen: readonly string[];
  readonly forensics?: Forensics;
  /** The deploy log's `Running upgrade A -> id`: the parent the database used. */
  readonly logParent?: { readonly from: readonly string[]; readonly where: string };
}

export interface BackfillRequest {
  readonly missing: readonly MissingId[];
  /** --after: per id; '*' applies to every id. */
  readonly after: ReadonlyMap<string, string>;
  readonly rewire: boolean;
  readonly target: string;
  /** The live rows, when the database was read; otherwise each id is proven as a one-row database. */
  readonly rows: readonly StampValue[] | null;
  /** The version table's name as SQL needs it (for the DELETE of a stale row). */
  readonly versionTable?: string;
  readonly now: Date;
  /** The database read, with its catalog: candidates ranked by it and the proof's schema probes. */
  readonly state?: VersionTableState;
}

/** Reads a file and rebuilds the model with planned contents; injected so planning stays testable. */
export interface BackfillIo {
  readFile(absPath: string): Buffer;
  exists(absPath: string): boolean;
  rebuild(overlay: ReadonlyMap<string, Buffer>): ProjectModel;
}

export interface PlannedPlaceholder {
  readonly id: string;
  readonly downRevisions: readonly string[];
  readonly placement: string;
  readonly absPath: string;
  readonly path: string;
  readonly content: Buffer;
  readonly forensics?: Forensics;
  readonly rewired: readonly {
    readonly revision: string;
    readonly path: string;
    readonly lines: readonly number[];
    readonly notes: readonly string[];
  }[];
}

export interface Candidate {
  readonly after: string;
  readonly rewires: readonly string[];
  /** What `alembic upgrade <target>` would run on the database with the placeholder there. */
  readonly prediction: UpgradePrediction;
  /** How well the catalog matches the schema this revision leaves (the placeholder changes nothing). */
  readonly schema?: SchemaMatch;
}

export interface Refusal {
  readonly id: string;
  readonly reason: string;
  readonly forensics?: Forensics;
  readonly candidates: readonly Candidate[];
  /** A command that resolves it, when one exists (restamp for a renamed file). */
  readonly suggestion?: string;
  /**
   * No placement works, and the database's other rows alone already say where it is: the row is stale and
   * should go. The prediction is the upgrade from those rows.
   */
  readonly stale?: { readonly rest: readonly StampValue[]; readonly prediction: UpgradePrediction };
  /** The catalog was read, but the database has none of the objects the migrations create: the schema ranks nothing. */
  readonly nothingCompared?: true;
}

export interface Proof {
  readonly ok: boolean;
  readonly headsBefore: readonly string[];
  readonly headsAfter: readonly string[];
  readonly scenarios: readonly {
    readonly rows: readonly StampValue[];
    readonly resolves: boolean;
    readonly prediction: UpgradePrediction;
  }[];
  readonly problems: readonly string[];
  /** The schema probes on the database with the placeholders in place (when its catalog was read). */
  readonly schema?: ProofSchema;
}

/** Whether the schema the no-op placeholders leave matches the database's catalog. */
export interface ProofSchema {
  readonly checked: number;
  readonly unknown: number;
  /** objects whose presence differs from what the revisions up to the stamp leave */
  readonly differ: readonly string[];
  /** the pending step that fails on the schema as it is, with its error */
  readonly clash?: string;
}

export interface BackfillPlan {
  readonly placeholders: readonly PlannedPlaceholder[];
  readonly skipped: readonly { readonly id: string; readonly reason: string }[];
  readonly refused: readonly Refusal[];
  /** Every file to create or change: path → [before (null: new), after]. */
  readonly changes: ReadonlyMap<string, { readonly before: Buffer | null; readonly after: Buffer }>;
  readonly proof: Proof | null;
}

export interface BackfillOutcome {
  readonly cwd: string;
  readonly plan: BackfillPlan;
  readonly written: boolean;
  /** Set when the files were written, the proof failed on disk, and they were put back. */
  readonly restored?: string;
  /** Nothing refused, the proof held (or nothing to place), nothing had to be restored. */
  readonly ok: boolean;
  /** The `alembic upgrade` target the proof predicts. */
  readonly target: string;
  /** `Procfile:LINE` when the target was read from the release line. */
  readonly targetFrom?: string;
  /** The Procfile release line, when `targetFrom` is in a script it runs. */
  readonly targetVia?: string;
  /** The version table as SQL names it, when a database was read. */
  readonly versionTable?: string;
  /** How the app spells Alembic's commands: the upgrade is shown as it runs it (`flask db upgrade`, `-c INI`). */
  readonly words: AppWords;
}
