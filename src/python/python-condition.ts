/**
 * CPython's errors for an `=` that assigns nothing: in a condition (`if x =
 * 1:`, also after `elif` and `while`), and after a target that cannot be
 * assigned (`print(x) = 1`, targetAssignError). The tokenizer finds the `=`;
 * this reads the expressions on either side of it, as CPython's
 * `invalid_named_expression` rule does, to say what CPython says. In a
 * condition:
 *
 * - a plain name on the left: "invalid syntax. Maybe you meant '==' or ':='
 *   instead of '='?", at the name;
 * - another operand (`conn.dialect.name`, `f()`, `x[0]`, `"a"`, `x + 1`):
 *   "cannot assign to attribute here. Maybe you meant '==' instead of '='?",
 *   naming it as CPython's `_PyPegen_get_expr_name` does;
 * - anything else ("invalid syntax" at the `=`): the left is more than a
 *   `bitwise_or` (`a and x`, `not x`, `x == y`), starts with a list, tuple,
 *   generator or `True`/`None`/`False`, or the right is no `bitwise_or` or is
 *   followed by another `=` or `:=`.
 *
 * Only a few characters of one logical line are read, and only where an `=`
 * may be wrong: a condition's is always an error, and the tokenizer passes on
 * a target only when it ends in `)`, a quote or `}`. The text has not been
 * checked past the `=` yet, so what this cannot read is left to the
 * tokenizer, whose own error then takes precedence.
 */

export interface ConditionError {
  readonly message: string;
  /** Where CPython locates it: the left operand's start, or the `=`. */
  readonly at: number;
}

const GENERIC = 'invalid syntax';
const T_END = 0;
const T_NAME = 1;
const T_NUMBER = 2;
const T_STRING = 3;
const T_OP = 4;
const T_GROUP = 5;

interface Lexed {
  kind: number;
  start: number;
  end: number;
  /** For T_OP, the operator; for T_GROUP, its opening bracket. */
  text: string;
}

const KEYWORDS: ReadonlySet<string> = new Set(
  'and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield False None True'.split(' '),
);
const BINARY: ReadonlySet<string> = new Set(['|', '^', '&', '<<', '>>', '+', '-', '*', '/', '//', '%', '@', '**']);
const OPS3 = ['**=', '//=', '>>=', '<<=', '...'];
const OPS2 = ['==', '!=', '<=', '>=', '->', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '**', '//', '<<', '>>', ':=', '@='];

/**
 * The error for the `=` at `eq` in the condition that starts at `cond` (just
 * after `if`, `elif` or `while`), or null where the `=` may be valid (a
 * lambda's default: `if lambda a=1: a:`) or the text is not understood.
 */
export function conditionAssignError(src: string, cond: number, eq: number): ConditionError | null {
  if (topLevel(src, cond, eq).lambda) return null;
  return namedExpressionError(src, cond, eq) ?? { message: GENERIC, at: eq };
}

/**
 * CPython's `invalid_named_expression` for what stands from `from` to the `=`
 * at `eq`, followed by one operand and no other `=` or `:=`: a plain name is
 * "invalid syntax. Maybe you meant '==' or ':=' instead of '='?", another
 * operand (no list, tuple, generator, True, None or False first) "cannot
 * assign to attribute here. Maybe you meant '==' instead of '='?", each at
 * what it names. Null where the rule does not apply.
 */
function namedExpressionError(src: string, from: number, eq: number): ConditionError | null {
  if (!operandAfter(src, eq)) return null;
  const first = lex(src, from);
  if (first.kind === T_NAME && !KEYWORDS.has(src.slice(first.start, first.end)) && lex(src, first.end).start === eq) {
    return { message: "invalid syntax. Maybe you meant '==' or ':=' instead of '='?", at: first.start };
  }
  if (excludedStart(src, first)) return null;
  const left = bitwiseOr(src, from);
  if (left === null || left.name === null || lex(src, left.end).start !== eq) return null;
  return { message: `cannot assign to ${left.name} here. Maybe you meant '==' instead of '='?`, at: left.at };
}

/**
 * The error for the `=` at `eq` in a statement that assigns nothing (after
 * `return`, `import`, `with` and the like, the statement's first word ending
 * at `from`): "invalid syntax" there, unless a lambda's defaults may own it.
 */
export function refusedAssignError(src: string, from: number, eq: number): ConditionError | null {
  return topLevel(src, from, eq).lambda ? null : { message: GENERIC, at: eq };
}

