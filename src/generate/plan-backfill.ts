import path from 'node:path';
import { describeForensics, type Forensics } from '../history/git-history.js';
import type { ProjectModel } from '../alembic/loading/project-model.js';
import type { Rev, RevisionMap } from '../alembic/graph/revision-map.js';
import { decodePythonSource } from '../alembic/reading/source-reader.js';
import { predictUpgrade, resolveStamps, type StampValue, type UpgradePrediction } from '../alembic/graph/upgrade-plan.js';
import { FileTemplateError, renderFileName } from './file-template.js';
import { DEFAULT_STYLE, headerStyleOf, renderPlaceholder } from './placeholder.js';
import { rewireDownRevision } from './rewire.js';
import type { VersionTableState } from '../database/version-table.js';
import { clashError, describeObject } from '../check/schema/describe-object.js';
import { probeSchema, schemaMatches, type SchemaMatch } from '../check/schema/schema-probe.js';

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
  readonly rewired: readonly { readonly revision: string; readonly path: string; readonly lines: readonly number[]; readonly notes: readonly string[] }[];
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
  readonly scenarios: readonly { readonly rows: readonly StampValue[]; readonly resolves: boolean; readonly prediction: UpgradePrediction }[];
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
  /** A Flask-Migrate project: the upgrade is shown as `flask db upgrade`. */
  readonly flaskMigrate?: boolean;
}

const MAX_CANDIDATES = 8;

/**
 * Decides where each placeholder goes (--after, the deploy log, git
 * history; otherwise refuses with candidates), renders it in the project's
 * header style, rewires children when asked, and proves the result by
 * rebuilding the graph and predicting the upgrade.
 */
export function planBackfill(model: ProjectModel, req: BackfillRequest, io: BackfillIo): BackfillPlan {
  const changes = new Map<string, { before: Buffer | null; after: Buffer }>();
  const placeholders: PlannedPlaceholder[] = [];
  const skipped: { id: string; reason: string }[] = [];
  const refused: Refusal[] = [];
  let current = model;

  for (const m of req.missing) {
    const id = m.id;
    const bad = badId(id);
    if (bad) {
      skipped.push({ id, reason: bad });
      continue;
    }
    const existing = current.map.byKey.get(id);
    if (existing && existing.id === id) {
      skipped.push({ id, reason: `already defined by ${existing.file.path}` });
      continue;
    }
    const explicit = req.after.get(id) ?? req.after.get('*');
    const place = choosePlacement(current.map, m, explicit);
    if ('refuse' in place) {
      const listed = place.listCandidates ? candidates(current, id, req, io, changes) : [];
      const stale = place.listCandidates ? staleRow(current, id, req, listed) : undefined;
      const nothingCompared = place.listCandidates && req.state && !current.failure && schemaMatches(current, req.state)?.length === 0;
      refused.push({ id, reason: place.refuse, forensics: m.forensics, suggestion: place.suggestion, candidates: listed, ...(stale ? { stale } : {}), ...(nothingCompared ? { nothingCompared: true as const } : {}) });
      continue;
    }
    const attempt = placeOne(current, id, place.parents, place.children, place.how, m, req, io, changes);
    if ('refuse' in attempt) {
      refused.push({ id, reason: attempt.refuse, forensics: m.forensics, candidates: [] });
      continue;
    }
    placeholders.push(attempt.placeholder);
    current = io.rebuild(overlayOf(changes));
  }

  const proof = placeholders.length > 0 ? proveBackfill(model, current, req.missing.map((m) => m.id), req.rows, req.target, req.state) : null;
  return { placeholders, skipped, refused, changes, proof };
}

/** The planned contents, as the model rebuild reads them. */
function overlayOf(changes: ReadonlyMap<string, { readonly after: Buffer }>): Map<string, Buffer> {
  return new Map([...changes].map(([p, c]) => [p, c.after]));
}

