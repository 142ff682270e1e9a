import type { AppWords } from '../app-words.js';
import path from 'node:path';
import type { GeneratedAtRelease } from '../../deploy/generating-command.js';
import { describeForensics, type Forensics } from '../../history/git-history.js';
import { translate, type StampValue } from '../../alembic/graph/upgrade-plan.js';
import { rowText, tableName, upgradeCommand } from '../db-helpers.js';
import type { DatabaseContext, Rule } from '../rule.js';
import { capitalised, type Evidence, type Finding } from '../finding.js';
import type { StampResolution } from '../../alembic/graph/resolver.js';
import type { LedgerRow } from '../../database/ledger.js';
import { appliedByText } from '../ledger-view.js';
import { schemaWords } from '../schema/describe-object.js';

/** A version-table row that names no revision in the repository: the `guest_lockout_001` incident. */
export const stampedRevisionMissing: Rule = {
  code: 'stamped-revision-missing',
  severity: 'error',
  title: 'a stamped revision has no migration file',
  summary:
    'A version-table row names a revision no migration file defines; `alembic upgrade` stops with "Can\'t locate revision".',
  check({ model, database: db, releaseGenerates }) {
    if (!db) return [];
    const failed = db.stamps.filter((s) => s.how === 'failed' && s.failure);
    // rows the ledger accounts for are database-ahead's, -diverged's or -unrelated's, not a mystery
    const { known, positions } = db.ledger;
    const ahead = (s: (typeof failed)[number]): boolean =>
      typeof s.value === 'string' && s.failure?.exception === 'ResolutionError' && positions.has(s.value);
    const heads = model.map.heads;
    const folder = model.config.versionLocations
      .map((l) => path.relative(model.config.cwd, l.absPath) || '.')
      .join(' ');
    return failed
      .filter((s) => !ahead(s))
      .map((s): Finding => {
        const f = s.failure!;
        const own = translate(f, db.prediction.target).cliOutput;
        let { why, title } = whyOf(s.value, f, heads.length);
        const sqlDelete = failed.length === 1 ? deleteAdvice(s.value, db) : undefined;
        const restamp =
          heads.length === 1
            ? `If the schema already matches ${heads[0]}, re-stamp it: ${db.words.alembic('stamp', '--purge', heads[0]!)} (replaces every row${db.otherDatabases ? '; here it stamps every database env.py migrates, not only this one' : ''}; \`${upgradeCommand(db)}\` then has nothing to run).`
            : '';
        const blank = blankAround(s.value, (id) => model.map.byKey.get(id));
        if (blank) {
          why = blankWhy(blank, db.state.paddingType);
          title = `stamped ${rowText(blank.value)}: '${blank.id}' with blanks Alembic does not strip`;
        }
        const id = typeof s.value === 'string' ? s.value : undefined;
        const missing = !blank && id !== undefined && id !== '' && f.exception === 'ResolutionError';
        const forensics = id === undefined ? undefined : db.forensics?.get(id);
        const evidence: Evidence[] = [];
        if (!blank) {
          const ledger = ledgerEvidence(id === undefined ? undefined : known.get(id), db.state.ledger?.table);
          if (ledger) evidence.push({ label: 'ledger', text: ledger });
          if (forensics)
            evidence.push({ label: 'git', text: `${capitalised(describeForensics(forensics))}.` });
          const generated = missing ? generatedAtRelease(releaseGenerates?.[0], forensics) : '';
          if (generated) evidence.push({ label: 'release', text: generated });
        }
        const schema = missing ? schemaEvidence(db) : undefined;
        if (schema) evidence.push({ label: 'schema', text: schema.text });
        const unread = model.revisionsElsewhere;
        const plan = unread
          ? {
              hint: `The revisions may be in ${unread.join(', ')}, which this run did not read (no-revision-files): point the check at them (--versions ${unread[0]}) and verify again before anything is stamped or written.`,
            }
          : missing
            ? missingPlan(
                db.words,
                id!,
                forensics,
                folder,
                sqlDelete ?? `Do not delete the row: ${noDelete(db, failed.length)}.`,
                restamp,
                schema?.after,
              )
            : {
                hint: blank
                  ? blankHint(blank, db)
                  : `Correct the row${sqlDelete ? `, or delete it: ${sqlDelete}` : ` (${noDelete(db, failed.length)})`}${restamp ? ` ${restamp}` : ''}`,
              };
        return {
          code: 'stamped-revision-missing',
          severity: 'error' as const,
          title,
          // a missing id's title says all the row's sentence would; a prefix, a blank or a type has details there
          message: `${missing ? '' : `The ${db.state.versionTable} row ${rowText(s.value)} ${why}; `}\`${upgradeCommand(db)}\` will stop before running anything.${evidence.map((e) => ` ${e.label === 'git' ? 'Git: ' : ''}${e.text}`).join('')}`,
          hint: plan.hint,
          ...(plan.fix ? { fix: plan.fix } : {}),
          ...(evidence.length > 0 ? { evidence } : {}),
          revision: id,
          alembicError: own,
        };
      });
  },
};

