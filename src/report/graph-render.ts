import type { ProjectModel } from '../alembic/loading/project-model.js';
import type { Rev } from '../alembic/graph/revision-map.js';
import { AlembicRaise } from '../alembic/graph/upgrade-plan.js';
import { Resolver, type StampResolution } from '../alembic/graph/resolver.js';
import { pyStr } from '../python/python-value.js';

/** What a database adds to the picture: its rows, what `upgrade` would apply, and rows no file defines. */
export interface GraphDatabase {
  /** Version-table rows that name a revision of this code. */
  readonly current: ReadonlySet<string>;
  /** Revisions the upgrade to the target would apply. */
  readonly pending: ReadonlySet<string>;
  /** Rows no file defines (a hand stamp, a newer release's revision). */
  readonly dangling: readonly string[];
}

/** The marks for a database whose rows resolved to `stamps`, with the upgrade's `steps`. */
export function databaseMarks(
  stamps: readonly StampResolution[],
  steps: readonly { readonly revision: string }[],
): GraphDatabase {
  return {
    current: new Set(stamps.flatMap((s) => (s.how === 'failed' ? [] : s.revisions))),
    pending: new Set(steps.map((s) => s.revision)),
    dangling: stamps.flatMap((s) => (s.how === 'failed' && typeof s.value === 'string' ? [s.value] : [])),
  };
}

export interface GraphOptions {
  readonly format: 'mermaid' | 'dot' | 'text';
  /** Draw every revision; otherwise a straight run of more than RUN revisions shows its ends only. */
  readonly full?: boolean;
  readonly database?: GraphDatabase;
}

/** A straight run longer than this is drawn as its first and last revision and "… N revisions …". */
const RUN = 4;

/**
 * The revisions in the order `alembic history` prints them (heads first): the reverse of an upgrade
 * from nothing to every head. A graph Alembic cannot walk keeps the files' order.
 */
export function historyOrder(model: ProjectModel): Rev[] {
  try {
    // walk_revisions: the upgrade's walk and sort, without the version table it would write
    return new Resolver(model.map).iterateUpgrade('heads', []);
  } catch (e) {
    if (e instanceof AlembicRaise) return [...model.map.revisions].reverse();
    throw e;
  }
}

/** Script.doc: the docstring's first paragraph. */
function docOf(rev: Rev): string {
  const text = rev.file.docstring?.text.trim() ?? '';
  return text.split('\n\n')[0]!;
}

function dependencies(rev: Rev): string[] {
  return rev.script.dependsOn.map((v) => pyStr(v));
}

/** `alembic history`'s line for a revision (Script._head_only with parents, branches, tree indicators and doc). */
export function historyLine(rev: Rev, current = false): string {
  const down = rev.versionedDown.length === 0 ? '<base>' : rev.versionedDown.join(', ');
  const deps = dependencies(rev);
  let text = deps.length > 0 ? `${down} (${deps.join(', ')}) -> ${rev.id}` : `${down} -> ${rev.id}`;
  const labels = [...rev.labels];
  if (labels.length > 0) text += ` (${labels.join(', ')})`;
  const realHead = rev.allNextrev.length === 0;
  text += `${realHead ? ' (head)' : ''}${rev.nextrev.length === 0 && !realHead ? ' (effective head)' : ''}${current ? ' (current)' : ''}`;
  text += `${rev.nextrev.length > 1 ? ' (branchpoint)' : ''}${rev.versionedDown.length > 1 ? ' (mergepoint)' : ''}`;
  return `${text}, ${docOf(rev)}`;
}

/** The graph in the format asked for. */
export function renderGraph(model: ProjectModel, opts: GraphOptions): string {
  // labels as Alembic shows them: propagated to the revisions of their branch
  model.map.propagateLabels();
  const order = historyOrder(model);
  const db = opts.database;
  if (opts.format === 'text') {
    const lines = order.map((r) => historyLine(r, db?.current.has(r.id) ?? false));
    for (const d of db?.dangling ?? []) lines.unshift(`? -> ${d} (current), no file defines this revision`);
    return lines.join('\n') + '\n';
  }
  const shown = opts.full ? new Set(order) : visible(order, db);
  const id = new Map<Rev, string>(order.map((r, i) => [r, `r${i}`]));
  const nodes: Node[] = [];
  const edges: Edge[] = [];
  // upgrade order: base first, so the drawing reads from the bottom up
  const upward = [...order].reverse();
  let runs = 0;
  for (const r of upward) {
    if (!shown.has(r)) continue;
    const classes = [
      r.allNextrev.length === 0 ? 'head' : undefined,
      db?.current.has(r.id) ? 'current' : undefined,
      db?.pending.has(r.id) ? 'pending' : undefined,
    ].filter((c): c is string => c !== undefined);
    const tags = [...r.labels].map((l) => `@${l}`);
    if (r.allNextrev.length === 0) tags.push('head');
    if (r.versionedDown.length > 1) tags.push('merge');
    if (r.nextrev.length > 1) tags.push('branch point');
    if (db?.current.has(r.id)) tags.push('database');
    if (db?.pending.has(r.id)) tags.push('pending');
    nodes.push({
      id: id.get(r)!,
      title: r.id + (tags.length > 0 ? ` (${tags.join(', ')})` : ''),
      doc: docOf(r),
      classes,
    });
    for (const d of r.versionedDown) {
      const parent = model.map.byKey.get(d);
      if (!parent) continue;
      if (shown.has(parent)) edges.push({ from: id.get(parent)!, to: id.get(r)!, dotted: false });
      else {
        // the collapsed run below this revision: one node standing for it
        const hidden = runBelow(parent, shown, model);
        const c = `c${runs++}`;
        nodes.push({ id: c, title: `… ${hidden.length} revisions …`, doc: '', classes: ['collapsed'] });
        edges.push({ from: c, to: id.get(r)!, dotted: false });
        const bottom = model.map.byKey.get(hidden[hidden.length - 1]!.versionedDown[0]!);
        if (bottom && shown.has(bottom)) edges.push({ from: id.get(bottom)!, to: c, dotted: false });
      }
    }
    for (const dep of r.deps) {
      const target = model.map.byKey.get(dep);
      if (target && shown.has(target)) edges.push({ from: id.get(target)!, to: id.get(r)!, dotted: true });
    }
  }
  (db?.dangling ?? []).forEach((d, i) =>
    nodes.push({
      id: `x${i}`,
      title: `${d} (database, no file)`,
      doc: 'a version-table row no revision file defines',
      classes: ['missing'],
    }),
  );
  return opts.format === 'dot' ? dot(nodes, edges) : mermaid(nodes, edges);
}

