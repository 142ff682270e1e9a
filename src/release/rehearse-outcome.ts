import type { AlembicFailure } from './alembic-failure.js';

/** One Alembic command the rehearsal ran. */
export interface RehearseStep {
  readonly command: 'upgrade' | 'downgrade';
  readonly target: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly failure?: AlembicFailure;
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
  /** Stopped by SIGINT or SIGTERM: the scratch database was removed all the same. */
  readonly interrupted?: NodeJS.Signals;
  readonly ok: boolean;
}
