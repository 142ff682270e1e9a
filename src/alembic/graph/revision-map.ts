import { codePointCompare } from '../loading/discovery.js';
import type { ScriptFile } from '../loading/script-loader.js';
import { nextEpoch, Rev, type GraphProblem } from './rev.js';
import { detectCycles } from './cycle-detection.js';
import { iterateRelated, keyRepr, keyText, type Fail } from './graph-walk.js';
export { Rev, type GraphProblem, type GraphProblemCode } from './rev.js';

export interface RevisionMap {
  /** Winning revision per id, in Alembic's map order. */
  readonly revisions: readonly Rev[];
  /** Every revision object, duplicate losers included, in load order. */
  readonly all: readonly Rev[];
  readonly byKey: ReadonlyMap<string, Rev>;
  /** Label → revision, as Alembic's map keys. */
  readonly labels: ReadonlyMap<string, Rev>;
  /** What `alembic heads` lists: duplicate losers and effective heads included. */
  readonly heads: readonly string[];
  /** The head objects behind `heads`: a duplicate's losing copy is one of them. */
  readonly headRevs: readonly Rev[];
  readonly realHeads: readonly string[];
  readonly bases: readonly string[];
  readonly realBases: readonly string[];
  readonly problems: readonly GraphProblem[];
  /**
   * Alembic's `_add_branches` label propagation. Computed on first call: it is
   * O(labels × descendants), and only label-relative targets (`label@head`) need it.
   */
  propagateLabels(): void;
  /** `_normalize_depends_on`, on first call (upgrade planning needs it). */
  normalizeDependsOn(): void;
  /** The first failure Alembic hits while building the map, if any. */
  readonly failure?: GraphProblem;
}

/**
 * A line-by-line port of `RevisionMap._revision_map` (reference §4.1), run in
 * tolerant mode: where Alembic raises, we record the problem and carry on
 * without the offending edge or label. The first recorded failure is exactly
 * where Alembic stops; the rest are what it would report after that is fixed.
 */
export function buildRevisionMap(scripts: readonly ScriptFile[]): RevisionMap {
  const problems: GraphProblem[] = [];
  const fail: Fail = (p, failure) => void problems.push({ ...p, failure });
  const { map, all, bases, realBases, hasLabels } = collectRevisions(scripts, problems);
  const revMap = new Map(map);
  const labels = mapBranchLabels(hasLabels, map, fail);
  markLabelOrder(problems);
  addDependsOn(all, map, fail);
  markDependencyOrder(problems);
  const demoted = linkDownRevisions(map, all.length, problems);
  const heads = all.filter((r) => (demoted[r.ord]! & 1) === 0);
  const realHeads = all.filter((r) => (demoted[r.ord]! & 2) === 0);

  // a down_revision naming a label passes the loop above, then fails on the id-only map
  const labelDowns = new Set<Rev>();
  for (const rev of revMap.values()) {
    for (const down of rev.versionedDown) {
      if (!revMap.has(down) && labels.has(down)) labelDowns.add(rev);
    }
  }

  // _normalize_depends_on: only upgrade planning reads its result, so it runs lazily,
  // except where its walk can raise (a label used as down_revision) and fidelity needs it now
  let normalized = false;
  const normalizeDependsOn = (): void => {
    if (normalized) return;
    normalized = true;
    if (labelDowns.size === 0 && normalizeFast(all, revMap)) return;
    normalizeByWalking(all, map, (broken) => {
      const msg = 'Dependency resolution failed; broken map';
      fail(
        { code: 'down-revision-is-label', rev: broken.rev, others: [], ids: [broken.id] },
        { exception: 'RevisionError', message: msg, commandError: true },
      );
    });
  };
  if (labelDowns.size > 0) normalizeDependsOn();
  if (revMap.size > 0)
    detectCycles({ revMap, all, labels, labelDowns, heads, bases, realHeads, realBases, problems, fail });

  let propagated = false;
  return {
    normalizeDependsOn,
    propagateLabels: () => {
      if (!propagated) addBranches(hasLabels, map);
      propagated = true;
    },
    revisions: [...revMap.values()],
    all,
    byKey: map,
    labels,
    heads: heads.map((r) => r.id),
    headRevs: heads,
    realHeads: realHeads.map((r) => r.id),
    bases: bases.map((r) => r.id),
    realBases: realBases.map((r) => r.id),
    problems,
    failure: problems.find((p) => p.failure),
  };
}