/**
 * The error for the `=` at `eq` inside brackets that hold no call's
 * arguments (`if (x = 1):`, `[a = 1]`, `{'a' = 1}`), in the element that
 * starts at `start` (after the bracket or the last comma at its level).
 * `entry` places it in a dict display: 0 in none, 1 where a key stands
 * (after a `key: value` or `**d` entry: "':' expected after dictionary key"
 * at the key), 2 in a value ("invalid syntax" at the `=`). Elsewhere the
 * condition's rule applies, as CPython's `named_expression` is the same.
 * The tokenizer has ruled out lambdas and parameter lists.
 */
export function bracketAssignError(src: string, start: number, eq: number, entry: number): ConditionError | null {
  nested++;
  try {
    if (entry === 2) return { message: GENERIC, at: eq };
    if (entry === 1) {
      const first = lex(src, start);
      if (first.kind === T_OP && first.text === '*') return { message: GENERIC, at: start };
      if (first.kind === T_OP && first.text === '**') return { message: GENERIC, at: eq };
      return { message: "':' expected after dictionary key", at: start };
    }
    return conditionAssignError(src, start, eq);
  } finally {
    nested--;
  }
}

/** What an assignment may bind: anything else before an `=` is CPython's "cannot assign to …". */
const TARGETS: ReadonlySet<string | null> = new Set(['name', 'attribute', 'subscript', 'tuple', 'list', null]);

/**
 * The error for an assignment statement starting at `start` whose first `=`
 * (at `eq`) has a single target that cannot be assigned to: `print(x) = 1`,
 * `"a" = 1`. CPython says "cannot assign to function call here. Maybe you
 * meant '==' instead of '='?" where the right side is an operand not followed
 * by another `=`, and "cannot assign to function call" otherwise, at the
 * target. Null for a valid target, several targets, a lambda (its defaults
 * hold `=`), a statement that starts with a keyword, and what this does not read.
 */
export function targetAssignError(src: string, start: number, eq: number): ConditionError | null {
  const top = topLevel(src, start, eq);
  if (top.lambda) return null;
  const first = lex(src, start);
  if (startsWithKeyword(src, first)) return null;
  if (top.afterComma >= 0) return tupleAssignError(src, start, eq, top.afterComma);
  const target = bitwiseOr(src, start);
  if (target === null || lex(src, target.end).start !== eq) return null;
  if ((target.name === 'tuple' || target.name === 'list') && first.kind === T_GROUP && first.end === target.end) {
    // `(a, f()) = …`: a bracketed list of targets is no named expression, so no "Maybe"
    const found = targetElement(src, start, false);
    return invalidTarget(found, 'assign to');
  }
  if (TARGETS.has(target.name)) return null;
  return namedExpressionError(src, start, eq) ?? { message: `cannot assign to ${target.name}`, at: target.at };
}

/** A statement that starts with a keyword (soft ones too) is no assignment these functions judge. */
function startsWithKeyword(src: string, first: Lexed): boolean {
  if (first.kind !== T_NAME) return false;
  const word = src.slice(first.start, first.end);
  return KEYWORDS.has(word) || word === 'match' || word === 'case' || word === 'type';
}

/**
 * The error for an augmented assignment starting at `start` whose operator
 * (`+=`, `//=`, …) is at `op`, when its target is no name, attribute or
 * subscript: `op.get_bind() += 1` is "'function call' is an illegal
 * expression for augmented assignment", at the target. Null for a valid
 * target and what this does not read.
 */
export function augmentedTargetError(src: string, start: number, op: number): ConditionError | null {
  const illegal = (name: string, at: number): ConditionError => ({ message: `'${name}' is an illegal expression for augmented assignment`, at });
  const first = lex(src, start);
  const word = first.kind === T_NAME ? src.slice(first.start, first.end) : '';
  // a lambda's body runs up to the operator (`lambda: 1 += 1`)
  if (word === 'lambda') return illegal('lambda', start);
  const top = topLevel(src, start, op);
  if (top.lambda || (word !== 'not' && word !== 'await' && startsWithKeyword(src, first))) return null;
  if (top.afterComma >= 0) return illegal('tuple', start);
  if (first.kind === T_OP && first.text === '*') return illegal('starred', start);
  const target = bitwiseOr(src, start);
  if (target !== null && lex(src, target.end).start === op) return target.name === null || ASSIGNABLE.has(target.name) ? null : illegal(target.name, target.at);
  // `x or y += 1`, `not x += 1`, `a if b else c += 1`, `x < y += 1`: named as in a target list
  const found = targetElement(src, start, false);
  return found !== null && 'invalid' in found ? illegal(found.invalid.name, found.invalid.at) : null;
}

