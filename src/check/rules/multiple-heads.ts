import { upgradeAs } from '../db-helpers.js';
import { multipleHeadsMessage } from '../../alembic/graph/upgrade-plan.js';
import type { ProjectModel } from '../../alembic/loading/project-model.js';
import type { ScriptFile } from '../../alembic/loading/script-loader.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';

/** More than one head: `alembic upgrade head` cannot choose (duplicates and effective heads count). */
export const multipleHeads: Rule = {
  code: 'multiple-heads',
  severity: 'error',
  title: 'more than one head: `upgrade head` fails',
  summary: 'More than one head: `alembic upgrade head` fails with MultipleHeads.',
  check({ model, database, target, words }) {
    const heads = model.map.heads;
    if (heads.length <= 1) return [];
    const real = new Set(model.map.realHeads);
    const counts = new Map<string, number>();
    for (const h of heads) counts.set(h, (counts.get(h) ?? 0) + 1);
    const notes: string[] = [];
    for (const r of model.map.headRevs) {
      if (model.map.byKey.get(r.key) !== r)
        notes.push(
          `${r.id} from ${r.file.path} is a head only because another file redeclares that id (see duplicate-revision)`,
        );
      else if (!real.has(r.id)) notes.push(`${r.id} is an effective head: only a depends_on points at it`);
    }
    const unique = [...counts.keys()];
    const merge = unique.length > 1 && notes.length === 0;
    const first = model.map.revisions.find((r) => r.id === unique[unique.length - 1]);
    // under verify (or check --target) the prediction decides: `upgrade heads` (or a named revision) is not blocked by several heads
    const p = database?.prediction ?? target;
    const blocks =
      !p ||
      p.failure?.message.startsWith('Multiple head') === true ||
      (p.failure?.stage === 'load' && /(^|@)head$/u.test(p.target));
    // the upgrade as the project runs it (Flask-Migrate's `flask db upgrade`)
    const up = (t: string): string => upgradeAs(words, t);
    const notHere = blocks || !p ? '' : ` (\`${up(p.target)}\` is not affected)`;
    // a label@head target fails on the heads of its own lineage, and says so with its own argument
    const own = blocks && p && p.target !== 'head' && p.cliOutput?.includes('Multiple head') === true;
    const alembicError = own ? p.cliOutput! : `FAILED: ${multipleHeadsMessage('head')}`;
    const refuses = own ? `\`${up(p.target)}\` refuses to pick one` : `\`${up('head')}\` refuses to pick one`;
    const finding: Finding = {
      code: 'multiple-heads',
      severity: blocks ? 'error' : 'warning',
      title: `${heads.length} heads (${shortList(unique)}): ${blocks ? `\`${up(own ? p!.target : 'head')}\` cannot pick one` : `not on \`${up(p!.target)}\`'s path`}`,
      message: `The revision graph has ${heads.length} heads (${heads.join(', ')}); ${refuses}${notHere}.${notes.length ? ' ' + notes.join('; ') + '.' : ''}`,
      ...(merge ? { fix: words.alembic('merge', '-m', '"merge heads"', ...unique) } : {}),
      hint: merge
        ? `Merge them into one head${p ? '.' : `. If the deploy runs \`${up('heads')}\` or \`LABEL@head\` on purpose, say so: check --target heads (or --target LABEL@head).`}`
        : notes.some((n) => n.includes('duplicate'))
          ? 'Give the duplicated revision a unique id (or delete the stale copy); the extra head disappears with it.'
          : `Run \`${up('heads')}\` instead, or merge: ${words.alembic('merge', '-m', '"merge heads"', ...unique)}`,
      path: first?.file.path,
      line: first?.script.line,
      revision: unique.join(', '),
      alembicError,
    };
    const cause = onlyForUnparsed(model, unique);
    if (!cause) return [finding];
    return [
      {
        ...finding,
        severity: 'info',
        title: `${heads.length} heads only while ${cause.length === 1 ? 'a file Python cannot parse is' : `${cause.length} files Python cannot parse are`} left out`,
        fix: undefined,
        message: `The revision graph has ${heads.length} heads (${heads.join(', ')}) only because ${cause.length === 1 ? `${cause[0]!.path}, which Python cannot parse, is` : `${cause.length} files Python cannot parse (the first: ${cause[0]!.path}) are`} left out (unparseable-file): with ${cause.length === 1 ? 'it' : 'them'}, the graph has one head. This goes away when ${cause.length === 1 ? 'that file is' : 'they are'} fixed; merging now would add a wrong merge.`,
        hint: `Fix the syntax error${cause.length === 1 ? '' : 's'} first (unparseable-file), then run check again.`,
        alembicError: undefined,
      },
    ];
  },
};

/**
 * The files Python cannot parse, when they alone make the extra heads: Alembic stops at the first
 * of them anyway, and once they load, their down revisions close these heads. Undefined when a
 * file's down_revision is not a plain string (we cannot tell) or one head would remain besides.
 */
function onlyForUnparsed(model: ProjectModel, heads: readonly string[]): ScriptFile[] | undefined {
  const unparsed = model.files.filter((f) => f.unparsedRevision !== undefined);
  if (unparsed.length === 0 || unparsed.some((f) => f.unparsedDownRevisions === undefined)) return undefined;
  const closed = new Set(unparsed.flatMap((f) => f.unparsedDownRevisions!));
  const parents = new Set([...closed, ...model.map.all.flatMap((r) => r.script.versionedDown)]);
  const remaining =
    heads.filter((h) => !closed.has(h)).length +
    unparsed.filter((f) => !parents.has(f.unparsedRevision!)).length;
  return remaining <= 1 ? unparsed : undefined;
}

/** A few ids for a one-line title; the message lists them all. */
function shortList(ids: readonly string[]): string {
  return ids.length <= 3 ? ids.join(', ') : `${ids.slice(0, 2).join(', ')} and ${ids.length - 2} more`;
}