/** The revisions in load order, by id, with the bases and the labelled ones (a duplicate id: the later wins, as in Alembic's dict). */
function collectRevisions(
  scripts: readonly ScriptFile[],
  problems: GraphProblem[],
): { map: Map<string, Rev>; all: Rev[]; bases: Rev[]; realBases: Rev[]; hasLabels: Rev[] } {
  const map = new Map<string, Rev>();
  const bases: Rev[] = [];
  const realBases: Rev[] = [];
  const hasLabels: Rev[] = [];
  const all: Rev[] = [];

  for (const file of scripts) {
    if (!file.script) continue;
    const rev = new Rev(file.script, file, all.length);
    all.push(rev);
    const existing = map.get(rev.key);
    if (existing) {
      const warning = `Revision ${rev.id} is present more than once`;
      problems.push({ code: 'duplicate-revision', rev, others: [existing], ids: [rev.id], warning });
    }
    map.set(rev.key, rev);
    if (rev.origLabels.length > 0) hasLabels.push(rev);
    if (rev.isBase) bases.push(rev);
    if (rev.isRealBase) realBases.push(rev);
  }
  return { map, all, bases, realBases, hasLabels };
}

/** Alembic's _map_branch_labels: each label names its revision in the map, unless an id or another label has it. */
function mapBranchLabels(hasLabels: readonly Rev[], map: Map<string, Rev>, fail: Fail): Map<string, Rev> {
  const labels = new Map<string, Rev>();
  // (Alembic iterates a set: which of two clashing revisions is named first varies)
  for (const rev of hasLabels) {
    for (const label of rev.origLabels) {
      const owner = map.get(label);
      if (owner) {
        const msg = labelClash(label, rev, owner);
        fail(
          { code: 'duplicate-branch-label', rev, others: [owner], ids: [label] },
          { exception: 'RevisionError', message: msg, commandError: true },
        );
        continue;
      }
      map.set(label, rev);
      labels.set(label, rev);
    }
  }
  return labels;
}

/** Alembic's _add_depends_on: each revision's depends_on resolved through the map. */
function addDependsOn(all: readonly Rev[], map: Map<string, Rev>, fail: Fail): void {
  // _add_depends_on: `if revision.dependencies:` where dependencies is the tuple as a scalar, so a
  // falsy one resolves to nothing (rev.deps is what it resolves; `_is_real_base` reads `is None`)
  for (const rev of all) {
    const resolved: string[] = [];
    for (const dep of rev.deps) {
      const target = map.get(dep);
      if (!target) {
        const msg = `KeyError: ${keyRepr(dep)}`;
        fail(
          { code: 'missing-dependency', rev, others: [], ids: [dep] },
          { exception: 'KeyError', message: msg, commandError: false },
        );
        continue;
      }
      resolved.push(target.key);
    }
    rev.resolvedDeps = resolved;
  }
}

/**
 * The down revisions: each links its target to its child (nextrev) and takes the target off the heads.
 * Per revision, bit 1: no longer a head, bit 2: no longer a real head.
 */