/** What an augmented assignment and `del` take, and what a target list may hold besides tuples and lists. */
const ASSIGNABLE: ReadonlySet<string> = new Set(['name', 'attribute', 'subscript']);

/**
 * The error for `del` followed by the targets from `from` (to the end of the
 * statement): CPython's "cannot delete function call" (literal, starred,
 * comparison, …) for the first target that is no name, attribute or
 * subscript, looking into tuples and lists, at that target. Null where every
 * target is valid, and where this cannot read them (the tokenizer's own error
 * then stands).
 */
export function delTargetError(src: string, from: number): ConditionError | null {
  const found = targetList(src, from, true);
  return invalidTarget(found, 'delete');
}

/**
 * Several targets before the first `=` (`a, f() = 1, 2`), when one cannot be
 * assigned. CPython first reads the target just before the `=` as a named
 * expression (`target = operand`, not followed by another `=`): a plain name
 * there is "invalid syntax. Maybe you meant '==' or ':=' instead of '='?",
 * another operand "cannot assign to attribute here. Maybe you meant '=='
 * instead of '='?" even when it could be assigned (`f(), a.b = 1, 2`).
 * Otherwise the first target that cannot be assigned is "cannot assign to
 * function call", at it.
 */
function tupleAssignError(src: string, start: number, eq: number, last: number): ConditionError | null {
  const found = targetList(src, start, false);
  if (found === null || !('invalid' in found)) return null;
  // after a trailing comma, or before a starred target, nothing reads as a named expression
  return namedExpressionError(src, last, eq) ?? invalidTarget(found, 'assign to');
}

/**
 * An assignment with several `=` (`x = f() = 1`), at its `=` at `eq` (not
 * the first, which is at `firstEq`), as CPython's `invalid_assignment` reads
 * it when a list of targets up to `eq` cannot be assigned: first the last
 * target before the first `=` as a named expression (`x = y, f() = 1`:
 * "invalid syntax. Maybe you meant '==' or ':='…" at `x`), else "cannot
 * assign to function call" at the first target that cannot be assigned.
 * Null where the targets up to `eq` are valid, in a statement that starts
 * with a keyword or holds a lambda (whose defaults are `=` too), and where
 * this cannot read them.
 */
export function chainAssignError(src: string, start: number, firstEq: number, eq: number): ConditionError | null {
  if (topLevel(src, start, eq).lambda || startsWithKeyword(src, lex(src, start))) return null;
  for (let p = start; ; ) {
    const first = lex(src, p);
    if (p !== start && first.kind === T_NAME && src.slice(first.start, first.end) === 'yield') return { message: 'assignment to yield expression not possible', at: first.start };
    const found = targetList(src, p, false);
    if (found === null) return null;
    if ('invalid' in found) {
      // only a statement that does not parse gets this far in CPython, where the named expression comes first
      const last = topLevel(src, start, firstEq).afterComma;
      return namedExpressionError(src, last >= 0 ? last : start, firstEq) ?? invalidTarget(found, 'assign to');
    }
    const after = lex(src, found.end);
    if (!(after.kind === T_OP && after.text === '=') || after.start >= eq) return null;
    p = after.end;
  }
}

/**
 * A `for` statement's or a comprehension's `for` clause's targets, from
 * `from` (after `for`) to its first `in` at `inAt` (CPython's
 * `invalid_for_target`): `for f() in rows:` is "cannot assign to function
 * call", at the target. Null where every target is valid, where `inAt` is
 * not the first `in`, and where this cannot read them.
 */
export function forTargetError(src: string, from: number, inAt: number, inBrackets: boolean): ConditionError | null {
  if (inBrackets) nested++;
  try {
    for (let t = lex(src, from); t.kind !== T_END && t.start < inAt; t = lex(src, t.end)) if (t.kind === T_NAME && src.slice(t.start, t.end) === 'in') return null;
    const found = targetList(src, from, false, inAt);
    return invalidTarget(found, 'assign to');
  } finally {
    if (inBrackets) nested--;
  }
}

