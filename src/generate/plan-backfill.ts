import path from 'node:path';
import { describeForensics } from '../history/git-history.js';
import type { ProjectModel } from '../alembic/loading/project-model.js';
import type { Rev, RevisionMap } from '../alembic/graph/revision-map.js';
import { decodePythonSource } from '../alembic/reading/source-reader.js';
import { predictUpgrade } from '../alembic/graph/upgrade-plan.js';
import { FileTemplateError, renderFileName } from './file-template.js';
import { DEFAULT_STYLE, headerStyleOf, renderPlaceholder } from './placeholder.js';
import { rewireDownRevision } from './rewire.js';
import { choosePlacement, schemaPlace } from './placement.js';
import { proveBackfill } from './prove-backfill.js';
import { schemaMatches } from '../check/schema/schema-probe.js';

export type {
  BackfillIo,
  BackfillOutcome,
  BackfillPlan,
  BackfillRequest,
  Candidate,
  MissingId,
  PlannedPlaceholder,
  Proof,
  ProofSchema,
  Refusal,
} from './backfill-types.js';
import type {
  BackfillIo,
  BackfillPlan,
  BackfillRequest,
  Candidate,
  MissingId,
  PlannedPlaceholder,
  Refusal,
} from './backfill-types.js';

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
    const place = choosePlacement(
      current.map,
      m,
      explicit,
      req.state && !current.failure ? schemaPlace(schemaMatches(current, req.state)) : undefined,
    );
    if ('refuse' in place) {
      const listed = place.listCandidates ? candidates(current, id, req, io, changes) : [];
      const stale = place.listCandidates ? staleRow(current, id, req, listed) : undefined;
      const nothingCompared =
        place.listCandidates &&
        req.state &&
        !current.failure &&
        schemaMatches(current, req.state)?.length === 0;
      refused.push({
        id,
        reason: place.refuse,
        forensics: m.forensics,
        suggestion: place.suggestion,
        candidates: listed,
        ...(stale ? { stale } : {}),
        ...(nothingCompared ? { nothingCompared: true as const } : {}),
      });
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

  const proof =
    placeholders.length > 0
      ? proveBackfill(
          model,
          current,
          req.missing.map((m) => m.id),
          req.rows,
          req.target,
          req.state,
        )
      : null;
  return { placeholders, skipped, refused, changes, proof };
}

/** The planned contents, as the model rebuild reads them. */
function overlayOf(changes: ReadonlyMap<string, { readonly after: Buffer }>): Map<string, Buffer> {
  return new Map([...changes].map(([p, c]) => [p, c.after]));
}