function linkDownRevisions(map: Map<string, Rev>, count: number, problems: GraphProblem[]): Uint8Array {
  // indexed like `all` (Alembic's sets keep load order)
  const demoted = new Uint8Array(count);
  const visited = nextEpoch();
  for (const rev of map.values()) {
    if (rev.mark === visited) continue;
    rev.mark = visited;
    for (const down of rev.allDown) {
      const target = map.get(down);
      if (!target) {
        const code = down === '' ? 'empty-down-revision' : 'missing-down-revision';
        // the warning formats the revision with ", ".join(down revisions): a non-str one raises there
        const joinError = rev.describeError();
        if (joinError) {
          problems.push({
            code,
            rev,
            others: [],
            ids: [down],
            failure: { exception: 'TypeError', message: joinError, commandError: false },
          });
          continue;
        }
        const warning = `Revision ${keyText(down)} referenced from ${rev.describe()} is not present`;
        const msg = `KeyError: ${keyRepr(down)}`;
        problems.push({
          code,
          rev,
          others: [],
          ids: [down],
          warning,
          failure: { exception: 'KeyError', message: msg, commandError: false },
        });
        continue;
      }
      target.addNextrev(rev);
      demoted[target.ord]! |= rev.versionedDown.includes(down) ? 3 : 2;
    }
  }
  return demoted;
}

/** `_normalize_depends_on` literally: walk every ancestor of every revision with dependencies. */
export function normalizeByWalking(
  all: readonly Rev[],
  map: ReadonlyMap<string, Rev>,
  onBroken: (b: { rev: Rev; id: string }) => void = () => undefined,
): void {
  for (const rev of all) {
    if (rev.resolvedDeps.length === 0) {
      rev.normalizedResolvedDeps = [];
      continue;
    }
    const keep = new Set(rev.resolvedDeps);
    const walk = iterateRelated(map, [rev], (r) => r.versionedDown);
    for (const anc of walk.revs) {
      if (anc === rev) continue;
      for (const d of anc.resolvedDeps) keep.delete(d);
    }
    if (walk.broken) onBroken(walk.broken);
    rev.normalizedResolvedDeps = [...keep];
  }
}

/**
 * `_normalize_depends_on` in one pass: a dependency is dropped when some proper
 * ancestor (by down_revision) already depends on it. Instead of walking every
 * ancestor of every revision that has dependencies (quadratic at 10,000
 * revisions), carry "dependencies seen below" up the graph in parent-first
 * order, sharing one set along plain chains. Returns false on a cycle, where
 * the walking version keeps Alembic's exact behaviour.
 */
export function normalizeFast(all: readonly Rev[], revMap: ReadonlyMap<string, Rev>): boolean {
  const EMPTY: ReadonlySet<string> = new Set();
  const below = new Map<Rev, ReadonlySet<string>>();
  const withOwn = new Map<Rev, ReadonlySet<string>>();
  const state = new Map<Rev, 1 | 2>();
  const parentsOf = (r: Rev): Rev[] => {
    if (r.versionedDown.length === 1) {
      const p = revMap.get(r.versionedDown[0]!);
      return p ? [p] : [];
    }
    const out: Rev[] = [];
    for (const id of r.versionedDown) {
      const p = revMap.get(id);
      if (p && !out.includes(p)) out.push(p);
    }
    return out;
  };
  const full = (p: Rev): ReadonlySet<string> => {
    let f = withOwn.get(p);
    if (!f) {
      const b = below.get(p)!;
      f = p.resolvedDeps.length === 0 ? b : new Set([...b, ...p.resolvedDeps]);
      withOwn.set(p, f);
    }
    return f;
  };
  const compute = (r: Rev): ReadonlySet<string> => {
    const ps = parentsOf(r);
    if (ps.length === 0) return EMPTY;
    if (ps.length === 1) return full(ps[0]!);
    const sets = ps.map(full);
    const distinct = [...new Set(sets)].filter((x) => x.size > 0);
    if (distinct.length === 0) return EMPTY;
    if (distinct.length === 1) return distinct[0]!;
    const u = new Set<string>();
    for (const x of distinct) for (const d of x) u.add(d);
    return u;
  };
  if (all.every((r) => r.resolvedDeps.length === 0)) {
    for (const rev of all) rev.normalizedResolvedDeps = [];
    return true;
  }
  for (const root of revMap.values()) {
    if (state.get(root) === 2) continue;
    const stack: { rev: Rev; parents: Rev[]; i: number }[] = [{ rev: root, parents: parentsOf(root), i: 0 }];
    state.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.i < top.parents.length) {
        const p = top.parents[top.i++]!;
        const st = state.get(p);
        if (st === 1) return false;
        if (st === undefined) {
          state.set(p, 1);
          stack.push({ rev: p, parents: parentsOf(p), i: 0 });
        }
        continue;
      }
      stack.pop();
      below.set(top.rev, compute(top.rev));
      state.set(top.rev, 2);
    }
  }
  for (const rev of all) {
    if (rev.resolvedDeps.length === 0) {
      rev.normalizedResolvedDeps = [];
      continue;
    }
    // a duplicate's losing copy is not in the map: its ancestors are its parents' ancestors
    const b = below.get(rev) ?? compute(rev);
    rev.normalizedResolvedDeps = [...new Set(rev.resolvedDeps)].filter((d) => !b.has(d));
  }
  return true;
}

