import type { AlembicFailure } from './alembic-failure.js';
import type { ModelDrift } from './model-drift.js';

/** One Alembic command the rehearsal ran. */
export interface RehearseStep {
  readonly command: 'upgrade' | 'downgrade' | 'stamp';
  readonly target: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly failure?: AlembicFailure;
  /** Started under --unfenced although it could not be proved fenced: why. */
  readonly unfenced?: string;
}

/** A downgrade that did not give back the schema from before its upgrade, or an upgrade that built another one the second time. */
export interface SchemaDrift {
  /** What was compared: "after downgrade base" or "after upgrade head again". */
  readonly when: string;
  /** The revision whose downgrade (or upgrade) left it, when one is known. */
  readonly revision?: string;
  readonly path?: string;
  /** Objects there that should not be, and objects missing that should be. */
  readonly leftBehind: readonly string[];
  readonly missing: readonly string[];
}

export interface RehearseOutcome {
  readonly mode: 'cycle' | 'step' | 'from-production';
  /** --from-production: how production's schema was read. */
  readonly copiedWith?: string;
  readonly scratch: string;
  readonly command: string;
  readonly steps: readonly RehearseStep[];
  readonly drift: readonly SchemaDrift[];
  /** The models compared with the schema the migrations made (absent with --no-drift, or when a step failed first). */
  readonly models?: ModelDrift | { readonly failed: AlembicFailure };
  /** --idempotent: each revision's upgrade() run again on a schema that has its changes. */
  readonly idempotency?: readonly IdempotencyRun[];
  /** --then: the team's command, run on the scratch database after the final upgrade. */
  readonly then?: ThenRun;
  /** Stopped by SIGINT or SIGTERM: the scratch database was removed all the same. */
  readonly interrupted?: NodeJS.Signals;
  readonly ok: boolean;
}

/** One revision's upgrade() run a second time (stamped back to its parent, upgraded again). */
export interface IdempotencyRun {
  readonly revision: string;
  readonly path: string;
  readonly ok: boolean;
  readonly failure?: AlembicFailure;
  /** Started under --unfenced although it could not be proved fenced: why. */
  readonly unfenced?: string;
}

/** The command `--then` names, run after the final upgrade. */
export interface ThenRun {
  readonly command: string;
  readonly ok: boolean;
  readonly ms: number;
  /** What it exited with, and the error its output ends with. */
  readonly exit: string;
  readonly failure?: AlembicFailure;
  /** Started under --unfenced although it could not be proved fenced: why. */
  readonly unfenced?: string;
}
