import type { RevisionMap } from '../alembic/graph/revision-map.js';
import type { StampValue } from '../alembic/graph/version-rows.js';
import type { LedgerRow, LedgerState } from '../database/ledger.js';
import { sha256Hex } from '../project/sha256.js';
import { databaseOwner, type DatabaseOwner } from './database-owner.js';

/** A version-table row this code has no file for, which the ledger shows a newer release applied. */
export interface AheadRow {
  readonly row: string;
  /** The ledger's record of each revision between the row and this code, the row first. */
  readonly chain: readonly LedgerRow[];
  /** The revisions of this code the chain comes down to (empty: it starts from base). */
  readonly reaches: readonly string[];
}

/** What the ledger says against this code, worked out once per database for every rule that reads it. */
export interface LedgerView {
  /** The newest ledger row of each revision. */
  readonly known: ReadonlyMap<string, LedgerRow>;
  /** Where each row this code has no file for leaves the database, where the ledger accounts for it. */
  readonly positions: ReadonlyMap<string, LedgerPosition>;
  /** The app the database belongs to: the hand-over, else the first named release's (absent: nobody claimed it). */
  readonly owner?: DatabaseOwner;
  /** Revision files whose bytes differ from what the ledger recorded when a release applied them. */
  readonly edited: readonly EditedFile[];
}

/** A revision file changed since a release applied it: its ledger row, and the file's SHA-256 now. */
export interface EditedFile {
  readonly id: string;
  readonly path: string;
  readonly record: LedgerRow;
  readonly sha256: string;
}

/** A file's bytes by absolute path (undefined: not readable). */
export type ReadBytes = (absPath: string) => Buffer | undefined;

export function ledgerView(
  ledger: LedgerState | undefined,
  rows: readonly StampValue[],
  map: RevisionMap,
  bytes: ReadBytes,
): LedgerView {
  const known = latestByRevision(ledger);
  const owner = databaseOwner(ledger?.rows, ledger?.owner);
  return {
    known,
    positions: ledgerPositions(rows, map, known),
    ...(owner ? { owner } : {}),
    edited: editedFiles(map, known, bytes),
  };
}

/** Flyway's validate: each revision the ledger recorded whose file's SHA-256 is not the recorded one. */
function editedFiles(
  map: RevisionMap,
  known: ReadonlyMap<string, LedgerRow>,
  bytes: ReadBytes,
): EditedFile[] {
  if (known.size === 0) return [];
  return map.all.flatMap((rev) => {
    const record = known.get(rev.id);
    const read = record ? bytes(rev.file.absPath) : undefined;
    if (!record || !read) return [];
    const sha256 = sha256Hex(read);
    return sha256 === record.sha256 ? [] : [{ id: rev.id, path: rev.file.path, record, sha256 }];
  });
}

/** The newest ledger row of each revision. */
export function latestByRevision(ledger: LedgerState | undefined): Map<string, LedgerRow> {
  const out = new Map<string, LedgerRow>();
  for (const r of ledger?.rows ?? []) out.set(r.revision, r);
  return out;
}

/**
 * The row is ahead when every revision from it down (through down revisions) that this code does
 * not have is one the ledger recorded, until each line of descent reaches a revision this code has
 * or base. One revision the ledger does not know (a hand stamp, a file lost) and it is not: it stays
 * a revision nobody can account for. Undefined then.
 */
export function aheadChain(
  row: string,
  map: RevisionMap,
  known: ReadonlyMap<string, LedgerRow>,
): AheadRow | undefined {
  if (map.byKey.has(row)) return undefined;
  const chain: LedgerRow[] = [];
  const reaches: string[] = [];
  const seen = new Set<string>();
  const queue = [row];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    if (map.byKey.has(id)) {
      reaches.push(id);
      continue;
    }
    const rec = known.get(id);
    if (!rec) return undefined;
    chain.push(rec);
    queue.push(...rec.downRevisions);
  }
  return { row, chain, reaches };
}

/**
 * Where a row the ledger accounts for leaves the database, against this code:
 * - ahead: a true rollback. Every head of this code is at or below where the ledger's chains meet it (or
 *   a row it has), on the same line, so the database already holds everything this code would apply.
 * - diverged: the database applied revisions this code lacks, and lacks revisions this code has (a
 *   branch released over another one); `lacking` lists this code's revisions it never got.
 * - unrelated: the chain reaches base without meeting any revision of this code: a database released
 *   from another history (another app's, say).
 */
export interface LedgerPosition {
  readonly kind: 'ahead' | 'diverged' | 'unrelated';
  readonly ahead: AheadRow;
  /** diverged: this code's revisions the database never got, in the map's order. */
  readonly lacking: readonly string[];
}

/**
 * The ledger's account of each row this code has no file for (rows it cannot account for are left out:
 * they stay a mystery). The heads' check is over all the rows at once: what every row reaches together.
 */
export function ledgerPositions(
  rows: readonly StampValue[],
  map: RevisionMap,
  known: ReadonlyMap<string, LedgerRow>,
): Map<string, LedgerPosition> {
  const out = new Map<string, LedgerPosition>();
  if (known.size === 0) return out;
  const chains: AheadRow[] = [];
  const reached: string[] = [];
  for (const row of rows) {
    if (typeof row !== 'string') continue;
    if (map.byKey.has(row)) reached.push(row);
    else {
      const chain = aheadChain(row, map, known);
      if (chain) {
        chains.push(chain);
        reached.push(...chain.reaches);
      }
    }
  }
  if (chains.length === 0) return out;
  const covered = ancestorsOrSelf(map, reached);
  const lacking = map.revisions.filter((r) => !covered.has(r.key)).map((r) => r.id);
  for (const chain of chains) {
    const kind =
      chain.reaches.length === 0 && map.revisions.length > 0
        ? 'unrelated'
        : lacking.length > 0
          ? 'diverged'
          : 'ahead';
    out.set(chain.row, { kind, ahead: chain, lacking: kind === 'diverged' ? lacking : [] });
  }
  return out;
}

/** The revisions at or below these, through down revisions and dependencies. */
function ancestorsOrSelf(map: RevisionMap, from: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...from];
  while (stack.length > 0) {
    const key = stack.pop()!;
    if (seen.has(key)) continue;
    const rev = map.byKey.get(key);
    if (!rev) continue;
    seen.add(key);
    stack.push(...rev.allDown);
  }
  return seen;
}

/** Who applied a ledger row, in words: the release's version and commit where known, and the dyno. */
export function appliedByText(r: LedgerRow): string {
  const by = r.appliedBy;
  const release = by['HEROKU_RELEASE_VERSION'] ? `release ${by['HEROKU_RELEASE_VERSION']}` : undefined;
  const commit = by['SOURCE_VERSION'] ?? by['HEROKU_SLUG_COMMIT'] ?? by['GITHUB_SHA'] ?? by['CI_COMMIT_SHA'];
  const parts = [
    release,
    commit ? `commit ${commit.slice(0, 12)}` : undefined,
    by['DYNO'] ? `dyno ${by['DYNO']}` : undefined,
  ].filter((p): p is string => p !== undefined);
  const who =
    parts.length > 0
      ? parts.join(', ')
      : by['heads']
        ? `a release whose code had head ${by['heads']}`
        : 'a release';
  if (by['recordedBy'] === 'ledger record')
    return `\`ledger record\` (${parts.length > 0 ? parts.join(', ') : `code at head ${by['heads'] ?? '?'}`}), which found it applied, on ${r.appliedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/u, ' UTC')}`;
  return `${who} on ${r.appliedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/u, ' UTC')}`;
}