/** Why Alembic cannot resolve the row: the sentence for the message, and the report's first line. */
function whyOf(
  value: StampValue,
  f: NonNullable<StampResolution['failure']>,
  heads: number,
): { why: string; title: string } {
  const row = rowText(value);
  if (f.exception === 'AssertionError')
    return {
      why: 'is an empty string; Alembic crashes on it with an AssertionError traceback',
      title: 'stamped with an empty string: Alembic crashes on it',
    };
  if (f.exception === 'MultipleHeads')
    return {
      why: `is the symbol 'head', which is ambiguous because the graph has ${heads} heads`,
      title: `stamped 'head', which is ambiguous with ${heads} heads`,
    };
  if (f.exception === 'RevisionError')
    return {
      why: 'is not a string, so Alembic cannot resolve it',
      title: `stamped ${row}, which is not a string`,
    };
  if (f.detail?.kind === 'ambiguous-prefix')
    return {
      why: `is a prefix of several revisions (${f.detail.candidates.map((x) => `'${x}'`).join(', ')}), so it resolves to none`,
      title: `stamped ${row}, a prefix of ${f.detail.candidates.length} revisions`,
    };
  if (f.detail?.kind === 'no-such-revision' && f.detail.tooShort)
    return {
      why: 'names no revision (and revisions of 3 characters or fewer never match by prefix)',
      title: `stamped ${row}, which names no revision`,
    };
  if (f.detail?.kind === 'not-in-branch')
    return {
      why: `names a revision outside its branch (${f.message})`,
      title: `stamped ${row}, outside its branch`,
    };
  return {
    why: 'names a revision that no migration file in the repository defines',
    title: `stamped ${row}, which no migration file defines`,
  };
}

/** A row that names a revision once the blanks around it are dropped (a column that pads, or a hand-typed stamp). */
interface Blanks {
  readonly value: string;
  readonly id: string;
  /** How many spaces follow the id when nothing else surrounds it (what a padding column leaves), else null. */
  readonly padding: number | null;
}

function blankAround(value: StampValue, lookup: (id: string) => unknown): Blanks | null {
  if (typeof value !== 'string') return null;
  const id = value.trim();
  if (id === value || id === '' || !lookup(id)) return null;
  return { value, id, padding: value === id.padEnd(value.length) ? value.length - id.length : null };
}

function blankWhy(b: Blanks, paddingType: string | null | undefined): string {
  if (paddingType && b.padding !== null) {
    return `is '${b.id}' followed by ${b.padding} spaces: version_num is ${paddingType}, which pads every value to its full length, and Alembic looks the padded string up as it is`;
  }
  return `is '${b.id}' with blanks around it, and Alembic looks the string up as it is, blanks included`;
}

function blankHint(b: Blanks, db: DatabaseContext): string {
  const update = (was: string): string =>
    `UPDATE ${tableName(db)} SET version_num = ${rowText(b.id)} WHERE version_num = ${rowText(was)};`;
  if (db.state.paddingType) {
    const alter = `ALTER TABLE ${tableName(db)} ALTER COLUMN version_num TYPE varchar(32);`;
    // the conversion drops only what follows the id; a blank before it stays, and after the ALTER
    // the row compares exactly, so the UPDATE names the value without its padding
    if (b.padding === null)
      return `Give version_num the type Alembic creates, then store the id without the blanks: ${alter} ${update(b.value.trimEnd())} (PostgreSQL strips trailing spaces when it converts character to varchar, not leading ones.)`;
    return `Give version_num the type Alembic creates, which drops the padding: ${alter} (PostgreSQL strips trailing spaces when it converts character to varchar.)`;
  }
  return `Store the id without the blanks: ${update(b.value)}`;
}

/**
 * The likely origin when git never saw the id and the release phase generates migrations: each release
 * stamps the database with a file that dies with its dyno.
 */
function generatedAtRelease(g: GeneratedAtRelease | undefined, f: Forensics | undefined): string {
  if (!g || (f && f.kind !== 'never' && f.kind !== 'no-git')) return '';
  return `The release phase runs \`${g.command}\`${g.at ? ` (${g.at})` : ''}, which writes a migration on the release dyno and loses it with the dyno: that is how a database gets a revision no file in the repository has (release-generates-migration).`;
}

/** What the ledger says of an id it recorded but cannot chain down to this code, as a sentence. */
function ledgerEvidence(r: LedgerRow | undefined, table: string | undefined): string {
  if (!r) return '';
  return `The ledger ${table} shows ${appliedByText(r)} applied it (${r.path}), but not every revision between it and this code, so it is not simply a newer release's.`;
}

/**
 * The DELETE of a stale row, offered only with its predicted outcome: the other rows must still say where
 * the database is, and the upgrade from them must succeed. Undefined when deleting would leave nothing to
 * go on (the table empties, so Alembic would run every migration from base against a schema that is
 * already there) or the upgrade from the rest fails.
 */
