import { keyOf, pyStr, truthy } from '../../python/python-value.js';
import type { AlembicFailure, LoadedScript, ScriptFile } from '../loading/script-loader.js';

/** Walk marks: each walk takes a fresh epoch, so no per-walk Set of visited revisions is allocated. */
let epoch = 0;

/** A fresh mark for one walk over the revisions (Rev.mark holds the last one that reached it). */
export function nextEpoch(): number {
  return ++epoch;
}

export type GraphProblemCode =
  | 'duplicate-revision'
  | 'duplicate-branch-label'
  | 'missing-dependency'
  | 'missing-down-revision'
  | 'empty-down-revision'
  | 'down-revision-is-label'
  | 'revision-cycle'
  | 'dependency-cycle';

/** A problem of the graph as data; its rule file words it, quoting Alembic's `failure` and `warning`. */
export interface GraphProblem {
  readonly code: GraphProblemCode;
  /** The revision whose file carries the problem. */
  readonly rev?: Rev;
  /** Other revisions involved (the duplicate loser, the label's owner, the cycle members). */
  readonly others: readonly Rev[];
  readonly ids: readonly string[];
  /** Set when this is where Alembic raises; warnings leave it unset. */
  readonly failure?: AlembicFailure;
  /** Alembic's UserWarning text, where it warns. */
  readonly warning?: string;
}

const NO_KEYS: readonly string[] = [];

/** One loaded revision: Alembic's `Revision` state, plus where it came from. */
export class Rev {
  readonly key: string;
  readonly origLabels: readonly string[];
  readonly deps: readonly string[];
  /** Children whose down_revision names this revision, then all children (dependencies too); tiny, so arrays. */
  readonly nextrev: string[] = [];
  readonly allNextrev: string[] = [];
  resolvedDeps: string[] = [];
  /** The epoch of the last walk that reached this revision. */
  mark = 0;
  private labelSet?: Set<string>;
  private normalizedDeps: string[] = [];
  private normalizedDownCache?: string[];
  private allDownCache?: string[];
  private allDownFor?: string[];

  constructor(
    readonly script: LoadedScript,
    readonly file: ScriptFile,
    /** Position in load order (the map's `all`). */
    readonly ord: number,
  ) {
    this.key = script.key;
    this.origLabels = script.branchLabels.length === 0 ? NO_KEYS : script.branchLabels.map(keyOf);
    this.deps = script.resolvedDependsOn.length === 0 ? NO_KEYS : script.resolvedDependsOn.map(keyOf);
  }

  /** Own labels plus those `_add_branches` propagated (created on first use: most revisions have none). */
  get labels(): Set<string> {
    return (this.labelSet ??= new Set(this.origLabels));
  }
  get id(): string {
    return pyStr(this.script.revision);
  }
  get versionedDown(): readonly string[] {
    return this.script.versionedDown;
  }
  get isBase(): boolean {
    return this.script.versionedDown.length === 0;
  }
  get isRealBase(): boolean {
    return this.isBase && this.script.dependenciesIsNone;
  }
  /** Down revisions and resolved dependencies, deduplicated; cached per resolvedDeps array (walks read it often). */
  get allDown(): string[] {
    if (this.allDownFor !== this.resolvedDeps || this.allDownCache === undefined) {
      this.allDownFor = this.resolvedDeps;
      this.allDownCache = downWith(this.versionedDown, this.resolvedDeps);
    }
    return this.allDownCache;
  }
  /** `_normalized_resolved_dependencies` (set by the map's normalisation). */
  get normalizedResolvedDeps(): string[] {
    return this.normalizedDeps;
  }
  set normalizedResolvedDeps(deps: string[]) {
    this.normalizedDeps = deps;
    this.normalizedDownCache = undefined;
  }
  /** `_normalized_down_revisions`; cached, since upgrade planning walks it for every revision. */
  get normalizedDown(): string[] {
    if (!this.normalizedDownCache) {
      this.normalizedDownCache = downWith(this.versionedDown, this.normalizedDeps);
    }
    return this.normalizedDownCache;
  }
  get isHead(): boolean {
    return this.nextrev.length === 0;
  }
  get isRealHead(): boolean {
    return this.allNextrev.length === 0;
  }
  get isBranchPoint(): boolean {
    return this.nextrev.length > 1;
  }
  get isRealBranchPoint(): boolean {
    return this.allNextrev.length > 1;
  }
  get isMergePoint(): boolean {
    return this.versionedDown.length > 1;
  }
  addNextrev(child: Rev): void {
    if (!this.allNextrev.includes(child.key)) this.allNextrev.push(child.key);
    if (child.versionedDown.includes(this.key) && !this.nextrev.includes(child.key))
      this.nextrev.push(child.key);
  }
  /** What `Script.__str__` raises instead, when a down revision is not a str (`", ".join` in `format_as_comma`). */
  describeError(): string | undefined {
    const down = this.script.versionedDownValues;
    const i = down.findIndex((v) => v.t !== 'str');
    if (this.describesAsBase() || i < 0) return undefined;
    const v = down[i]!;
    const type = v.t === 'none' ? 'NoneType' : v.t;
    return `TypeError: sequence item ${i}: expected str instance, ${type} found`;
  }
  /** `_format_down_revision`: `if not self.down_revision` (the scalar of a one-item tuple) prints `<base>`. */
  private describesAsBase(): boolean {
    const down = this.script.versionedDownValues;
    return down.length === 0 || (down.length === 1 && !truthy(down[0]!));
  }
  /** `Script.__str__`, used inside Alembic's "referenced from" warning. */
  describe(): string {
    const down = this.script.versionedDownValues;
    const downText = this.describesAsBase() ? '<base>' : down.map(pyStr).join(', ');
    const flags = `${this.isHead ? ' (head)' : ''}${this.isBranchPoint ? ' (branchpoint)' : ''}${this.isMergePoint ? ' (mergepoint)' : ''}`;
    const doc = (this.file.docstring?.text ?? '').trim().split('\n\n')[0] ?? '';
    return `${downText} -> ${this.id}${flags}, ${doc}`;
  }
}

/**
 * `dedupe_tuple(down revisions + dependencies)`: a down_revision that names a parent twice lists it once
 * (a duplicate once sent the upgrade sort round forever). The down revisions themselves when nothing is
 * added or removed, so most revisions share their array.
 */
function downWith(down: readonly string[], deps: readonly string[]): string[] {
  if (deps.length === 0 && (down.length < 2 || new Set(down).size === down.length)) return down as string[];
  return dedupe([...down, ...deps]);
}

function dedupe(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