/**
 * A `with` statement's header from `from` (after `with`) to its `:` at
 * `colon` (CPython's `invalid_with_item`): a target after `as` that cannot
 * be assigned (`with a as f():`) is "cannot assign to function call", at it;
 * the items may stand in parentheses. Null where every target is valid and
 * where this cannot read them.
 */
export function withTargetsError(src: string, from: number, colon: number): ConditionError | null {
  const first = lex(src, from);
  if (first.kind === T_GROUP && first.text === '(' && lex(src, first.end).start === colon) {
    nested++;
    try {
      return asTargetsError(src, first.start + 1, first.end - 1);
    } finally {
      nested--;
    }
  }
  return asTargetsError(src, from, colon);
}

/** The first target after an `as` among the tokens of [from, to) that cannot be assigned, followed by `,`, `)` or `:` as CPython's rule requires. */
function asTargetsError(src: string, from: number, to: number): ConditionError | null {
  for (let t = lex(src, from); t.kind !== T_END && t.start < to; t = lex(src, t.end)) {
    if (!(t.kind === T_NAME && src.slice(t.start, t.end) === 'as')) continue;
    const found = targetElement(src, t.end, false);
    if (found === null) return null;
    if ('invalid' in found) {
      const e = bitwiseOr(src, t.end);
      const after = e === null ? null : lex(src, e.end);
      // `with a as f() g:` is another error
      if (after !== null && after.kind !== T_NAME && !(after.kind === T_OP && (after.text === ',' || after.text === ':' || after.text === ')' || COMPARISON.has(after.text)))) return null;
      return invalidTarget(found, 'assign to');
    }
  }
  return null;
}

/** What Pythons before 3.15 (PEP 798) say of an unpacked comprehension element. */
const UNPACKING_IN_COMPREHENSION = 'iterable unpacking cannot be used in comprehension';
const DICT_UNPACKING_IN_COMPREHENSION = 'dict unpacking cannot be used in dict comprehension';

/**
 * The error for a comprehension whose bracket opens at `open` and whose first
 * `for` is at `forAt`, read when the bracket closes (its clauses parsed): a
 * starred element (`[*a for a in b]`, also in a call's generator) is "iterable
 * unpacking cannot be used in comprehension", `{**a for a in b}` "dict
 * unpacking cannot be used in dict comprehension", and several elements in a
 * list or set (`[id, name for id, name in rows]`) "did you forget parentheses
 * around the comprehension target?", each where the element starts; `since: 15` marks the
 * unpacking PEP 798 allows from Python 3.15 on. Commas
 * after a `lambda` may be its parameters, and a `:` or `=` before the `for`
 * is another error: those are left alone.
 */
export function comprehensionError(src: string, open: number, forAt: number, call: boolean): (ConditionError & { readonly since?: number }) | null {
  const bracket = src.charCodeAt(open);
  nested++;
  const first = lex(src, open + 1);
  let comma = false;
  let other = false;
  // PEP 798 takes `*` or `**` and a bitwise_or: a comparison, `not`, `and`, `or` or a conditional after it is refused still
  let loose = false;
  let level = 0;
  for (let t = first; t.kind !== T_END && t.start < forAt; t = lex(src, t.end)) {
    if (t.kind === T_NAME) {
      const w = src.slice(t.start, t.end);
      if (w === 'lambda') break;
      if (level === 0 && LOOSER_WORDS.has(w)) loose = true;
    } else if (t.kind === T_OP) {
      if (t.text === '(' || t.text === '[' || t.text === '{') level++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') level--;
      else if (t.text === ',') comma = true;
      else if (t.text === ':' || t.text === '=' || t.text === ':=' || t.text === ';') other = true;
      else if (level === 0 && COMPARISON.has(t.text)) loose = true;
    }
  }
  nested--;
  if (other || first.kind === T_END) return null;
  const pep798 = loose ? {} : { since: 15 };
  const display = !call && (bracket === 91 || bracket === 123);
  if (first.kind === T_OP && first.text === '*') {
    if (!comma) return { message: UNPACKING_IN_COMPREHENSION, at: first.start, ...pep798 };
    return display ? { message: 'did you forget parentheses around the comprehension target?', at: first.start } : null;
  }
  if (first.kind === T_OP && first.text === '**') {
    if (comma) return null;
    // a list or a generator has no keys: every Python refuses it, 3.15 in these words (PEP 798), older ones "invalid syntax"
    if (call) return { message: 'invalid syntax', at: first.start };
    if (bracket === 123) return { message: DICT_UNPACKING_IN_COMPREHENSION, at: first.start, ...pep798 };
    return { message: `cannot use dict unpacking in ${bracket === 91 ? 'list comprehension' : 'generator expression'}`, at: first.start };
  }
  return comma && display ? { message: 'did you forget parentheses around the comprehension target?', at: first.start } : null;
}