function badId(id: string): string | undefined {
  if (id.trim() === '' || id !== id.trim()) return `'${id}' is empty or has surrounding spaces; fix the row instead of backfilling it`;
  if (/[@+\-:]/u.test(id)) return `'${id}' has characters Alembic does not allow in a revision id (@, -, +, :)`;
  if (/[\s'"\\]/u.test(id)) return `'${id}' has whitespace, quotes or backslashes; it cannot be a file's revision id`;
  if (['head', 'heads', 'base'].includes(id)) return `'${id}' is a symbolic name, not a revision id`;
  return undefined;
}

type Placement =
  | { readonly parents: readonly string[]; readonly children: 'all' | readonly string[]; readonly how: string }
  | { readonly refuse: string; readonly suggestion?: string; readonly listCandidates: boolean };

function choosePlacement(map: RevisionMap, m: MissingId, explicit: string | undefined): Placement {
  if (explicit !== undefined) {
    const parent = resolveExact(map, explicit);
    if (typeof parent !== 'string') return { refuse: `--after ${explicit}: ${parent.error}`, listCandidates: true };
    return { parents: [parent], children: 'all', how: parent === explicit ? `--after ${explicit}` : `--after ${explicit} (${parent})` };
  }
  if (m.logParent) {
    const parents = m.logParent.from.map((p) => resolveExact(map, p));
    if (parents.every((p) => typeof p === 'string')) {
      return { parents: parents as string[], children: 'all', how: `the deploy log shows it was applied after ${m.logParent.from.join(', ') || 'base'} (${m.logParent.where})` };
    }
  }
  const f = m.forensics;
  if (!f) return { refuse: 'the parent is unknown (no --after, no log line, git history not searched)', listCandidates: true };
  switch (f.kind) {
    case 'deleted': {
      const missing = f.downRevisions.filter((d) => typeof resolveExact(map, d) !== 'string');
      if (missing.length > 0) {
        return { refuse: `git shows it revised ${f.downRevisions.join(', ')}, but ${missing.join(', ')} is not in the graph any more`, listCandidates: true };
      }
      return { parents: f.downRevisions, children: f.children, how: `git history: ${f.path} revised ${f.downRevisions.join(', ') || 'base'} before commit ${f.commit.short} deleted it` };
    }
    case 'renamed':
      return {
        refuse: `git shows ${f.path} was renamed to ${f.newPath} and its id changed to ${f.newId}: the database holds the old id of a migration the code still has. A placeholder would run that migration a second time.`,
        suggestion: `alembic-preflight restamp --from ${f.id} --to ${f.newId} --yes`,
        listCandidates: false,
      };
    case 'other-ref':
      return {
        refuse: `it exists on ${f.refs.join(', ')} (commit ${f.commit.short}) but not in this checkout: deploy that code, or merge it. A placeholder here would collide with the real migration (duplicate revision) once that branch is merged. Pass --after to backfill anyway.`,
        listCandidates: false,
      };
    case 'in-tree':
      return { refuse: `${describeForensics(f)}; restore or fix that file instead of adding a placeholder`, listCandidates: false };
    case 'never':
    case 'no-git':
      return { refuse: `the parent is unknown (${describeForensics(f)}). Choose where the database really is with --after REV`, listCandidates: true };
  }
}

function resolveExact(map: RevisionMap, ref: string): string | { error: string } {
  const hit = map.byKey.get(ref);
  if (hit && hit.id === ref) return ref;
  const matches = map.revisions.filter((r) => r.id.startsWith(ref));
  if (ref.length >= 4 && matches.length === 1) return matches[0]!.id;
  if (matches.length > 1) return { error: `'${ref}' is a prefix of several revisions (${matches.slice(0, 5).map((r) => r.id).join(', ')})` };
  return { error: `no revision '${ref}' in the graph` };
}

function placeOne(
  model: ProjectModel,
  id: string,
  parents: readonly string[],
  childrenSpec: 'all' | readonly string[],
  how: string,
  m: MissingId,
  req: BackfillRequest,
  io: BackfillIo,
  changes: Map<string, { before: Buffer | null; after: Buffer }>,
): { placeholder: PlannedPlaceholder } | { refuse: string } {
  const map = model.map;
  const parentRevs = parents.map((p) => map.byKey.get(p)!);
  const reference = parentRevs[0] ?? newestRev(map);
  const location = locationOf(model, reference);
  if (!location) return { refuse: 'no version folder exists to write the placeholder into' };
  let fileName: string;
  try {
    fileName = renderFileName(model.config.fileTemplate, id, 'placeholder', req.now, model.config.truncateSlugLength);
  } catch (e) {
    if (e instanceof FileTemplateError) return { refuse: e.message };
    throw e;
  }
  const absPath = path.resolve(location, fileName);
  if (!absPath.startsWith(location + path.sep)) return { refuse: `file_template makes a path outside the version folder (${fileName})` };
  if (io.exists(absPath) || changes.has(absPath)) return { refuse: `${path.relative(model.config.cwd, absPath)} already exists; it is never overwritten` };
  const style = reference ? styleOf(io.readFile(reference.file.absPath)) : DEFAULT_STYLE;
  const content = Buffer.from(
    renderPlaceholder({ revision: id, downRevisions: parents, seen: [...m.seen, ...(m.forensics ? [`git: ${describeForensics(m.forensics)}`] : [])], placement: how, createdAt: req.now }, style),
    'utf8',
  );

  const rewired: PlannedPlaceholder['rewired'][number][] = [];
  const children = childrenSpec === 'all' ? parentRevs.flatMap((p) => [...p.nextrev]).filter((c, i, a) => a.indexOf(c) === i) : childrenSpec;
  const toRewire: { rev: Rev; from: string }[] = [];
  for (const c of children) {
    const rev = map.byKey.get(c);
    if (!rev || rev.id !== c) continue;
    if (rev.versionedDown.includes(id)) continue; // still names the id: it reconnects by itself
    const from = parents.find((p) => rev.versionedDown.includes(p));
    if (from === undefined) return { refuse: `${rev.file.path} (${c}) was a child of ${id}, but now revises ${rev.versionedDown.join(', ') || 'base'}; rewire it by hand or pass --after` };
    toRewire.push({ rev, from });
  }
  if (toRewire.length > 0 && !req.rewire) {
    // placed without rewiring, the placeholder becomes a second head: the proof reports it
  } else {
    for (const { rev, from } of toRewire) {
      const abs = rev.file.absPath;
      const before = changes.get(abs)?.after ?? io.readFile(abs);
      const r = rewireDownRevision(before, from, id);
      if (!r.ok) return { refuse: `cannot rewire ${rev.file.path}${r.line ? `:${r.line}` : ''}: ${r.reason}` };
      changes.set(abs, { before: changes.get(abs)?.before ?? before, after: r.content });
      rewired.push({ revision: rev.id, path: rev.file.path, lines: r.changedLines, notes: r.notes });
    }
  }
  changes.set(absPath, { before: null, after: content });
  return { placeholder: { id, downRevisions: parents, placement: how, absPath, path: path.relative(model.config.cwd, absPath), content, forensics: m.forensics, rewired } };
}

function styleOf(buf: Buffer) {
  const d = decodePythonSource(buf);
  return 'text' in d ? headerStyleOf(d.text) : DEFAULT_STYLE;
}

function newestRev(map: RevisionMap): Rev | undefined {
  return map.headRevs[0] ?? map.revisions[map.revisions.length - 1];
}

/** The version folder Alembic would write into: the one holding the reference file, else the first that exists. */
function locationOf(model: ProjectModel, reference: Rev | undefined): string | undefined {
  const locs = model.config.versionLocations.filter((l) => l.exists).map((l) => l.absPath);
  if (reference) {
    const holder = locs.filter((l) => reference.file.absPath.startsWith(l + path.sep)).sort((a, b) => b.length - a.length)[0];
    if (holder) return holder;
  }
  return locs[0];
}

/** Where a human might place the id: the main line below each head, newest first, with what the upgrade would then run. */
function candidates(model: ProjectModel, id: string, req: BackfillRequest, io: BackfillIo, changes: ReadonlyMap<string, { before: Buffer | null; after: Buffer }>): Candidate[] {
  if (model.failure) return [];
  const picks: string[] = [];
  for (const h of model.map.headRevs) {
    let r: Rev | undefined = h;
    while (r && picks.length < MAX_CANDIDATES) {
      if (!picks.includes(r.id)) picks.push(r.id);
      const down: string | undefined = r.versionedDown[0];
      r = down === undefined ? undefined : model.map.byKey.get(down);
    }
  }
  const matches = req.state ? schemaMatches(model, req.state) : undefined;
  const out: Candidate[] = [];
  for (const after of picks) {
    const scratch = new Map(changes) as Map<string, { before: Buffer | null; after: Buffer }>;
    const r = placeOne(model, id, [after], 'all', `--after ${after}`, { id, seen: [] }, { ...req, rewire: true }, io, scratch);
    if ('refuse' in r) continue;
    const next = io.rebuild(overlayOf(scratch));
    const rows = req.rows ?? [id];
    const prediction = next.failure
      ? { target: req.target, willSucceed: false, steps: [], finalHeads: null, cliOutput: next.failure.failure.message }
      : predictUpgrade(next.map, req.target, rows);
    const schema = matches?.find((m) => m.revision === after);
    out.push({ after, rewires: r.placeholder.rewired.map((x) => x.revision), prediction, ...(schema ? { schema } : {}) });
  }
  // the catalog's best match first: fewest objects that disagree, then the one that explains most
  return matches ? out.sort((a, b) => rank(a) - rank(b)) : out;
  function rank(c: Candidate): number {
    const i = matches!.findIndex((m) => m.revision === c.after);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  }
}

/** The id's row is stale when no candidate works and the upgrade from the database's other rows succeeds. */
function staleRow(model: ProjectModel, id: string, req: BackfillRequest, listed: readonly Candidate[]): Refusal['stale'] {
  if (!req.rows || listed.some((c) => c.prediction.willSucceed) || model.failure) return undefined;
  const rest = req.rows.filter((r) => r !== id);
  if (rest.length === 0 || rest.length === req.rows.length) return undefined;
  const prediction = predictUpgrade(model.map, req.target, rest);
  return prediction.willSucceed ? { rest, prediction } : undefined;
}

/**
 * The proof: the graph loads, gains no head (one at most, or as many as it had), every
 * row resolves, and `alembic upgrade <target>` is predicted to succeed, from
 * the live rows or, without a database, from each id as a one-row table.
 */
export function proveBackfill(before: ProjectModel, after: ProjectModel, ids: readonly string[], rows: readonly StampValue[] | null, target: string, state?: VersionTableState): Proof {
  const problems: string[] = [];
  const headsBefore = [...before.map.heads];
  const headsAfter = [...after.map.heads];
  if (after.failure) problems.push(`the graph does not load: ${after.failure.failure.message}`);
  // a placeholder after a head takes its place (the incident: the database ran one migration past the
  // code); only a new branch is wrong, and --rewire is what stops it
  if (headsAfter.length > Math.max(1, headsBefore.length)) {
    problems.push(`the graph would have ${headsAfter.length} heads (${headsAfter.join(', ')}); pass --rewire so the children follow the placeholder`);
  }
  const scenarios: Proof['scenarios'][number][] = [];
  if (!after.failure) {
    const rowSets = rows ? [rows] : ids.map((id) => [id]);
    for (const set of rowSets) {
      const stamps = resolveStamps(after.map, set);
      const resolves = stamps.every((s) => s.how !== 'failed');
      const prediction = predictUpgrade(after.map, target, set);
      scenarios.push({ rows: set, resolves, prediction });
      const label = set.map((r) => (typeof r === 'string' ? r : String(r))).join(', ');
      if (!resolves) problems.push(`the row(s) ${label} still do not resolve`);
      if (!prediction.willSucceed) problems.push(`\`alembic upgrade ${target}\` from ${label} is still predicted to fail: ${prediction.cliOutput ?? prediction.unpredictable ?? 'unknown'}`);
    }
  }
  const schema = rows && state && !after.failure ? proofSchema(after, state, rows, target) : undefined;
  if (schema?.clash) problems.push(`on this database's schema the upgrade fails: ${schema.clash}`);
  return { ok: problems.length === 0, headsBefore, headsAfter, scenarios, problems, ...(schema ? { schema } : {}) };
}

/** The schema probes with the placeholders in place: what differs at the stamp, and where the upgrade would fail. */
function proofSchema(after: ProjectModel, state: VersionTableState, rows: readonly StampValue[], target: string): ProofSchema | undefined {
  const probe = probeSchema(after, state, resolveStamps(after.map, rows), predictUpgrade(after.map, target, rows));
  if (!probe || probe.unavailable !== undefined) return undefined;
  const c = probe.clash;
  const clash = c ? `${c.revision} (${c.path}:${c.line}) ${c.problem === 'exists' ? 'creates' : 'drops or alters'} ${describeObject(c.obj)}, which ${c.problem === 'exists' ? 'is already there' : 'is not there'}${clashError(c, state.dialect) ? `: ${clashError(c, state.dialect)}` : ''}` : undefined;
  const differ = probe.behind.map((m) => `${describeObject(m.obj)} (${m.expected === 'present' ? 'created' : 'dropped'} by ${m.by.revision}, ${m.path}:${m.by.line}) is ${m.expected === 'present' ? 'missing' : 'still there'}`);
  return { checked: probe.checked, unknown: probe.unknown, differ, ...(clash ? { clash } : {}) };
}
