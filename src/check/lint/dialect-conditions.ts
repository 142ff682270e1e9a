import { bodyStatements } from './migration-ops.js';
import type { PyNode, PySource } from './python-syntax.js';

// Which branches of a migration run on PostgreSQL: conditions on the dialect's name, read from the text.

const DIALECT = String.raw`\b(?:dialect\.name|engine\.name|bind\.name)`;
const DIALECT_EQ = new RegExp(String.raw`^[\w.()]*${DIALECT}\s*(==|!=)\s*['"](\w+)['"]$`);
const DIALECT_IN = new RegExp(String.raw`^[\w.()]*${DIALECT}\s+(not\s+in|in)\s*[([{]([^)\]}]*)[)\]}]$`);
const DIALECT_STARTS = new RegExp(
  String.raw`^[\w.()]*${DIALECT}\.startswith\(\s*(?:['"](\w+)['"]|\(([^)]*)\))\s*\)$`,
);

/**
 * Whether a condition holds when the migration runs on PostgreSQL:
 * `…dialect.name == "mysql"` → false, `!= "sqlite"` → true, `in (…)` by
 * membership, `….name.startswith("mysql")` by prefix, and `not` of any of
 * these; undefined for any other condition.
 */
function trueOnPostgres(cond: string): boolean | undefined {
  const c = cond.trim();
  const wrapped = /^\((.*)\)$/s.exec(c);
  if (wrapped && !/[()]/.test(wrapped[1]!.replace(/\(\)/g, '').replace(/\([^()]*\)/g, '')))
    return trueOnPostgres(wrapped[1]!);
  const negated = /^not\s+(.*)$/s.exec(c);
  if (negated) {
    const inner = trueOnPostgres(negated[1]!);
    return inner === undefined ? undefined : !inner;
  }
  if (/\b(?:and|or|not)\b/.test(c.replace(/\bnot\s+in\b/g, ''))) return undefined;
  const eq = DIALECT_EQ.exec(c);
  if (eq) return (eq[2] === 'postgresql') === (eq[1] === '==');
  const within = DIALECT_IN.exec(c);
  if (within) {
    const names = [...within[2]!.matchAll(/['"](\w+)['"]/g)].map((m) => m[1]);
    return names.includes('postgresql') === (within[1] === 'in');
  }
  const starts = DIALECT_STARTS.exec(c);
  if (starts) {
    const prefixes =
      starts[1] !== undefined ? [starts[1]] : [...starts[2]!.matchAll(/['"](\w+)['"]/g)].map((m) => m[1]!);
    return prefixes.some((x) => 'postgresql'.startsWith(x));
  }
  return undefined;
}

/**
 * True when `node` (inside `fn`) cannot run on PostgreSQL: it sits in an
 * if/elif branch whose condition is false there, in an else after a branch
 * PostgreSQL takes, or after `if <true on PostgreSQL>: return`.
 */
export function skippedOnPostgres(py: PySource, node: PyNode, fn: PyNode): boolean {
  for (let child = node, p = node.parent; p && child !== fn; child = p, p = p.parent) {
    if (child.name === 'Body' && p.name === 'IfStatement') {
      let earlierTakesPg = false;
      for (let c = p.firstChild; c && c.from < child.from; c = c.nextSibling) {
        if (
          c.name === 'Body' &&
          c.prevSibling &&
          c.prevSibling.name !== 'else' &&
          onPostgres(py, c.prevSibling) === true
        )
          earlierTakesPg = true;
      }
      const before = child.prevSibling;
      if (earlierTakesPg) return true;
      if (before && before.name !== 'else' && onPostgres(py, before) === false) return true;
    }
    if (child.name !== 'Body' && p.name === 'Body') {
      // an earlier `if <true on PostgreSQL>: return` in the same block
      for (let s = p.firstChild; s && s.from < child.from; s = s.nextSibling) {
        if (
          s.name !== 'IfStatement' ||
          s.getChildren('Body').length !== 1 ||
          s.getChild('else') ||
          s.getChild('elif')
        )
          continue;
        const cond = s.getChild('Body')!.prevSibling;
        const last = bodyStatements(s.getChild('Body')).at(-1);
        if (cond && last?.name === 'ReturnStatement' && onPostgres(py, cond) === true) return true;
      }
    }
  }
  return false;
}

/** The condition's text with each name bound once to a dialect name (`dialect = conn.dialect.name`) written out. */
function withDialectNames(py: PySource, cond: PyNode): string {
  let text = py.of(cond);
  // the common case names it in place (`bind.dialect.name == "mysql"`): no binding to look up
  if (DIALECT_IN_TEXT.test(text)) return text;
  for (const v of py.all(cond, 'VariableName').reverse()) {
    const value = py.constantAt(py.of(v), v);
    const bound = value ? py.of(value).replace(/\s+/g, '') : '';
    if (DIALECT_NAME.test(bound))
      text = text.slice(0, v.from - cond.from) + bound + text.slice(v.to - cond.from);
  }
  return text;
}

const DIALECT_NAME = new RegExp(String.raw`^[\w.()]*${DIALECT}$`);
const DIALECT_IN_TEXT = new RegExp(DIALECT);

/** trueOnPostgres of a condition node, looking through the module's own `def is_sqlite(): return …dialect.name == "sqlite"`. */
export function onPostgres(py: PySource, cond: PyNode): boolean | undefined {
  const text = withDialectNames(py, cond);
  const call = /^(not\s+)?([A-Za-z_]\w*)\s*\(\s*\)$/.exec(text);
  if (!call) return trueOnPostgres(text);
  const last = bodyStatements(py.moduleFunction(call[2]!)?.getChild('Body') ?? null).at(-1);
  const value = last?.name === 'ReturnStatement' ? last.lastChild : null;
  const v = value && value.name !== 'return' ? trueOnPostgres(py.of(value)) : undefined;
  return v === undefined ? undefined : call[1] ? !v : v;
}