function badId(id: string): string | undefined {
  if (id.trim() === '' || id !== id.trim())
    return `'${id}' is empty or has surrounding spaces; fix the row instead of backfilling it`;
  if (/[@+\-:]/u.test(id))
    return `'${id}' has characters Alembic does not allow in a revision id (@, -, +, :)`;
  if (/[\s'"\\]/u.test(id))
    return `'${id}' has whitespace, quotes or backslashes; it cannot be a file's revision id`;
  if (['head', 'heads', 'base'].includes(id)) return `'${id}' is a symbolic name, not a revision id`;
  return undefined;
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
    fileName = renderFileName(
      model.config.fileTemplate,
      id,
      'placeholder',
      req.now,
      model.config.truncateSlugLength,
    );
  } catch (e) {
    if (e instanceof FileTemplateError) return { refuse: e.message };
    throw e;
  }
  const absPath = path.resolve(location, fileName);
  if (!absPath.startsWith(location + path.sep))
    return { refuse: `file_template makes a path outside the version folder (${fileName})` };
  if (io.exists(absPath) || changes.has(absPath))
    return { refuse: `${path.relative(model.config.cwd, absPath)} already exists; it is never overwritten` };
  const style = reference ? styleOf(io.readFile(reference.file.absPath)) : DEFAULT_STYLE;
  const content = Buffer.from(
    renderPlaceholder(
      {
        revision: id,
        downRevisions: parents,
        seen: [...m.seen, ...(m.forensics ? [`git: ${describeForensics(m.forensics)}`] : [])],
        placement: how,
        createdAt: req.now,
      },
      style,
    ),
    'utf8',
  );

  const rewired: PlannedPlaceholder['rewired'][number][] = [];
  const children =
    childrenSpec === 'all'
      ? parentRevs.flatMap((p) => [...p.nextrev]).filter((c, i, a) => a.indexOf(c) === i)
      : childrenSpec;
  const toRewire: { rev: Rev; from: string }[] = [];
  for (const c of children) {
    const rev = map.byKey.get(c);
    if (!rev || rev.id !== c) continue;
    if (rev.versionedDown.includes(id)) continue; // still names the id: it reconnects by itself
    const from = parents.find((p) => rev.versionedDown.includes(p));
    if (from === undefined)
      return {
        refuse: `${rev.file.path} (${c}) was a child of ${id}, but now revises ${rev.versionedDown.join(', ') || 'base'}; rewire it by hand or pass --after`,
      };
    toRewire.push({ rev, from });
  }
  if (toRewire.length > 0 && !req.rewire) {
    // placed without rewiring, the placeholder becomes a second head: the proof reports it
  } else {
    for (const { rev, from } of toRewire) {
      const abs = rev.file.absPath;
      const before = changes.get(abs)?.after ?? io.readFile(abs);
      const r = rewireDownRevision(before, from, id);
      if (!r.ok)
        return { refuse: `cannot rewire ${rev.file.path}${r.line ? `:${r.line}` : ''}: ${r.reason}` };
      changes.set(abs, { before: changes.get(abs)?.before ?? before, after: r.content });
      rewired.push({ revision: rev.id, path: rev.file.path, lines: r.changedLines, notes: r.notes });
    }
  }
  changes.set(absPath, { before: null, after: content });
  return {
    placeholder: {
      id,
      downRevisions: parents,
      placement: how,
      absPath,
      path: path.relative(model.config.cwd, absPath),
      content,
      forensics: m.forensics,
      rewired,
    },
  };
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
    const holder = locs
      .filter((l) => reference.file.absPath.startsWith(l + path.sep))
      .sort((a, b) => b.length - a.length)[0];
    if (holder) return holder;
  }
  return locs[0];
}

/** Where a human might place the id: the main line below each head, newest first, with what the upgrade would then run. */
function candidates(
  model: ProjectModel,
  id: string,
  req: BackfillRequest,
  io: BackfillIo,
  changes: ReadonlyMap<string, { before: Buffer | null; after: Buffer }>,
): Candidate[] {
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
    const r = placeOne(
      model,
      id,
      [after],
      'all',
      `--after ${after}`,
      { id, seen: [] },
      { ...req, rewire: true },
      io,
      scratch,
    );
    if ('refuse' in r) continue;
    const next = io.rebuild(overlayOf(scratch));
    const rows = req.rows ?? [id];
    const prediction = next.failure
      ? {
          target: req.target,
          willSucceed: false,
          steps: [],
          finalHeads: null,
          cliOutput: next.failure.failure.message,
        }
      : predictUpgrade(next.map, req.target, rows);
    const schema = matches?.find((m) => m.revision === after);
    out.push({
      after,
      rewires: r.placeholder.rewired.map((x) => x.revision),
      prediction,
      ...(schema ? { schema } : {}),
    });
  }
  // the catalog's best match first: fewest objects that disagree, then the one that explains most
  return matches ? out.sort((a, b) => rank(a) - rank(b)) : out;
  function rank(c: Candidate): number {
    const i = matches!.findIndex((m) => m.revision === c.after);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  }
}

/** The id's row is stale when no candidate works and the upgrade from the database's other rows succeeds. */
function staleRow(
  model: ProjectModel,
  id: string,
  req: BackfillRequest,
  listed: readonly Candidate[],
): Refusal['stale'] {
  if (!req.rows || listed.some((c) => c.prediction.willSucceed) || model.failure) return undefined;
  const rest = req.rows.filter((r) => r !== id);
  if (rest.length === 0 || rest.length === req.rows.length) return undefined;
  const prediction = predictUpgrade(model.map, req.target, rest);
  return prediction.willSucceed ? { rest, prediction } : undefined;
}