const COMPARISON: ReadonlySet<string> = new Set(['<', '>', '==', '>=', '<=', '!=']);
const LOOSER_WORDS: ReadonlySet<string> = new Set(['if', 'else', 'and', 'or', 'not', 'in', 'is']);

/** A target that cannot be assigned (or deleted), with CPython's name for it; or where a valid target ends; or null where this cannot read it. */
type TargetScan = { readonly invalid: { readonly name: string; readonly at: number } } | { readonly end: number } | null;

/** CPython's RAISE_SYNTAX_ERROR_INVALID_TARGET: "cannot assign to function call" (or "cannot delete …") at the target found, or null where none was. */
function invalidTarget(found: TargetScan, verb: 'assign to' | 'delete'): ConditionError | null {
  return found !== null && 'invalid' in found ? { message: `cannot ${verb} ${found.invalid.name}`, at: found.invalid.at } : null;
}

/**
 * The comma-separated targets from p, up to the end of the statement, a
 * closing bracket, an `=` or a `for` statement's `in` (at `inAt`):
 * `_PyPegen_get_invalid_target` on them.
 */
function targetList(src: string, p: number, del: boolean, inAt = -1): TargetScan {
  for (;;) {
    const t = lex(src, p);
    if (t.kind === T_END || t.start === inAt || (t.kind === T_OP && (t.text === ')' || t.text === ']' || t.text === ';' || t.text === '='))) return { end: t.start };
    const element = targetElement(src, p, del, inAt);
    if (element === null || 'invalid' in element) return element;
    const after = lex(src, element.end);
    if (!(after.kind === T_OP && after.text === ',')) return element;
    p = after.end;
  }
}

/**
 * One target from p: a starred one is an error in `del` and its value
 * elsewhere; tuples and lists are looked into. Before a `for` statement's
 * `in` (at `inAt`), CPython's parser has read a comparison, whose left side
 * it judges.
 */
function targetElement(src: string, p: number, del: boolean, inAt = -1): TargetScan {
  const t = lex(src, p);
  if (t.kind === T_OP && t.text === '*') return del ? { invalid: { name: 'starred', at: t.start } } : targetElement(src, t.end, del, inAt);
  if (t.kind === T_NAME) {
    const word = src.slice(t.start, t.end);
    if (word === 'lambda') return { invalid: { name: 'lambda', at: t.start } };
    if (word === 'not') return { invalid: { name: 'expression', at: t.start } };
  }
  const e = bitwiseOr(src, p);
  if (e === null) return null;
  const after = lex(src, e.end);
  if (inAt >= 0 && after.start !== inAt && ((after.kind === T_NAME && /^(in|not|is)$/.test(src.slice(after.start, after.end))) || (after.kind === T_OP && COMPARISON.has(after.text)))) {
    // in a `for` statement's targets CPython judges a comparison only when its first operator is that `in`; it skips any other
    const end = comparisonEnd(src, e.end);
    return end < 0 ? null : { end };
  }
  if (after.kind === T_NAME && after.start !== inAt) {
    const word = src.slice(after.start, after.end);
    if (word === 'and' || word === 'or') return { invalid: { name: 'expression', at: t.start } };
    if (word === 'if') return { invalid: { name: 'conditional expression', at: t.start } };
    if (word === 'in' || word === 'not' || word === 'is') return { invalid: { name: 'comparison', at: t.start } };
    return null;
  }
  if (after.kind === T_OP && COMPARISON.has(after.text)) return { invalid: { name: 'comparison', at: t.start } };
  if (e.name === null) return null;
  if (ASSIGNABLE.has(e.name)) return { end: e.end };
  if ((e.name === 'tuple' || e.name === 'list') && t.kind === T_GROUP && t.end === e.end) {
    nested++;
    const inner = targetList(src, t.start + 1, del, inAt);
    nested--;
    if (inner === null || 'invalid' in inner) return inner;
    return inner.end === t.end - 1 ? { end: e.end } : null;
  }
  return { invalid: { name: e.name, at: e.at } };
}