/** `_add_branches`: labels flow to descendants, and down a plain chain (the leaked-`node` quirk). */
function addBranches(hasLabels: readonly Rev[], map: ReadonlyMap<string, Rev>): void {
  for (const rev of hasLabels) {
    if (rev.labels.size === 0) continue;
    const own = [...rev.labels];
    const walk = iterateRelated(map, [rev], (r) => [...r.nextrev].sort(codePointCompare));
    for (const node of walk.revs) for (const l of own) node.labels.add(l);
    let parent: Rev | undefined = walk.revs[walk.revs.length - 1];
    const guard = new Set<Rev>();
    while (parent && !parent.isRealBranchPoint && !parent.isMergePoint && !guard.has(parent)) {
      guard.add(parent);
      for (const l of own) parent.labels.add(l);
      const down = parent.versionedDown[0];
      if (parent.versionedDown.length === 1 && down !== undefined) parent = map.get(down);
      else break;
    }
  }
}

/**
 * `_add_depends_on` walks a Python set of revisions, so when several
 * revisions name a missing dependency, which KeyError comes first depends on
 * object addresses: each failure lists the others Alembic may raise instead.
 */
function markDependencyOrder(problems: GraphProblem[]): void {
  const firsts = new Map<Rev | undefined, number>();
  problems.forEach((p, i) => {
    if (p.code === 'missing-dependency' && p.failure && !firsts.has(p.rev)) firsts.set(p.rev, i);
  });
  if (firsts.size < 2) return;
  const messages = [...firsts.values()].map((i) => problems[i]!.failure!.message);
  for (const i of firsts.values()) {
    const failure = problems[i]!.failure!;
    problems[i] = {
      ...problems[i]!,
      failure: { ...failure, orderVaries: messages.filter((m) => m !== failure.message) },
    };
  }
}

/**
 * `_map_branch_labels` walks a Python set too: of the revisions sharing a
 * label, any may be met first and any other named as its owner. The first
 * clash lists every message Alembic may print instead.
 */
function markLabelOrder(problems: GraphProblem[]): void {
  const i = problems.findIndex((p) => p.code === 'duplicate-branch-label' && p.failure);
  if (i < 0) return;
  const sharing = new Map<string, Set<Rev>>();
  for (const p of problems) {
    if (p.code !== 'duplicate-branch-label' || !p.rev) continue;
    const revs = sharing.get(p.ids[0]!) ?? new Set<Rev>();
    revs.add(p.rev);
    for (const o of p.others) revs.add(o);
    sharing.set(p.ids[0]!, revs);
  }
  const first = problems[i]!.failure!;
  const messages = new Set<string>();
  for (const [label, revs] of sharing) {
    for (const a of revs) for (const b of revs) if (a !== b) messages.add(labelClash(label, a, b));
  }
  messages.delete(first.message);
  if (messages.size > 0) problems[i] = { ...problems[i]!, failure: { ...first, orderVaries: [...messages] } };
}

/** Alembic's RevisionError when `rev` names a branch label `owner` already took. */
function labelClash(label: string, rev: Rev, owner: Rev): string {
  return `Branch name '${label}' in revision ${rev.id} already used by revision ${owner.id}`;
}
