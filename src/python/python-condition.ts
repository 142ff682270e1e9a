import {
  bitwiseOr,
  COMPARISON,
  comparisonEnd,
  excludedStart,
  GENERIC,
  KEYWORDS,
  lex,
  type Lexed,
  lexState,
  LOOSER_WORDS,
  operandAfter,
  T_END,
  T_GROUP,
  T_NAME,
  T_OP,
  type TargetScan,
  topLevel,
} from './condition-lexer.js';
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
  if (
    first.kind === T_NAME &&
    !KEYWORDS.has(src.slice(first.start, first.end)) &&
    lex(src, first.end).start === eq
  ) {
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
export function bracketAssignError(
  src: string,
  start: number,
  eq: number,
  entry: number,
): ConditionError | null {
  lexState.nested++;
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
    lexState.nested--;
  }
}

/** What an assignment may bind: anything else before an `=` is CPython's "cannot assign to …". */
const TARGETS: ReadonlySet<string | null> = new Set([
  'name',
  'attribute',
  'subscript',
  'tuple',
  'list',
  null,
]);

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
  if (
    (target.name === 'tuple' || target.name === 'list') &&
    first.kind === T_GROUP &&
    first.end === target.end
  ) {
    // `(a, f()) = …`: a bracketed list of targets is no named expression, so no "Maybe"
    const found = targetElement(src, start, false);
    return invalidTarget(found, 'assign to');
  }
  if (TARGETS.has(target.name)) return null;
  return (
    namedExpressionError(src, start, eq) ?? { message: `cannot assign to ${target.name}`, at: target.at }
  );
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
  const illegal = (name: string, at: number): ConditionError => ({
    message: `'${name}' is an illegal expression for augmented assignment`,
    at,
  });
  const first = lex(src, start);
  const word = first.kind === T_NAME ? src.slice(first.start, first.end) : '';
  // a lambda's body runs up to the operator (`lambda: 1 += 1`)
  if (word === 'lambda') return illegal('lambda', start);
  const top = topLevel(src, start, op);
  if (top.lambda || (word !== 'not' && word !== 'await' && startsWithKeyword(src, first))) return null;
  if (top.afterComma >= 0) return illegal('tuple', start);
  if (first.kind === T_OP && first.text === '*') return illegal('starred', start);
  const target = bitwiseOr(src, start);
  if (target !== null && lex(src, target.end).start === op)
    return target.name === null || ASSIGNABLE.has(target.name) ? null : illegal(target.name, target.at);
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
export function chainAssignError(
  src: string,
  start: number,
  firstEq: number,
  eq: number,
): ConditionError | null {
  if (topLevel(src, start, eq).lambda || startsWithKeyword(src, lex(src, start))) return null;
  for (let p = start; ;) {
    const first = lex(src, p);
    if (p !== start && first.kind === T_NAME && src.slice(first.start, first.end) === 'yield')
      return { message: 'assignment to yield expression not possible', at: first.start };
    const found = targetList(src, p, false);
    if (found === null) return null;
    if ('invalid' in found) {
      // only a statement that does not parse gets this far in CPython, where the named expression comes first
      const last = topLevel(src, start, firstEq).afterComma;
      return (
        namedExpressionError(src, last >= 0 ? last : start, firstEq) ?? invalidTarget(found, 'assign to')
      );
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
export function forTargetError(
  src: string,
  from: number,
  inAt: number,
  inBrackets: boolean,
): ConditionError | null {
  if (inBrackets) lexState.nested++;
  try {
    for (let t = lex(src, from); t.kind !== T_END && t.start < inAt; t = lex(src, t.end))
      if (t.kind === T_NAME && src.slice(t.start, t.end) === 'in') return null;
    const found = targetList(src, from, false, inAt);
    return invalidTarget(found, 'assign to');
  } finally {
    if (inBrackets) lexState.nested--;
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
    lexState.nested++;
    try {
      return asTargetsError(src, first.start + 1, first.end - 1);
    } finally {
      lexState.nested--;
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
      if (
        after !== null &&
        after.kind !== T_NAME &&
        !(
          after.kind === T_OP &&
          (after.text === ',' || after.text === ':' || after.text === ')' || COMPARISON.has(after.text))
        )
      )
        return null;
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
export function comprehensionError(
  src: string,
  open: number,
  forAt: number,
  call: boolean,
): (ConditionError & { readonly since?: number }) | null {
  const bracket = src.charCodeAt(open);
  lexState.nested++;
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
  lexState.nested--;
  if (other || first.kind === T_END) return null;
  const pep798 = loose ? {} : { since: 15 };
  const display = !call && (bracket === 91 || bracket === 123);
  if (first.kind === T_OP && first.text === '*') {
    if (!comma) return { message: UNPACKING_IN_COMPREHENSION, at: first.start, ...pep798 };
    return display
      ? { message: 'did you forget parentheses around the comprehension target?', at: first.start }
      : null;
  }
  if (first.kind === T_OP && first.text === '**') {
    if (comma) return null;
    // a list or a generator has no keys: every Python refuses it, 3.15 in these words (PEP 798), older ones "invalid syntax"
    if (call) return { message: 'invalid syntax', at: first.start };
    if (bracket === 123) return { message: DICT_UNPACKING_IN_COMPREHENSION, at: first.start, ...pep798 };
    return {
      message: `cannot use dict unpacking in ${bracket === 91 ? 'list comprehension' : 'generator expression'}`,
      at: first.start,
    };
  }
  return comma && display
    ? { message: 'did you forget parentheses around the comprehension target?', at: first.start }
    : null;
}

/** CPython's RAISE_SYNTAX_ERROR_INVALID_TARGET: "cannot assign to function call" (or "cannot delete …") at the target found, or null where none was. */
function invalidTarget(found: TargetScan, verb: 'assign to' | 'delete'): ConditionError | null {
  return found !== null && 'invalid' in found
    ? { message: `cannot ${verb} ${found.invalid.name}`, at: found.invalid.at }
    : null;
}

/**
 * The comma-separated targets from p, up to the end of the statement, a
 * closing bracket, an `=` or a `for` statement's `in` (at `inAt`):
 * `_PyPegen_get_invalid_target` on them.
 */
function targetList(src: string, p: number, del: boolean, inAt = -1): TargetScan {
  for (;;) {
    const t = lex(src, p);
    if (
      t.kind === T_END ||
      t.start === inAt ||
      (t.kind === T_OP && (t.text === ')' || t.text === ']' || t.text === ';' || t.text === '='))
    )
      return { end: t.start };
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
  if (t.kind === T_OP && t.text === '*')
    return del ? { invalid: { name: 'starred', at: t.start } } : targetElement(src, t.end, del, inAt);
  if (t.kind === T_NAME) {
    const word = src.slice(t.start, t.end);
    if (word === 'lambda') return { invalid: { name: 'lambda', at: t.start } };
    if (word === 'not') return { invalid: { name: 'expression', at: t.start } };
  }
  const e = bitwiseOr(src, p);
  if (e === null) return null;
  const after = lex(src, e.end);
  if (
    inAt >= 0 &&
    after.start !== inAt &&
    ((after.kind === T_NAME && /^(in|not|is)$/.test(src.slice(after.start, after.end))) ||
      (after.kind === T_OP && COMPARISON.has(after.text)))
  ) {
    // in a `for` statement's targets CPython judges a comparison only when its first operator is that `in`; it skips any other
    const end = comparisonEnd(src, e.end);
    return end < 0 ? null : { end };
  }
  if (after.kind === T_NAME && after.start !== inAt) {
    const word = src.slice(after.start, after.end);
    if (word === 'and' || word === 'or') return { invalid: { name: 'expression', at: t.start } };
    if (word === 'if') return { invalid: { name: 'conditional expression', at: t.start } };
    if (word === 'in' || word === 'not' || word === 'is')
      return { invalid: { name: 'comparison', at: t.start } };
    return null;
  }
  if (after.kind === T_OP && COMPARISON.has(after.text))
    return { invalid: { name: 'comparison', at: t.start } };
  if (e.name === null) return null;
  if (ASSIGNABLE.has(e.name)) return { end: e.end };
  if ((e.name === 'tuple' || e.name === 'list') && t.kind === T_GROUP && t.end === e.end) {
    lexState.nested++;
    const inner = targetList(src, t.start + 1, del, inAt);
    lexState.nested--;
    if (inner === null || 'invalid' in inner) return inner;
    return inner.end === t.end - 1 ? { end: e.end } : null;
  }
  return { invalid: { name: e.name, at: e.at } };
}