/** After the comparison operators and operands from p (`== y in z`), or -1 where this cannot read them. */
function comparisonEnd(src: string, p: number): number {
  for (;;) {
    const t = lex(src, p);
    const word = t.kind === T_NAME ? src.slice(t.start, t.end) : '';
    if (t.kind === T_OP && COMPARISON.has(t.text)) p = t.end;
    else if (word === 'in') p = t.end;
    else if (word === 'is' || word === 'not') {
      const u = lex(src, t.end);
      const next = u.kind === T_NAME ? src.slice(u.start, u.end) : '';
      if (word === 'not' && next !== 'in') return -1;
      p = (word === 'is' && next === 'not') || word === 'not' ? u.end : t.end;
    } else return p;
    const operand = bitwiseOr(src, p);
    if (operand === null) return -1;
    p = operand.end;
  }
}

/** Among the tokens of [from, to) outside brackets: where the last comma ends (-1: none), and whether the word `lambda` stands there. */
function topLevel(src: string, from: number, to: number): { afterComma: number; lambda: boolean } {
  let afterComma = -1;
  let lambda = false;
  for (let t = lex(src, from); t.kind !== T_END && t.start < to; t = lex(src, t.end)) {
    if (t.kind === T_OP && t.text === ',') afterComma = t.end;
    else if (t.kind === T_NAME && src.slice(t.start, t.end) === 'lambda') lambda = true;
  }
  return { afterComma, lambda };
}

/** CPython's lookahead before its "Maybe you meant" for what precedes an `=`: no list, tuple, generator expression, True, None or False first. */
function excludedStart(src: string, first: Lexed): boolean {
  if (first.kind === T_NAME) return /^(True|None|False)$/.test(src.slice(first.start, first.end));
  return first.kind === T_GROUP && /^(list|tuple|generator expression)$/.test(groupShape(src, first) ?? '');
}

/** Whether one operand (a `bitwise_or`) follows the `=` at eq, and no other `=` or `:=` after it: the rest of that lookahead. */
function operandAfter(src: string, eq: number): boolean {
  const right = bitwiseOr(src, eq + 1);
  if (right === null) return false;
  const after = lex(src, right.end);
  return !(after.kind === T_OP && (after.text === '=' || after.text === ':='));
}

interface Parsed {
  end: number;
  /** What CPython calls the expression in its message, or null where this does not know. */
  name: string | null;
  /** Where CPython locates it: a parenthesised expression's own start. */
  at: number;
}

/** A `bitwise_or` from p: operands joined by binary operators, each with unary signs, `await`, trailers. */
function bitwiseOr(src: string, p: number): Parsed | null {
  const first = operand(src, p);
  if (first === null) return null;
  let result = first;
  for (;;) {
    const t = lex(src, result.end);
    if (t.kind !== T_OP || !BINARY.has(t.text)) return result;
    // PEG backtracks: `x +` followed by no operand is `x`, with the `+` after it
    const next = operand(src, t.end);
    if (next === null) return result;
    result = { end: next.end, name: 'expression', at: first.at };
  }
}

function operand(src: string, p: number): Parsed | null {
  const t = lex(src, p);
  if (t.kind === T_OP && (t.text === '+' || t.text === '-' || t.text === '~')) {
    const inner = operand(src, t.end);
    return inner === null ? null : { end: inner.end, name: 'expression', at: t.start };
  }
  if (t.kind === T_NAME && src.slice(t.start, t.end) === 'await') {
    const inner = primary(src, t.end);
    return inner === null ? null : { end: inner.end, name: 'await expression', at: t.start };
  }
  return primary(src, p);
}

