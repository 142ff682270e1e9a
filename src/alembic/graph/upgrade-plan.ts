import type { Rev, RevisionMap } from './revision-map.js';
import { AlembicRaise, type FailureDetail } from '../loading/alembic-raise.js';
import { VersionRows, type StampValue, type VersionStorage } from './version-rows.js';
import { Resolver, type StampResolution } from './resolver.js';

export { AlembicRaise, type FailureDetail } from '../loading/alembic-raise.js';
export type { StampValue } from './version-rows.js';

export interface UpgradeStep {
  readonly revision: string;
  readonly downRevisions: readonly string[];
  /** What the version table does at this step (Alembic's HeadMaintainer). */
  readonly versionOps: readonly string[];
  /** The rows after this step (downgrade predictions keep them). */
  readonly rowsAfter?: readonly (string | null)[];
}

export interface UpgradePrediction {
  readonly target: string;
  readonly willSucceed: boolean;
  /** The revisions `alembic upgrade <target>` runs, in order. */
  readonly steps: readonly UpgradeStep[];
  /** The version table after a successful run (sorted; NULL rows stay NULL). */
  readonly finalHeads: readonly (string | null)[] | null;
  readonly failure?: PredictedFailure;
  /** Exactly what the `alembic` CLI prints on stdout (or the traceback's last line), null on success. */
  readonly cliOutput: string | null;
  /** Where the prediction stopped: a value we cannot model. The prediction is then not a promise. */
  readonly unpredictable?: string;
}

export interface PredictedFailure {
  /** Python exception class (CommandError when the CLI prints `FAILED: …`). */
  readonly exception: string;
  readonly message: string;
  /** Where Alembic stops: loading scripts, resolving the target, the rows, their overlap, or a step. */
  readonly stage: 'load' | 'target' | 'stamp' | 'overlap' | 'step';
  /** Stage `step`: the revision being applied, and for a KeyError the version-table row Alembic looked for. */
  readonly revision?: string;
  readonly row?: string;
  readonly detail?: FailureDetail;
  /** The graph and the rows allow the upgrade; a finding says where it fails (a broken env.py, a missing table). */
  readonly by?: { readonly code: string; readonly path?: string };
}

/** What `alembic upgrade <destination>` prints when `head` names several heads. */
export function multipleHeadsMessage(destination: string): string {
  return `Multiple head revisions are present for given argument '${destination}'; please specify a specific target revision, '<branchname>@${destination}' to narrow to a specific head, or 'heads' for all heads`;
}

/**
 * Predicts `alembic upgrade <target>` against the given version-table rows: a
 * port of `ScriptDirectory._upgrade_revs` → `RevisionMap.iterate_revisions`
 * (`_collect_upgrade_revisions`, `_topological_sort`) and of the
 * `HeadMaintainer` that writes the version table, with Alembic's error
 * translation (`_catch_revision_errors`). The map must have loaded cleanly.
 */
export function predictUpgrade(
  map: RevisionMap,
  target: string,
  rows: readonly StampValue[],
  versionTable = 'alembic_version',
  storage?: VersionStorage,
): UpgradePrediction {
  // a tuple or bytes id is filed under itself; where Alembic then trips (int() of the head, get_revision of
  // a step, a lookup by its text) depends on the path, and invalid-revision-value already blocks on it
  const odd = map.revisions.find((x) => x.key.startsWith('\u0000'));
  if (odd) {
    const why = `revision ${odd.id} in ${odd.file.path} is not a string, and where Alembic then fails depends on how the upgrade meets it; quote the id first`;
    return { target, willSucceed: false, steps: [], finalHeads: null, cliOutput: null, unpredictable: why };
  }
  const r = new Resolver(map);
  try {
    const revs = r.iterateUpgrade(target, rows);
    const ordered = [...revs].reverse();
    const { steps, finalHeads } = simulateVersionTable(r, ordered, rows, versionTable, storage);
    return { target, willSucceed: true, steps, finalHeads, cliOutput: null };
  } catch (e) {
    if (!(e instanceof AlembicRaise)) throw e;
    const failure = translate(e, target);
    if (failure.exception === 'Unpredictable') {
      return {
        target,
        willSucceed: false,
        steps: [],
        finalHeads: null,
        cliOutput: null,
        unpredictable: failure.message,
      };
    }
    return {
      target,
      willSucceed: false,
      steps: [],
      finalHeads: null,
      failure: {
        exception: failure.exception,
        message: failure.message,
        stage: failure.stage,
        ...(failure.step !== undefined ? { revision: failure.step } : {}),
        ...(failure.step !== undefined && failure.exception === 'KeyError' && failure.argument !== undefined
          ? { row: failure.argument }
          : {}),
        ...(failure.detail ? { detail: failure.detail } : {}),
      },
      cliOutput: failure.cliOutput,
    };
  }
}