function deleteAdvice(value: StampValue, db: DatabaseContext): string | undefined {
  const rest = db.state.rows.filter((r) => r !== value);
  const after = db.afterDelete?.get(value);
  if (!after?.willSucceed) return undefined;
  const n = after.steps.length;
  const then =
    n === 0
      ? `\`${upgradeCommand(db)}\` then has nothing to run (the database stays at ${rest.map(rowText).join(', ')})`
      : `\`${upgradeCommand(db)}\` then applies ${n} migration${n === 1 ? '' : 's'} from ${rest.map(rowText).join(', ')} (${after.steps.map((x) => x.revision).join(' → ')})`;
  return `DELETE FROM ${tableName(db)} WHERE version_num = ${rowText(value)}; ${then}.`;
}

/** Why deleting the row is not offered. */
function noDelete(db: DatabaseContext, failing: number): string {
  if (failing > 1)
    return `${failing} rows name no revision, and Alembic stops on the first of them: deleting one leaves the others`;
  return db.state.rows.length <= 1
    ? `it is the only row, and an empty ${db.state.versionTable} makes the next upgrade run every migration from base, which fails on a database that already has the schema (${db.state.dialect === 'sqlite' ? '"table … already exists"' : '"relation … already exists"'})`
    : 'the upgrade from the other rows alone is predicted to fail as well';
}

/**
 * The one command that fixes a row no file defines, filled in from the evidence, and the
 * alternatives after it.
 */
function missingPlan(
  words: AppWords,
  id: string,
  f: Forensics | undefined,
  folder: string,
  deleteOrNot: string,
  restamp: string,
  after: string | undefined,
): { fix?: string; hint: string } {
  const placeholder = words.preflight('backfill');
  switch (f?.kind) {
    case 'renamed':
      return {
        fix: words.preflight('restamp', '--from', id, '--to', f.newId, '--yes'),
        hint: 'The migration is in the code under its new id; restamp replaces exactly that row.',
      };
    case 'deleted':
      return f.operations
        ? {
            fix: `git checkout ${f.commit.short}^ -- ${f.path}`,
            hint: `Restore the file: its upgrade() ran operations, so a no-op placeholder (${placeholder} --rewire --write) would leave every fresh database without them.`,
          }
        : {
            fix: `git checkout ${f.commit.short}^ -- ${f.path}`,
            hint: `Or generate a no-op in its place: ${placeholder} --rewire --write (git gives the exact parent).`,
          };
    case 'other-ref':
      return {
        hint: `Deploy the code that has it (${f.refs.join(', ')}), or merge that branch. Only if that code is gone for good: ${placeholder} --after <REV> --rewire --write.`,
      };
    case 'in-tree':
      return f.inWorkTree
        ? {
            hint: `Make Alembic load ${f.path} (it is outside the version folders, or its name is skipped); ${words.preflight('check')} explains.`,
          }
        : { fix: `git checkout -- ${f.path}`, hint: 'Restore the file.' };
    case 'never':
    case 'no-git':
    case undefined: {
      const search =
        f === undefined ? ` Find where it came from: git log --all --oneline -S "${id}" -- ${folder}.` : '';
      const rest = `${restamp ? ` ${restamp}` : ''} ${deleteOrNot.startsWith('DELETE') ? `If the row is simply stale: ${deleteOrNot}` : deleteOrNot}`;
      // the schema names the parent: the placeholder goes there; without it, backfill lists the candidates
      return after !== undefined
        ? {
            fix: `${placeholder} --after ${after} --rewire --write`,
            hint: `A no-op migration with revision = '${id}' after ${after}, where the schema says the database stands; backfill proves the upgrade before it writes.${search}${rest}`,
          }
        : {
            fix: `${placeholder}  # lists where the placeholder could go`,
            hint: `Then add a no-op migration with revision = '${id}' after the revision the database had reached when it was stamped: ${placeholder} --after <REV> --rewire --write.${search}${rest}`,
          };
    }
  }
}

/**
 * Which revision's schema the catalog matches, per the schema probes (the objects the migrations name,
 * by name), and the revision to place the placeholder after when the match is exact. A claim only
 * from objects the database has: with none of them, nothing could be compared.
 */
function schemaEvidence(db: DatabaseContext): { text: string; after?: string } | undefined {
  const s = db.schema;
  if (!s || s.unavailable !== undefined || s.matches === undefined) return undefined;
  const [best, next] = s.matches;
  if (!best)
    return { text: 'Nothing could be compared: the database has none of the objects the migrations create.' };
  const exact = best.agree === best.of;
  const runnerUp = next
    ? `; the next closest is up to ${next.revision}, with ${next.agree} of its ${next.of} as it leaves them`
    : '';
  return {
    text: `The database ${exact ? 'has exactly' : 'comes closest to'} what the migrations up to ${best.revision} leave: ${schemaWords(best)}${runnerUp}.`,
    ...(exact ? { after: best.revision } : {}),
  };
}
