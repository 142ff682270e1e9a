import type { Rev, RevisionMap } from './revision-map.js';
import { AlembicRaise } from '../loading/alembic-raise.js';
import { type StampValue } from './version-rows.js';
import { ancestorBits, hasBit, indexGraph, type IndexedGraph } from './indexed-graph.js';
import { topologicalOrder } from './topological-sort.js';

/** How a version-table row resolves (reference §4.6). */
export interface StampResolution {
  readonly value: StampValue;
  /** `exact` id hit, `label` (a branch-label key), unique `prefix`, a `symbolic` word, or `failed`. */
  readonly how: 'exact' | 'label' | 'prefix' | 'symbolic' | 'base' | 'failed';
  readonly revisions: readonly string[];
  readonly failure?: AlembicRaise;
}

export const RELATIVE = /^(?:(.+?)@)?(\w+)?([+-]\d+)/u;

/** Where a relative walk ends: a revision, "base" (walked down past a base), or nowhere (null). */
export const BASE = Symbol('base');

type WalkEnd = Rev | null | typeof BASE;

/** `_relative_destination.match(target)`: the label, the symbol walked from, and the signed step count. */
export function relativeTarget(
  target: string,
): { label?: string; symbol?: string; text: string; steps: bigint } | undefined {
  const m = RELATIVE.exec(target);
  if (!m) return undefined;
  // Python's \w and \d take every script's letters and digits, and int() reads those digits
  if (/[^ -~]/u.test(m[0]))
    throw new AlembicRaise(
      'Unpredictable',
      `the relative target '${target}' holds characters outside ASCII, which Python's \\w and int() read differently`,
    );
  const text = m[3]!;
  return { label: m[1], symbol: m[2], text, steps: BigInt(text.replace(/^\+/u, '')) };
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

function notAString(repr: string, stage?: AlembicRaise['stage']): AlembicRaise {
  return new AlembicRaise(
    'RevisionError',
    `revision identifier ${repr} is not a string; ensure database driver settings are correct`,
    undefined,
    stage,
  );
}

/** Alembic's RevisionMap lookups and walks over our map, shared by the upgrade and downgrade predictions. */
export class Resolver {
  private readonly byKey: ReadonlyMap<string, Rev>;
  private graph: IndexedGraph | undefined;
  constructor(private readonly map: RevisionMap) {
    this.byKey = map.byKey;
  }

  iterateUpgrade(upper: string, lower: readonly StampValue[]): Rev[] {
    // _collect_upgrade_revisions
    const targets = this.parseUpgradeTarget(upper, lower);
    const distinctTargets = new Set(targets);
    // the target walk can only raise (overlap) with several targets; otherwise defer it
    let required: Set<Rev> | undefined;
    if (distinctTargets.size > 1)
      required = new Set([...this.ancestors(targets, true, true, 'target'), ...targets]);
    const current = this.getRevisionsFromRows(lower);
    const resolved = new Set(current);
    if ([...distinctTargets].every((t) => resolved.has(t))) {
      // already there (the usual no-op deploy): nothing is needed; only the rows' overlap check remains
      if (resolved.size > 1) this.ancestors(current, true, true, 'overlap');
      return [];
    }
    required ??= new Set([...this.ancestors(targets, true, true, 'target'), ...targets]);
    const currentSet = new Set(this.ancestors(current, true, true, 'overlap'));
    for (const c of current) currentSet.add(c);
    const needs = new Set([...required].filter((x) => !currentSet.has(x)));
    return this.topologicalSort(needs, targets);
  }

  /** `_parse_upgrade_target`, then `is_revision` on each target (a walk that ends nowhere fails that assert). */
  private parseUpgradeTarget(target: string, rows: readonly StampValue[]): Rev[] {
    const rel = relativeTarget(target);
    if (!rel) return this.getRevisions(target, 'target');
    const { label, symbol, text, steps } = rel;
    let found: WalkEnd;
    if (steps > 0n) {
      if (symbol === undefined) {
        const current: StampValue[] = rows.length === 0 ? [null] : [...rows];
        // try to filter to a single start (avoid ambiguous branches)
        let start: (StampValue | Rev)[] = current;
        if (label) {
          start = this.filterRevsForLineage(this.getRevisionsFromRows(current), label);
          if (start.length === 0) {
            // the branch is not a head: backtrack to its tips among the current revisions' ancestors
            const active = this.filterRevsForLineage(
              this.ancestors(this.getRevisionsFromRows(current), true, false, 'target'),
              label,
            );
            const downs = new Set(active.flatMap((r) => r.normalizedDown));
            start = active.filter((r) => !downs.has(r.id));
            if (start.length === 0) start = [null];
          }
        }
        if (start.length > 1)
          throw new AlembicRaise('RevisionError', 'Ambiguous upgrade from multiple current revisions');
        const first = start[0]!;
        // a row that is not a string: get_revision refuses it
        if (first !== null && typeof first === 'object' && 'repr' in first)
          throw notAString(first.repr, 'stamp');
        found = this.walk(first, steps, label);
        if (found === null)
          throw new AlembicRaise(
            'RevisionError',
            `Relative revision ${text} didn't produce ${abs(steps)} migrations`,
          );
      } else {
        found = this.walk(this.getRevisionOrNone(symbol, 'target'), steps, label);
      }
    } else {
      if (symbol === undefined)
        throw new AlembicRaise(
          'RevisionError',
          `Relative revision ${steps} didn't produce ${abs(steps)} migrations`,
        );
      found = this.walk(
        this.getRevisionOrNone(label === undefined ? symbol : `${label}@${symbol}`, 'target'),
        steps,
        undefined,
      );
    }
    if (found === null || found === BASE) throw new AlembicRaise('AssertionError', '', undefined, 'target');
    return [found];
  }

  /**
   * `_walk`: `steps` up (by children; with `label`, only its lineage) or down (by down revisions, past a
   * base to "base"). null when the walk runs out of revisions (no_overwalk); "Ambiguous walk" at a fork.
   */
  walk(start: string | Rev | null | typeof BASE, steps: bigint, label: string | undefined): WalkEnd {
    let at: WalkEnd = typeof start === 'string' ? this.getRevisionOrNone(start, 'target') : start;
    const n = abs(steps);
    for (let i = 0n; i < n; i++) {
      let children: (Rev | typeof BASE)[];
      if (steps > 0n) {
        if (at === BASE) throw new AlembicRaise('AssertionError', '', undefined, 'target');
        const up = this.revisionsOfIds(at === null ? this.map.bases : at.nextrev);
        children = label ? this.filterRevsForLineage(up, label) : up;
      } else if (at === BASE) children = [];
      else {
        children = this.revisionsOfIds(at === null ? this.map.heads : at.versionedDown);
        if (children.length === 0) children = [BASE];
      }
      if (children.length === 0) return null;
      if (children.length > 1) throw new AlembicRaise('RevisionError', 'Ambiguous walk');
      at = children[0]!;
    }
    return at;
  }

  /** `get_revisions` of a tuple of ids. */
  revisionsOfIds(ids: readonly string[]): Rev[] {
    return ids.flatMap((id) => this.getRevisions(id, 'target'));
  }

  /** `filter_for_lineage` over revisions. */
  filterRevsForLineage(revs: readonly Rev[], label: string): Rev[] {
    const keep = new Set(
      this.filterForLineage(
        revs.map((r) => r.id),
        label,
        'target',
      ),
    );
    return revs.filter((r) => keep.has(r.id));
  }

  /** `get_revision`: one revision, or None for base (and for a head whose id is empty). */
  getRevisionOrNone(id: string, stage: AlembicRaise['stage']): Rev | null {
    const [resolved, label] = this.resolveRevisionNumber(id, stage);
    if (resolved.length > 1)
      throw new AlembicRaise(
        'MultipleHeads',
        `Multiple heads are present for given argument '${id}'; ${resolved.join(', ')}`,
        undefined,
        stage,
      );
    return resolved.length === 0 ? null : this.revisionForIdent(resolved[0]!, label, stage);
  }

  getRevisionsFromRows(rows: readonly StampValue[]): Rev[] {
    const out: Rev[] = [];
    for (const row of rows) {
      if (row !== null && typeof row !== 'string') {
        throw notAString(row.repr, 'stamp');
      }
      if (row === null) continue; // _resolve_revision_number(None) → ()
      out.push(...this.getRevisions(row, 'stamp'));
    }
    return out;
  }

  resolveStamp(value: StampValue): StampResolution {
    if (value === null) return { value, how: 'base', revisions: [] };
    if (typeof value !== 'string') {
      return { value, how: 'failed', revisions: [], failure: notAString(value.repr) };
    }
    try {
      const revs = this.getRevisions(value, 'stamp');
      const id = value.includes('@') ? value.split('@', 2)[1]! : value;
      let how: StampResolution['how'];
      if (id === 'head' || id === 'heads' || value.includes('@')) how = 'symbolic';
      else if (id === 'base') how = 'base';
      else if (this.map.byKey.get(id)?.key === id) how = 'exact';
      else if (this.map.byKey.has(id)) how = 'label';
      else how = 'prefix';
      return { value, how, revisions: revs.map((x) => x.id) };
    } catch (e) {
      if (!(e instanceof AlembicRaise)) throw e;
      return { value, how: 'failed', revisions: [], failure: e };
    }
  }

  /** `get_revisions` for one string identifier. */
  getRevisions(idIn: string, stage: AlembicRaise['stage']): Rev[] {
    const [resolved, label] = this.resolveRevisionNumber(idIn, stage);
    if (resolved.length === 1 && isNegativePythonInt(resolved[0]!)) {
      throw new AlembicRaise(
        'Unpredictable',
        `the identifier '${idIn}' is a relative step (${resolved[0]}) that Alembic walks from the heads; this is not predicted`,
        undefined,
        stage,
      );
    }
    return resolved.map((id) => this.revisionForIdent(id, label, stage));
  }

  /** `_resolve_revision_number`: `label@id`, the symbolic words, else the id itself. */
  resolveRevisionNumber(idIn: string, stage: AlembicRaise['stage']): [string[], string | undefined] {
    let id = idIn;
    let label: string | undefined;
    const at = id.indexOf('@');
    if (at >= 0) {
      label = id.slice(0, at);
      id = id.slice(at + 1);
    }
    if (id === 'heads') {
      if (label) return [this.filterForLineage(this.map.heads, label, stage), label];
      return [[...this.map.realHeads], label];
    }
    if (id === 'head') {
      const head = this.getCurrentHead(label, stage);
      // `if current_head:` - a head whose id is "" resolves to nothing, so `upgrade head` does nothing
      return [head ? [head] : [], label];
    }
    if (id === 'base') return [[], label];
    return [[id], label];
  }

  private getCurrentHead(label: string | undefined, stage: AlembicRaise['stage']): string | undefined {
    let heads: readonly string[] = this.map.heads;
    if (label) heads = this.filterForLineage(heads, label, stage);
    if (heads.length > 1)
      throw new AlembicRaise(
        'MultipleHeads',
        `Multiple heads are present for given argument '${label ? `${label}@head` : 'head'}'; ${heads.join(', ')}`,
        undefined,
        stage,
      );
    return heads[0];
  }

  /** `filter_for_lineage(targets, check_against)` with `include_dependencies=False`. */
  filterForLineage(targets: readonly string[], checkAgainst: string, stage: AlembicRaise['stage']): string[] {
    const [ids, label] = this.resolveRevisionNumber(checkAgainst, stage);
    const shares = [...(label ? [label] : []), ...ids];
    return targets.filter((t) =>
      this.sharesLineage(this.revisionForIdent(t, undefined, stage), shares, stage),
    );
  }

  private sharesLineage(
    target: Rev,
    against: readonly (string | Rev)[],
    stage: AlembicRaise['stage'],
  ): boolean {
    if (against.length === 0) return true;
    const resolved = new Set(
      against.map((a) => (typeof a === 'string' ? this.revisionForIdent(a, undefined, stage) : a)),
    );
    for (const r of this.descendants([target], false, false, stage)) if (resolved.has(r)) return true;
    for (const r of this.ancestors([target], false, false, stage)) if (resolved.has(r)) return true;
    return false;
  }

  resolveBranch(label: string, stage: AlembicRaise['stage']): Rev {
    const hit = this.byKey.get(label);
    if (hit) return hit;
    try {
      return this.revisionForIdent(label, undefined, stage);
    } catch (e) {
      if (e instanceof AlembicRaise && e.exception === 'ResolutionError') {
        throw new AlembicRaise('ResolutionError', `No such branch: '${label}'`, label, stage);
      }
      throw e;
    }
  }

  /** `_revision_for_ident`: exact key (ids and labels), else a unique prefix of a key longer than 3. */
  revisionForIdent(id: string, checkBranch: string | undefined, stage: AlembicRaise['stage']): Rev {
    const branchRev = checkBranch ? this.resolveBranch(checkBranch, stage) : undefined;
    let rev = this.byKey.get(id);
    if (!rev) {
      if (id === '') throw new AlembicRaise('AssertionError', '', undefined, stage);
      let revs: string[] = [];
      for (const k of this.byKey.keys())
        if (k && k.length > 3 && k.startsWith(id) && !k.startsWith('\u0000')) revs.push(k);
      if (branchRev) revs = this.filterForLineage(revs, checkBranch!, stage);
      if (revs.length === 0) {
        const short =
          id.length < 4
            ? '; please ensure at least four characters are present for partial revision identifier matches'
            : '';
        throw new AlembicRaise('ResolutionError', `No such revision or branch '${id}'${short}`, id, stage, {
          kind: 'no-such-revision',
          tooShort: short !== '',
        });
      }
      if (revs.length > 1) {
        throw new AlembicRaise(
          'ResolutionError',
          `Multiple revisions start with '${id}': ${revs
            .slice(0, 3)
            .map((x) => `'${x}'`)
            .join(', ')}...`,
          id,
          stage,
          { kind: 'ambiguous-prefix', candidates: revs.slice(0, 3) },
        );
      }
      rev = this.byKey.get(revs[0]!)!;
    }
    if (checkBranch && branchRev) {
      if (!this.sharesLineage(rev, [branchRev.id], stage)) {
        throw new AlembicRaise(
          'ResolutionError',
          `Revision ${rev.id} is not a member of branch '${checkBranch}'`,
          id,
          stage,
          { kind: 'not-in-branch', branch: checkBranch },
        );
      }
    }
    return rev;
  }

  /** `_get_ancestor_nodes`, with the `check=True` overlap test. */
  ancestors(
    targets: readonly Rev[],
    includeDeps: boolean,
    check: boolean,
    stage: AlembicRaise['stage'],
  ): Rev[] {
    return this.related(targets, (r) => (includeDeps ? r.normalizedDown : r.versionedDown), check, stage);
  }

  descendants(
    targets: readonly Rev[],
    includeDeps: boolean,
    check: boolean,
    stage: AlembicRaise['stage'],
  ): Rev[] {
    return this.related(targets, (r) => (includeDeps ? r.allNextrev : r.nextrev), check, stage);
  }

  /** `_iterate_related_revisions`: a LIFO walk sharing `seen` across targets. */
  private related(
    targets: readonly Rev[],
    fn: (r: Rev) => Iterable<string>,
    check: boolean,
    stage: AlembicRaise['stage'],
  ): Rev[] {
    // _normalized_down_revisions are needed from the first walk on; computing them is the costly part
    this.map.normalizeDependsOn();
    const seen = new Set<Rev>();
    const out: Rev[] = [];
    const targetSet = new Set(targets);
    // with one distinct target nothing can overlap: skip the per-target bookkeeping
    const track = check && targetSet.size > 1;
    for (const target of targets) {
      const todo: Rev[] = [target];
      const perTarget = new Set<Rev>();
      while (todo.length > 0) {
        const rev = todo.pop()!;
        if (track) perTarget.add(rev);
        if (seen.has(rev)) continue;
        seen.add(rev);
        for (const id of fn(rev)) {
          const next = this.byKey.get(id);
          if (!next) throw new AlembicRaise('KeyError', `'${id}'`, id, 'load');
          if (next.key !== id)
            throw new AlembicRaise(
              'RevisionError',
              'Dependency resolution failed; broken map',
              undefined,
              'load',
            );
          todo.push(next);
        }
        out.push(rev);
      }
      if (track) {
        const overlaps = [...perTarget].filter((x) => targetSet.has(x) && x !== target);
        if (overlaps.length > 0) {
          // Alembic joins a Python set here, so with several overlaps the order varies; we sort
          const names = overlaps.map((x) => x.id).sort();
          throw new AlembicRaise(
            'RevisionError',
            `Requested revision ${target.id} overlaps with other requested revisions ${names.join(', ')}`,
            undefined,
            stage,
            { kind: 'overlap', target: target.id, others: names },
          );
        }
      }
    }
    return out;
  }

  /** `_topological_sort`: heads first, following the map's insertion order. */
  topologicalSort(revisions: ReadonlySet<Rev>, heads: readonly Rev[]): Rev[] {
    const output = topologicalOrder(this.indexed(), this.byKey, revisions, heads);
    // iterate_revisions yields get_revision(node) per emitted id
    return output.map((id) => this.getRevision(id));
  }

  private indexed(): IndexedGraph {
    this.graph ??= indexGraph(this.map, this.byKey);
    return this.graph;
  }

  /**
   * `get_revision(id)`: the id is resolved like any argument first, so a revision that is literally
   * named `heads`, `head` or `base` is read as that word (Alembic then fails, or runs another revision).
   */
  private getRevision(id: string): Rev {
    if (id !== 'heads' && id !== 'head' && id !== 'base') return this.byKey.get(id)!;
    const [resolved] = this.resolveRevisionNumber(id, 'step');
    if (resolved.length > 1)
      throw new AlembicRaise(
        'MultipleHeads',
        `Multiple heads are present for given argument '${id}'; ${resolved.join(', ')}`,
        undefined,
        'step',
      );
    // `_revision_for_ident(())`: not in the map, and `assert resolved_id` fails on the empty tuple
    if (resolved.length === 0) throw new AlembicRaise('AssertionError', '', undefined, 'step');
    return this.revisionForIdent(resolved[0]!, undefined, 'step');
  }

  /** Ids of the ancestors of the revisions named (themselves included; unknown names skipped). */
  ancestorIds(ids: Iterable<string>): { has(id: string): boolean } {
    // `get_revisions(other_heads)`: a row that names its revision by a prefix or a label counts as that revision
    const revs: Rev[] = [];
    for (const id of ids) {
      const r = this.byKey.get(id);
      if (r) revs.push(r);
      else for (const x of this.getRevisions(id, 'step')) if (x) revs.push(x);
    }
    const g = this.indexed();
    const bits = ancestorBits(
      g,
      revs.map((r) => g.index.get(r)!),
    );
    return {
      has: (id: string): boolean => {
        const r = this.byKey.get(id);
        const n = r === undefined || r.key !== id ? undefined : g.index.get(r);
        return n !== undefined && hasBit(bits, n);
      },
    };
  }
}

/** Python's `int(s) < 0` for a string (whitespace, underscores between digits). */
function isNegativePythonInt(s: string): boolean {
  return /^\s*-\d+(?:_\d+)*\s*$/u.test(s) && /[1-9]/u.test(s);
}
