import type { ProjectModel } from '../alembic/loading/project-model.js';
import { predictUpgrade, resolveStamps, type StampValue } from '../alembic/graph/upgrade-plan.js';
import type { VersionTableState } from '../database/version-table.js';
import { clashError, describeObject } from '../check/schema/describe-object.js';
import { probeSchema } from '../check/schema/schema-probe.js';
import type { Proof, ProofSchema } from './backfill-types.js';

/**
 * The proof: the graph loads, gains no head (one at most, or as many as it had), every
 * row resolves, and `alembic upgrade <target>` is predicted to succeed, from
 * the live rows or, without a database, from each id as a one-row table.
 */
export function proveBackfill(
  before: ProjectModel,
  after: ProjectModel,
  ids: readonly string[],
  rows: readonly StampValue[] | null,
  target: string,
  state?: VersionTableState,
): Proof {
  const problems: string[] = [];
  const headsBefore = [...before.map.heads];
  const headsAfter = [...after.map.heads];
  if (after.failure) problems.push(`the graph does not load: ${after.failure.failure.message}`);
  // a placeholder after a head takes its place (the incident: the database ran one migration past the
  // code); only a new branch is wrong, and --rewire is what stops it
  if (headsAfter.length > Math.max(1, headsBefore.length)) {
    problems.push(
      `the graph would have ${headsAfter.length} heads (${headsAfter.join(', ')}); pass --rewire so the children follow the placeholder`,
    );
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
      if (!prediction.willSucceed)
        problems.push(
          `\`alembic upgrade ${target}\` from ${label} is still predicted to fail: ${prediction.cliOutput ?? prediction.unpredictable ?? 'unknown'}`,
        );
    }
  }
  const schema = rows && state && !after.failure ? proofSchema(after, state, rows, target) : undefined;
  if (schema?.clash) problems.push(`on this database's schema the upgrade fails: ${schema.clash}`);
  return {
    ok: problems.length === 0,
    headsBefore,
    headsAfter,
    scenarios,
    problems,
    ...(schema ? { schema } : {}),
  };
}

const PROBLEM_WORDS = {
  exists: 'is already there',
  missing: 'is not there',
  unavailable: 'the server cannot install',
  uncommitted: 'the same migration added before it is committed',
} as const;

/** The schema probes with the placeholders in place: what differs at the stamp, and where the upgrade would fail. */
function proofSchema(
  after: ProjectModel,
  state: VersionTableState,
  rows: readonly StampValue[],
  target: string,
): ProofSchema | undefined {
  const probe = probeSchema(
    after,
    state,
    resolveStamps(after.map, rows),
    predictUpgrade(after.map, target, rows),
  );
  if (!probe || probe.unavailable !== undefined) return undefined;
  const c = probe.clash;
  const clash = c
    ? `${c.revision} (${c.path}:${c.line}) ${c.does} ${describeObject(c.obj)}, which ${PROBLEM_WORDS[c.problem]}${clashError(c, state) ? `: ${clashError(c, state)}` : ''}`
    : undefined;
  const differ = probe.behind.map(
    (m) =>
      `${describeObject(m.obj)} (${m.expected === 'present' ? 'created' : 'dropped'} by ${m.by.revision}, ${m.path}:${m.by.line}) is ${m.expected === 'present' ? 'missing' : 'still there'}`,
  );
  return { checked: probe.checked, unknown: probe.unknown, differ, ...(clash ? { clash } : {}) };
}
