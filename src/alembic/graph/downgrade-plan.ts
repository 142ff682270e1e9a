import { AlembicRaise } from '../loading/alembic-raise.js';
import type { AlembicFeatures } from '../config/alembic-version.js';
import type { Rev, RevisionMap } from './revision-map.js';
import { BASE, relativeTarget, Resolver } from './resolver.js';
import { translate, type UpgradePrediction, type UpgradeStep } from './upgrade-plan.js';
import { VersionRows, type StampValue } from './version-rows.js';

/**
 * Predicts `alembic downgrade <target>` against the given version-table rows: a port of
 * `command.downgrade` → `ScriptDirectory._downgrade_revs` → `RevisionMap.iterate_revisions(…,
 * select_for_downgrade=True)` (`_parse_downgrade_target`, `_collect_downgrade_revisions`,
 * `_topological_sort`) and of the HeadMaintainer's downgrade steps, with Alembic's error
 * translation. The steps are the revisions whose downgrade() runs, in order; the map must have
 * loaded cleanly.
 */
export function predictDowngrade(
  map: RevisionMap,
  target: string,
  rows: readonly StampValue[],
  features: Pick<AlembicFeatures, 'unmergeDropsAncestors'>,
  versionTable = 'alembic_version',
): UpgradePrediction {
  const r = new Resolver(map);
  try {
    // command.downgrade: a range is for --sql only
    if (target.includes(':')) throw new AlembicRaise('CommandError', 'Range revision not allowed');
    const ordered = collectDowngrade(r, map, target, rows);
    const { steps, finalHeads } = simulateDowngrade(
      r,
      ordered,
      rows,
      versionTable,
      features.unmergeDropsAncestors,
    );
    return { target, willSucceed: true, steps, finalHeads, cliOutput: null };
  } catch (e) {
    if (!(e instanceof AlembicRaise)) throw e;
    const failure = e.exception === 'CommandError' ? e : translate(e, target);
    if (failure.exception === 'Unpredictable')
      return {
        target,
        willSucceed: false,
        steps: [],
        finalHeads: null,
        cliOutput: null,
        unpredictable: failure.message,
      };
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
      },
      cliOutput: failure.cliOutput,
    };
  }
}

/** `_collect_downgrade_revisions` (inclusive and implicit_base false, as `downgrade` calls it), sorted. */
function collectDowngrade(r: Resolver, map: RevisionMap, target: string, rows: readonly StampValue[]): Rev[] {
  const [label, found] = parseDowngradeTarget(r, target, rows);
  const to = found === BASE ? null : found;
  let roots: Rev[];
  // back to base: every tree's root; else the target's children
  if (to === null) roots = map.revisions.filter((x) => x.versionedDown.length === 0);
  else roots = r.revisionsOfIds(to.nextrev);
  if (label && roots.length > 1) {
    const ancestors = new Set(r.ancestors([r.resolveBranch(label, 'target')], false, false, 'target'));
    roots = roots.filter((x) => ancestors.has(x));
    if (roots.length === 0)
      throw new AlembicRaise('RevisionError', 'Not a valid downgrade target from current heads');
  }
  const heads = r.getRevisionsFromRows(rows);
  // to drop a root, drop its descendants and whatever depends on it, among what the database has
  const active = new Set(r.ancestors(heads, true, false, 'overlap'));
  const drop = new Set(r.descendants(roots, true, false, 'target').filter((x) => active.has(x)));
  if (to !== null && drop.size === 0 && !heads.includes(to)) {
    throw new AlembicRaise(
      'CommandError',
      `Destination ${target} is not a valid downgrade target from current head(s)`,
    );
  }
  return r.topologicalSort(drop, heads);
}