/**
 * How many revisions a database moved up between two readings of its version table: those the rows
 * after include (with their ancestors) and the rows before did not. Undefined when a row does not
 * resolve, or the database moved down (what it no longer has is not an upgrade).
 */
export function revisionsApplied(
  map: RevisionMap,
  before: readonly StampValue[],
  after: readonly StampValue[],
): number | undefined {
  if (![...before, ...after].every((x) => typeof x === 'string' && map.byKey.has(x))) return undefined;
  const r = new Resolver(map);
  const was = r.ancestorIds(before as string[]);
  const now = r.ancestorIds(after as string[]);
  let up = 0;
  for (const rev of map.revisions) {
    if (map.byKey.get(rev.key) !== rev) continue;
    const inNow = now.has(rev.key);
    const inWas = was.has(rev.key);
    if (inWas && !inNow) return undefined;
    if (inNow && !inWas) up++;
  }
  return up;
}

/** Resolves each row on its own, as `get_revisions` would, for per-row findings. */
export function resolveStamps(map: RevisionMap, rows: readonly StampValue[]): StampResolution[] {
  const r = new Resolver(map);
  return rows.map((value) => r.resolveStamp(value));
}

/** `_catch_revision_errors` as `_upgrade_revs` configures it. */
export function translate(e: AlembicRaise, destination: string): AlembicRaise {
  switch (e.exception) {
    case 'ResolutionError':
      return new AlembicRaise(
        'CommandError',
        `Can't locate revision identified by '${e.argument ?? ''}'`,
        e.argument,
        e.stage,
        e.detail,
      );
    case 'MultipleHeads':
      return new AlembicRaise(
        'CommandError',
        multipleHeadsMessage(destination),
        undefined,
        e.stage,
        e.detail,
      );
    case 'RevisionError':
      return new AlembicRaise('CommandError', e.message, e.argument, e.stage, e.detail);
    default:
      return e;
  }
}

/** `HeadMaintainer.update_to_step` per upgrade step, with the online rowcount check. */
function simulateVersionTable(
  r: Resolver,
  ordered: readonly Rev[],
  rows: readonly StampValue[],
  table: string,
  storage?: VersionStorage,
): { steps: UpgradeStep[]; finalHeads: (string | null)[] } {
  const t = new VersionRows(rows, table, storage);
  const steps: UpgradeStep[] = [];
  for (const rev of ordered) {
    try {
      steps.push(applyStep(rev));
    } catch (e) {
      if (e instanceof AlembicRaise && e.stage === 'step') e.step = rev.id;
      throw e;
    }
  }
  return { steps, finalHeads: t.final() };

  function applyStep(rev: Rev): UpgradeStep {
    t.ops = [];
    const down = rev.normalizedDown;
    const id = rev.id;
    const present = down.filter((d) => t.heads.has(d));
    if (down.length === 0 || present.length === 0) {
      t.insert(id);
    } else if (down.length > 1 && present.length > 1) {
      const others = [...t.heads].filter((h): h is string => h !== null && !down.includes(h));
      let from: string[];
      if (others.length > 0) {
        const anc = r.ancestorIds(others);
        from = down.filter((d) => !anc.has(d));
      } else from = [...down];
      // Alembic takes these from a set: which row it UPDATEs varies, the end state does not
      for (const d of from.slice(0, -1)) t.del(d);
      t.update(from[from.length - 1]!, id);
    } else {
      let downRev: string;
      if (down.length !== 1) {
        if (present.length !== 1)
          throw new AlembicRaise(
            'AssertionError',
            "Can't do an UPDATE because downrevision is ambiguous",
            undefined,
            'step',
          );
        downRev = present[0]!;
      } else downRev = down[0]!;
      t.update(downRev, id);
    }
    return { revision: id, downRevisions: [...rev.versionedDown], versionOps: t.ops };
  }
}