interface Node {
  readonly id: string;
  readonly title: string;
  readonly doc: string;
  readonly classes: readonly string[];
}

interface Edge {
  readonly from: string;
  readonly to: string;
  /** depends_on, not down_revision */
  readonly dotted: boolean;
}

/** A revision that only continues a straight line: one parent, one child, no labels, nothing marked. */
function plain(r: Rev, db: GraphDatabase | undefined): boolean {
  return (
    r.versionedDown.length === 1 &&
    r.nextrev.length === 1 &&
    r.allNextrev.length === 1 &&
    r.deps.length === 0 &&
    r.labels.size === 0 &&
    !db?.current.has(r.id) &&
    !db?.pending.has(r.id)
  );
}

/** The revisions drawn: all but the inside of each straight run longer than RUN. */
function visible(order: readonly Rev[], db: GraphDatabase | undefined): Set<Rev> {
  const shown = new Set(order);
  let run: Rev[] = [];
  const close = (): void => {
    if (run.length > RUN) for (const r of run.slice(1, -1)) shown.delete(r);
    run = [];
  };
  for (const r of order) {
    // history order walks a straight line child first; a revision continues the run when it is the parent
    const last = run[run.length - 1];
    if (plain(r, db) && (last === undefined || last.versionedDown[0] === r.id)) run.push(r);
    else {
      close();
      if (plain(r, db)) run.push(r);
    }
  }
  close();
  return shown;
}

/** The hidden revisions from `top` down (newest first), until a shown one. */
function runBelow(top: Rev, shown: ReadonlySet<Rev>, model: ProjectModel): Rev[] {
  const out: Rev[] = [];
  for (let r: Rev | undefined = top; r && !shown.has(r); r = model.map.byKey.get(r.versionedDown[0] ?? ''))
    out.push(r);
  return out;
}

/** Mermaid text for a node label: no quotes, brackets or markup of its own. */
function mermaidText(s: string): string {
  return s
    .replace(/[\r\n]+/gu, ' ')
    .replaceAll('#', '#35;')
    .replaceAll('"', '#quot;')
    .replaceAll('<', '#lt;')
    .replaceAll('>', '#gt;');
}

const clip = (s: string): string => (s.length > 60 ? `${s.slice(0, 57)}…` : s);

function mermaid(nodes: readonly Node[], edges: readonly Edge[]): string {
  const lines = ['flowchart BT'];
  for (const n of nodes) {
    const label = n.doc ? `${mermaidText(n.title)}<br/>${mermaidText(clip(n.doc))}` : mermaidText(n.title);
    const shape = n.classes.includes('missing')
      ? `(["${label}"])`
      : n.classes.includes('collapsed')
        ? `{{"${label}"}}`
        : `["${label}"]`;
    lines.push(`  ${n.id}${shape}${n.classes.length > 0 ? `:::${n.classes[n.classes.length - 1]}` : ''}`);
  }
  for (const e of edges) lines.push(`  ${e.from} ${e.dotted ? '-.->' : '-->'} ${e.to}`);
  lines.push(
    '  classDef head stroke-width:3px',
    '  classDef current fill:#d4edda,stroke:#1e7e34,stroke-width:3px',
    '  classDef pending stroke-dasharray:5 5',
    '  classDef collapsed fill:#f4f4f4,stroke:#999',
    '  classDef missing fill:#f8d7da,stroke:#c82333,stroke-width:3px,color:#721c24',
  );
  return lines.join('\n') + '\n';
}

function dotText(s: string): string {
  return s
    .replace(/[\r\n]+/gu, ' ')
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"');
}

const DOT_STYLE: Record<string, string> = {
  head: 'penwidth=3',
  current: 'style=filled, fillcolor="#d4edda", color="#1e7e34", penwidth=3',
  pending: 'style=dashed',
  collapsed: 'shape=hexagon, style=filled, fillcolor="#f4f4f4", color="#999999"',
  missing:
    'shape=octagon, style=filled, fillcolor="#f8d7da", color="#c82333", fontcolor="#721c24", penwidth=3',
};

function dot(nodes: readonly Node[], edges: readonly Edge[]): string {
  const lines = ['digraph alembic {', '  rankdir=BT;', '  node [shape=box, fontname="Helvetica"];'];
  for (const n of nodes) {
    const label = n.doc ? `${dotText(n.title)}\\n${dotText(clip(n.doc))}` : dotText(n.title);
    const style = n.classes
      .map((c) => DOT_STYLE[c])
      .filter((s): s is string => s !== undefined)
      .join(', ');
    lines.push(`  ${n.id} [label="${label}"${style ? `, ${style}` : ''}];`);
  }
  for (const e of edges) lines.push(`  ${e.from} -> ${e.to}${e.dotted ? ' [style=dotted]' : ''};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