/** An atom and its trailers (`.name`, a call's `(…)`, a subscript's `[…]`). */
function primary(src: string, p: number): Parsed | null {
  const t = lex(src, p);
  let parsed: Parsed;
  if (t.kind === T_NAME) {
    const word = src.slice(t.start, t.end);
    if (KEYWORDS.has(word) && word !== 'True' && word !== 'False' && word !== 'None') return null;
    parsed = { end: t.end, name: KEYWORDS.has(word) ? word : 'name', at: t.start };
  } else if (t.kind === T_NUMBER) parsed = { end: t.end, name: 'literal', at: t.start };
  else if (t.kind === T_STRING) {
    let end = t.end;
    let fString = /^[a-zA-Z]*[fF]/.test(src.slice(t.start, t.end));
    const bytes = /^[a-zA-Z]*[bB]/.test(src.slice(t.start, t.end));
    for (let s = lex(src, end); s.kind === T_STRING; s = lex(src, end)) {
      if (/^[a-zA-Z]*[fF]/.test(src.slice(s.start, s.end))) fString = true;
      // bytes beside text is an error of its own, which CPython reports first
      if (/^[a-zA-Z]*[bB]/.test(src.slice(s.start, s.end)) !== bytes) return null;
      end = s.end;
    }
    parsed = { end, name: fString ? 'f-string expression' : 'literal', at: t.start };
  } else if (t.kind === T_OP && t.text === '...') parsed = { end: t.end, name: 'ellipsis', at: t.start };
  else if (t.kind === T_GROUP) {
    const shape = groupShape(src, t);
    if (shape === null) {
      // a parenthesised expression: CPython names what is inside, where it starts
      nested++;
      const inner = bitwiseOr(src, t.start + 1);
      const closes = inner !== null && lex(src, inner.end).start === t.end - 1;
      const first = inner === null ? lex(src, t.start + 1) : null;
      nested--;
      if (inner !== null && closes) parsed = { end: t.end, name: inner.name, at: inner.at };
      else if (inner !== null && inner.name === 'name' && lex(src, inner.end).text === ':=') parsed = { end: t.end, name: 'named expression', at: inner.at };
      else if (first !== null && first.kind === T_NAME && src.slice(first.start, first.end) === 'lambda') parsed = { end: t.end, name: 'lambda', at: first.start };
      // `(yield)`, `(yield x)`: what is in it is no operand, but CPython names it all the same
      else if (first !== null && first.kind === T_NAME && src.slice(first.start, first.end) === 'yield') parsed = { end: t.end, name: 'yield expression', at: first.start };
      else parsed = { end: t.end, name: null, at: t.start };
    } else parsed = { end: t.end, name: shape, at: t.start };
  } else return null;
  for (;;) {
    const u = lex(src, parsed.end);
    if (u.kind === T_OP && u.text === '.') {
      const name = lex(src, u.end);
      if (name.kind !== T_NAME || KEYWORDS.has(src.slice(name.start, name.end))) return parsed;
      parsed = { end: name.end, name: 'attribute', at: parsed.at };
    } else if (u.kind === T_GROUP && u.text === '(') parsed = { end: u.end, name: 'function call', at: parsed.at };
    else if (u.kind === T_GROUP && u.text === '[') parsed = { end: u.end, name: 'subscript', at: parsed.at };
    else return parsed;
  }
}

/** What a bracketed group is by its top-level contents, as CPython names it; null for a parenthesised expression. */
function groupShape(src: string, g: Lexed): string | null {
  let comma = false;
  let colon = false;
  let comprehension = false;
  let items = 0;
  let starStar = false;
  // nothing here throws: the count is restored on every path
  nested++;
  for (let t = lex(src, g.start + 1); t.kind !== T_END && t.start < g.end - 1; t = lex(src, t.end)) {
    items++;
    if (t.kind === T_OP && t.text === ',') comma = true;
    else if (t.kind === T_OP && t.text === ':') colon = true;
    else if (t.kind === T_OP && t.text === '**' && items === 1) starStar = true;
    else if (t.kind === T_NAME && src.slice(t.start, t.end) === 'for') comprehension = true;
  }
  nested--;
  if (g.text === '(') return items === 0 || (comma && !comprehension) ? 'tuple' : comprehension ? 'generator expression' : null;
  if (g.text === '[') return comprehension ? 'list comprehension' : 'list';
  if (items === 0 || starStar) return 'dict literal';
  if (colon) return comprehension ? 'dict comprehension' : 'dict literal';
  return comprehension ? 'set comprehension' : 'set display';
}

const END: Lexed = { kind: T_END, start: 0, end: 0, text: '' };

/** Above 0 while the text read is inside brackets, where line ends and comments are blanks. */
let nested = 0;

/**
 * The next token from p within the logical line: a bracketed group is one
 * token, through its matching bracket. The line's end, a comment, or text
 * this does not read (an unclosed bracket or string) is T_END.
 */