/** `_parse_downgrade_target`: the branch label given (if any) and the revision to go down to (BASE: base). */
function parseDowngradeTarget(
  r: Resolver,
  target: string,
  rows: readonly StampValue[],
): [string | undefined, Rev | typeof BASE | null] {
  const rel = relativeTarget(target);
  if (!rel) {
    // absolute: `label@rev` names rev (the label only narrows the roots)
    const at = target.lastIndexOf('@');
    const label = at > 0 ? target.slice(0, at) : undefined;
    return [label, r.getRevisionOrNone(target.slice(at + 1), 'target')];
  }
  const { symbol, text, steps } = rel;
  let label = rel.label;
  const produced = (): AlembicRaise =>
    new AlembicRaise(
      'RevisionError',
      `Relative revision ${text} didn't produce ${steps < 0n ? -steps : steps} migrations`,
    );
  if (steps >= 0n) {
    // downgrading to current + n is not valid
    if (symbol === undefined) throw produced();
    const found = r.walk(symbol, steps, label);
    if (found === null) throw new AlembicRaise('RevisionError', 'Walked too far');
    return [label, found];
  }
  let from = symbol;
  if (symbol === undefined) {
    if (label) {
      const strings = rows.map((x) => (typeof x === 'string' ? x : undefined));
      if (strings.some((x) => x === undefined))
        throw new AlembicRaise(
          'Unpredictable',
          'a version-table row that is not a string, under a relative downgrade on a branch',
        );
      let symbols = r.filterForLineage(strings as string[], label, 'target');
      if (symbols.length === 0) {
        // several branches, one of them current: its branch heads among everything current
        symbols = r
          .filterRevsForLineage(
            branchHeads(r, r.ancestors(r.getRevisionsFromRows(rows), true, false, 'overlap')),
            label,
          )
          .map((x) => x.id);
      }
      if (symbols.length !== 1) throw new AlembicRaise('AssertionError', '', undefined, 'target');
      from = symbols[0];
    } else {
      if (rows.length === 0) throw produced();
      const first = rows[0]!;
      if (typeof first !== 'string')
        throw new AlembicRaise(
          'Unpredictable',
          'a relative downgrade from a version-table row that is NULL or not a string',
        );
      from = first;
      // restrict the walk to the selected branch
      label = first;
    }
  }
  const start = r.getRevisionOrNone(label === undefined ? from! : `${label}@${from!}`, 'target');
  const found = r.walk(start, steps, undefined);
  if (found === null)
    throw symbol === undefined ? produced() : new AlembicRaise('RevisionError', 'Walked too far');
  return [label, found];
}

/** `_filter_into_branch_heads`: the revisions none of whose descendants (by down revisions) is in the set. */
function branchHeads(r: Resolver, revs: readonly Rev[]): Rev[] {
  const set = new Set(revs);
  return [...set].filter(
    (x) => !r.descendants([x], false, false, 'target').some((d) => d !== x && set.has(d)),
  );
}

/** HeadMaintainer.update_to_step for each downgrade step. */
function simulateDowngrade(
  r: Resolver,
  ordered: readonly Rev[],
  rows: readonly StampValue[],
  table: string,
  dropImplied: boolean,
): { steps: UpgradeStep[]; finalHeads: (string | null)[] } {
  const t = new VersionRows(rows, table);
  const steps: UpgradeStep[] = [];
  for (const rev of ordered) {
    try {
      t.ops = [];
      step(rev);
      steps.push({
        revision: rev.id,
        downRevisions: [...rev.versionedDown],
        versionOps: t.ops,
        rowsAfter: t.final(),
      });
    } catch (e) {
      if (e instanceof AlembicRaise && e.stage === 'step') e.step = rev.id;
      throw e;
    }
  }
  return { steps, finalHeads: t.final() };

  function step(rev: Rev): void {
    const id = rev.id;
    const down = rev.normalizedDown;
    // _unmerge_to_revisions: the down revisions no other head already implies
    const unmergeTo = (): string[] => {
      const others = [...t.heads].filter((h): h is string => h !== null && h !== id);
      if (others.length === 0) {
        if (!dropImplied) return [...down];
        // 1.13.1 and later: a down revision another one descends from (through depends_on) is implied by it
        return down.filter((d) => !down.some((e) => e !== d && r.ancestorIds([e]).has(d)));
      }
      const anc = r.ancestorIds(others);
      return down.filter((d) => !anc.has(d));
    };
    if (t.heads.has(id) && (down.length === 0 || unmergeTo().length === 0)) t.del(id);
    else if (t.heads.has(id) && down.length > 1) {
      // Alembic takes these from a set: which row it UPDATEs varies, the end state does not
      const to = unmergeTo();
      for (const x of to.slice(0, -1)) t.insert(x);
      t.update(id, to[to.length - 1]!);
    } else {
      let downRev: string;
      if (down.length !== 1) {
        const present = down.filter((d) => t.heads.has(d));
        if (present.length !== 1)
          throw new AlembicRaise(
            'AssertionError',
            "Can't do an UPDATE because downrevision is ambiguous",
            undefined,
            'step',
          );
        downRev = present[0]!;
      } else downRev = down[0]!;
      t.update(id, downRev);
    }
  }
}
