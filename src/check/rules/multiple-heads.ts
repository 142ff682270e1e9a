import { multipleHeadsMessage } from '../../alembic/upgrade-plan.js';
import type { Rule } from '../finding.js';

/** More than one head: `alembic upgrade head` cannot choose (duplicates and effective heads count). */
export const multipleHeads: Rule = {
  code: 'multiple-heads',
  severity: 'error',
  summary: 'More than one head: `alembic upgrade head` fails with MultipleHeads.',
  check({ model, database }) {
    const heads = model.map.heads;
    if (heads.length <= 1) return [];
    const real = new Set(model.map.realHeads);
    const counts = new Map<string, number>();
    for (const h of heads) counts.set(h, (counts.get(h) ?? 0) + 1);
    const notes: string[] = [];
    for (const r of model.map.headRevs) {
      if (model.map.byKey.get(r.key) !== r) notes.push(`${r.id} from ${r.file.path} is a head only because another file redeclares that id (see duplicate-revision)`);
      else if (!real.has(r.id)) notes.push(`${r.id} is an effective head: only a depends_on points at it`);
    }
    const alembicError = `FAILED: ${multipleHeadsMessage('head')}`;
    const unique = [...counts.keys()];
    const merge = unique.length > 1 && notes.length === 0;
    const first = model.map.revisions.find((r) => r.id === unique[unique.length - 1]);
    // under verify the prediction decides: `upgrade heads` (or a named revision) is not blocked by several heads
    const p = database?.prediction;
    const blocks = !p || p.failure?.message.startsWith('Multiple head revisions') === true || (p.failure?.stage === 'load' && /(^|@)head$/u.test(p.target));
    const notHere = blocks ? '' : ` (\`alembic upgrade ${database!.prediction.target}\` is not affected)`;
    return [
      {
        code: 'multiple-heads',
        severity: blocks ? 'error' : 'warning',
        message: `The revision graph has ${heads.length} heads (${heads.join(', ')}); \`alembic upgrade head\` refuses to pick one${notHere}.${notes.length ? ' ' + notes.join('; ') + '.' : ''}`,
        hint: merge
          ? `Merge them into one head: alembic merge -m "merge heads" ${unique.join(' ')}`
          : notes.some((n) => n.includes('duplicate'))
            ? 'Give the duplicated revision a unique id (or delete the stale copy); the extra head disappears with it.'
            : `Run \`alembic upgrade heads\` instead, or merge: alembic merge -m "merge heads" ${unique.join(' ')}`,
        path: first?.file.path,
        line: first?.script.line,
        revision: unique.join(', '),
        alembicError,
      },
    ];
  },
};
