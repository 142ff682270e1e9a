import { upgradeCommand } from '../db-helpers.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { describeObject } from '../schema/describe-object.js';
import type { SchemaMatch, StampMismatch } from '../schema/schema-probe.js';
import type { RevisionMap } from '../../alembic/graph/revision-map.js';

/**
 * The version table says a revision ran, but the schema lacks what it did: an object it (or one
 * below it) creates is missing, or one it drops is still there. Stamped without running, or
 * changed by hand since; the upgrade will not redo it.
 */
export const schemaBehindStamp: Rule = {
  code: 'schema-behind-stamp',
  severity: 'warning',
  title: 'what the stamped revisions made is missing',
  summary:
    'What the stamped revisions create is missing (or what they drop is still there): stamped without running, or changed by hand since.',
  check({ model, database: db }) {
    const behind = db?.schema?.behind ?? [];
    if (!db || behind.length === 0) return [];
    const byRevision = new Map<string, StampMismatch[]>();
    for (const m of behind) byRevision.set(m.by.revision, [...(byRevision.get(m.by.revision) ?? []), m]);
    // one database, one stamp: below the lowest revision whose work is missing, when every other is above it
    const lowest = lowestOf(model.map, [...byRevision.keys()]);
    return [...byRevision].map(([revision, found]): Finding => {
      const first = found[0]!;
      const parent = model.map.byKey.get(lowest ?? revision)?.versionedDown;
      const back =
        parent && parent.length === 1 ? parent[0]! : parent && parent.length === 0 ? 'base' : undefined;
      const missing = found.filter((m) => m.expected === 'present').map((m) => describeObject(m.obj));
      const left = found.filter((m) => m.expected === 'absent').map((m) => describeObject(m.obj));
      const parts = [
        missing.length > 0
          ? `${list(missing)} it creates ${missing.length === 1 ? 'is' : 'are'} not in the database`
          : '',
        left.length > 0 ? `${list(left)} it drops ${left.length === 1 ? 'is' : 'are'} still there` : '',
      ].filter((p) => p !== '');
      const stamped = db.stamps.some((s) => s.revisions.includes(revision));
      // the probes place the schema exactly where the fix moves the stamp: the code would run on a schema
      // it knows is behind, so this blocks; anything less certain stays a warning
      const exact = back !== undefined && exactlyAt(db.schema?.matches, back);
      const what =
        missing.length > 0
          ? `${missing.length === 1 ? missing[0] : `${missing.length} objects`} it creates ${missing.length === 1 ? 'is' : 'are'} missing`
          : `${left.length === 1 ? left[0] : `${left.length} objects`} it drops ${left.length === 1 ? 'is' : 'are'} still there`;
      return {
        code: 'schema-behind-stamp',
        severity: exact ? 'error' : 'warning',
        ...(exact ? { schemaAt: { revision: back, missing: behind.length } } : {}),
        title: `stamped past ${revision}, but ${what.replace(/ it (creates|drops) /u, ' ')}`,
        message: `${first.path}:${first.by.line}: the ${db.state.versionTable} table says ${revision} ran${stamped ? '' : ' (it is below the stamp)'}, but ${parts.join(', and ')}. It was stamped without running its upgrade() (or the schema was changed by hand since); \`alembic upgrade\` will not redo it, and the code that needs it will fail.${exact ? ` Every object the migrations name matches the schema ${back} leaves.` : ''}`,
        ...(back ? { fix: `${db.words.alembic('stamp', back)} && ${upgradeCommand(db)}` } : {}),
        hint: back
          ? `If ${revision} never ran, move the stamp back to ${back}${lowest !== undefined && lowest !== revision ? ` (below ${lowest}, whose work is missing too)` : ''} and run the upgrade. If the change was undone on purpose, a migration should say so.`
          : `If ${revision} never ran, stamp its parent and upgrade again; if the change was undone on purpose, a migration should say so.`,
        path: first.path,
        line: first.by.line,
        revision,
      };
    });
  },
};

/**
 * Whether the catalog matches the schema `revision` leaves in every object compared, with at least one
 * of them present: absence alone (an empty database, or a schema the reading did not find) is no
 * placement, so base is never exact.
 */
function exactlyAt(matches: readonly SchemaMatch[] | undefined, revision: string): boolean {
  return (matches ?? []).some((m) => m.revision === revision && m.present > 0 && m.agree === m.of);
}

/** The one revision of `revisions` that every other has among its ancestors, if there is one. */
function lowestOf(map: RevisionMap, revisions: readonly string[]): string | undefined {
  const first = revisions[0];
  if (first === undefined) return undefined;
  const walk = (from: string, next: (r: string) => readonly string[]): string[] => {
    const seen = new Set<string>();
    const todo = [...next(from)];
    while (todo.length > 0) {
      const r = todo.pop()!;
      if (seen.has(r)) continue;
      seen.add(r);
      todo.push(...next(r));
    }
    return [...seen];
  };
  const wanted = new Set(revisions);
  // it is the first or one of the first's ancestors; each candidate costs one walk up, so the ones
  // farthest down go first (in a line of revisions, the first tried is the one)
  const down = walk(first, (r) => map.byKey.get(r)?.versionedDown ?? []);
  const candidates = [first, ...down.filter((r) => wanted.has(r))].reverse();
  for (const low of candidates) {
    const above = new Set(walk(low, (r) => map.byKey.get(r)?.nextrev ?? []));
    if (revisions.every((r) => r === low || above.has(r))) return low;
  }
  return undefined;
}

function list(items: readonly string[]): string {
  return items.length <= 3
    ? items.join(', ')
    : `${items.slice(0, 3).join(', ')} and ${items.length - 3} more`;
}