function lex(src: string, p: number): Lexed {
  const n = src.length;
  p = blanksEnd(src, p, nested > 0);
  if (p >= n) return { ...END, start: p, end: p };
  const c = src.charCodeAt(p);
  if (c === 10 || c === 13 || c === 35) return { ...END, start: p, end: p };
  if (c === 34 || c === 39) {
    const end = stringEnd(src, p);
    return end < 0 ? { ...END, start: p, end: p } : { kind: T_STRING, start: p, end, text: '' };
  }
  if (isNameChar(c) && !(c >= 48 && c <= 57)) {
    let e = p + 1;
    while (e < n && isNameChar(src.charCodeAt(e))) e++;
    const q = src.charCodeAt(e);
    if ((q === 34 || q === 39) && e - p <= 2 && /^(?:[rRuUbBfF]|[rR][bBfF]|[bBfF][rR])$/.test(src.slice(p, e))) {
      const end = stringEnd(src, e);
      return end < 0 ? { ...END, start: p, end: p } : { kind: T_STRING, start: p, end, text: '' };
    }
    return { kind: T_NAME, start: p, end: e, text: '' };
  }
  if ((c >= 48 && c <= 57) || (c === 46 && src.charCodeAt(p + 1) >= 48 && src.charCodeAt(p + 1) <= 57)) {
    let e = p + 1;
    for (;;) {
      const d = src.charCodeAt(e);
      if (isNameChar(d) || d === 46) e++;
      else if ((d === 43 || d === 45) && (src.charCodeAt(e - 1) | 32) === 101 && !/^0[xX]/.test(src.slice(p, p + 2))) e++;
      else break;
    }
    return { kind: T_NUMBER, start: p, end: e, text: '' };
  }
  if (c === 40 || c === 91 || c === 123) {
    const end = groupEnd(src, p);
    return end < 0 ? { ...END, start: p, end: p } : { kind: T_GROUP, start: p, end, text: String.fromCharCode(c) };
  }
  for (const op of OPS3) if (src.startsWith(op, p)) return { kind: T_OP, start: p, end: p + 3, text: op };
  for (const op of OPS2) if (src.startsWith(op, p)) return { kind: T_OP, start: p, end: p + 2, text: op };
  return { kind: T_OP, start: p, end: p + 1, text: src[p]! };
}

/**
 * Where the next token starts from `p`: past blanks and line continuations,
 * and inside brackets (`inBrackets`) past line ends and comments too.
 */
export function blanksEnd(src: string, p: number, inBrackets: boolean): number {
  for (;;) {
    const c = src.charCodeAt(p);
    if (c === 32 || c === 9 || c === 12) p++;
    else if (c === 92 && (src.charCodeAt(p + 1) === 10 || src.charCodeAt(p + 1) === 13)) p += src.charCodeAt(p + 1) === 13 && src.charCodeAt(p + 2) === 10 ? 3 : 2;
    else if (inBrackets && (c === 10 || c === 13)) p++;
    else if (inBrackets && c === 35) while (p < src.length && src.charCodeAt(p) !== 10 && src.charCodeAt(p) !== 13) p++;
    else return p;
  }
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c > 127;
}

/** After the string literal whose quote is at q, or -1 when it does not end on its line (single-quoted) or at all. */
function stringEnd(src: string, q: number): number {
  const quote = src.charCodeAt(q);
  const triple = src.charCodeAt(q + 1) === quote && src.charCodeAt(q + 2) === quote;
  let p = q + (triple ? 3 : 1);
  while (p < src.length) {
    const c = src.charCodeAt(p);
    if (c === 92) p += 2;
    else if (c === quote && (!triple || (src.charCodeAt(p + 1) === quote && src.charCodeAt(p + 2) === quote))) return p + (triple ? 3 : 1);
    else if (!triple && (c === 10 || c === 13)) return -1;
    else p++;
  }
  return -1;
}

/** After the bracket that closes the one at p, stepping over strings and comments, or -1. */
function groupEnd(src: string, p: number): number {
  const stack: number[] = [];
  while (p < src.length) {
    const c = src.charCodeAt(p);
    if (c === 40 || c === 91 || c === 123) {
      stack.push(c === 40 ? 41 : c + 2);
      p++;
    } else if (c === 41 || c === 93 || c === 125) {
      if (stack.pop() !== c) return -1;
      p++;
      if (stack.length === 0) return p;
    } else if (c === 34 || c === 39) {
      const e = stringEnd(src, p);
      if (e < 0) return -1;
      p = e;
    } else if (c === 35) {
      while (p < src.length && src.charCodeAt(p) !== 10 && src.charCodeAt(p) !== 13) p++;
    } else p++;
  }
  return -1;
}
