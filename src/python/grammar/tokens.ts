/*! The external tokenizers of @lezer/python 1.1.19 (src/tokens.js), typed and changed where marked.
 * MIT License, Copyright (C) 2020 by Marijn Haverbeke and others (LICENSE beside this file). */
// Indentation, newlines and string bodies, which a context-free token table cannot see. Python 2's
// `print` statement is left out: it is an error in Python 3.
import { ContextTracker, ExternalTokenizer, type InputStream } from '@lezer/lr';
import {
  newline as newlineToken,
  eof,
  newlineBracketed,
  blankLineStart,
  indent,
  dedent,
  ParenthesizedExpression,
  TupleExpression,
  ComprehensionExpression,
  PatternArgList,
  SequencePattern,
  MappingPattern,
  TypeParamList,
  ArrayExpression,
  ArrayComprehensionExpression,
  ArgList,
  ParamList,
  importList,
  subscript,
  withItemsInBrackets,
  DictionaryExpression,
  DictionaryComprehensionExpression,
  SetExpression,
  SetComprehensionExpression,
  String as StringTerm,
  FormatString,
  FormatReplacement,
  nestedFormatReplacement,
  stringStart,
  stringStartD,
  stringStartL,
  stringStartLD,
  stringStartR,
  stringStartRD,
  stringStartRL,
  stringStartRLD,
  stringStartF,
  stringStartFD,
  stringStartFL,
  stringStartFLD,
  stringStartFR,
  stringStartFRD,
  stringStartFRL,
  stringStartFRLD,
  stringContent,
  Escape,
  replacementStart,
  stringEnd,
  ParenL,
  BraceL,
  BracketL,
} from './parser.terms.js';

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
const SPACE = 32;
const TAB = 9;
const FORM_FEED = 12;
const HASH = 35;
const BRACE_OPEN = 123;
const BRACE_CLOSE = 125;
const SINGLE_QUOTE = 39;
const DOUBLE_QUOTE = 34;
const BACKSLASH = 92;
const LETTER_O = 111;
const LETTER_X = 120;
const LETTER_N = 78;
const LETTER_U = 117;
const LETTER_UPPER_U = 85;

const bracketed = new Set([
  ParenthesizedExpression,
  TupleExpression,
  ComprehensionExpression,
  importList,
  withItemsInBrackets,
  ArgList,
  ParamList,
  ArrayExpression,
  ArrayComprehensionExpression,
  subscript,
  SetExpression,
  SetComprehensionExpression,
  FormatString,
  FormatReplacement,
  nestedFormatReplacement,
  DictionaryExpression,
  DictionaryComprehensionExpression,
  SequencePattern,
  MappingPattern,
  PatternArgList,
  TypeParamList,
]);

const isLineBreak = (ch: number): boolean => ch === NEWLINE || ch === CARRIAGE_RETURN;

const isHex = (ch: number): boolean =>
  (ch >= 48 && ch <= 57) || (ch >= 65 && ch <= 70) || (ch >= 97 && ch <= 102);

// Flags used in Context objects
const CX_BRACKETED = 1;
const CX_STRING = 2;
const CX_DOUBLE_QUOTE = 4;
const CX_LONG = 8;
const CX_RAW = 16;
const CX_FORMAT = 32;

class Context {
  readonly hash: number;
  constructor(
    readonly parent: Context | null,
    readonly indent: number,
    readonly flags: number,
  ) {
    this.hash =
      (parent ? (parent.hash + parent.hash) << 8 : 0) + indent + (indent << 4) + flags + (flags << 6);
  }
}

const topIndent = new Context(null, 0, 0);

/**
 * The indentation a line's leading white space gives, as CPython measures it: a tab to the next multiple
 * of 8, a form feed back to 0 (changed), and across backslash continuations (changed) the column of
 * the first backslash, or where the code starts when that was column 0.
 */
function indentOf(space: string): number {
  let depth = 0;
  let continuedAt = 0;
  for (let i = 0; i < space.length; i++) {
    const c = space.charCodeAt(i);
    if (c === TAB) depth += 8 - (depth % 8);
    else if (c === FORM_FEED) depth = 0;
    else if (c === BACKSLASH) continuedAt ||= depth;
    else if (c === SPACE) depth++;
  }
  return continuedAt || depth;
}

const stringFlags = new Map(
  (
    [
      [stringStart, 0],
      [stringStartD, CX_DOUBLE_QUOTE],
      [stringStartL, CX_LONG],
      [stringStartLD, CX_LONG | CX_DOUBLE_QUOTE],
      [stringStartR, CX_RAW],
      [stringStartRD, CX_RAW | CX_DOUBLE_QUOTE],
      [stringStartRL, CX_RAW | CX_LONG],
      [stringStartRLD, CX_RAW | CX_LONG | CX_DOUBLE_QUOTE],
      [stringStartF, CX_FORMAT],
      [stringStartFD, CX_FORMAT | CX_DOUBLE_QUOTE],
      [stringStartFL, CX_FORMAT | CX_LONG],
      [stringStartFLD, CX_FORMAT | CX_LONG | CX_DOUBLE_QUOTE],
      [stringStartFR, CX_FORMAT | CX_RAW],
      [stringStartFRD, CX_FORMAT | CX_RAW | CX_DOUBLE_QUOTE],
      [stringStartFRL, CX_FORMAT | CX_RAW | CX_LONG],
      [stringStartFRLD, CX_FORMAT | CX_RAW | CX_LONG | CX_DOUBLE_QUOTE],
    ] as const
  ).map(([term, flags]) => [term as number, flags | CX_STRING]),
);

export const newlines = new ExternalTokenizer(
  (input, stack) => {
    const context = stack.context as Context;
    let prev: number;
    if (input.next < 0) {
      input.acceptToken(eof);
    } else if (context.flags & CX_BRACKETED) {
      if (isLineBreak(input.next)) input.acceptToken(newlineBracketed, 1);
    } else if (
      ((prev = input.peek(-1)) < 0 || (isLineBreak(prev) && !continued(input))) &&
      stack.canShift(blankLineStart)
    ) {
      const spaces = skipLineStart(input);
      if (input.next === NEWLINE || input.next === CARRIAGE_RETURN || input.next === HASH)
        input.acceptToken(blankLineStart, -spaces);
    } else if (isLineBreak(input.next)) {
      input.acceptToken(newlineToken, 1);
    }
  },
  { contextual: true },
);

// read() is public at run time, left out of @lezer/lr's types
const readText = (input: InputStream, from: number, to: number): string =>
  (input as unknown as { read(from: number, to: number): string }).read(from, to);

export const indentation = new ExternalTokenizer((input, stack) => {
  const context = stack.context as Context;
  if (context.flags) return;
  const prev = input.peek(-1);
  if (prev === NEWLINE || prev === CARRIAGE_RETURN) {
    const chars = skipLineStart(input);
    const depth = indentOf(readText(input, input.pos - chars, input.pos));
    if (
      depth !== context.indent &&
      input.next !== NEWLINE &&
      input.next !== CARRIAGE_RETURN &&
      input.next !== HASH
    ) {
      if (depth < context.indent) input.acceptToken(dedent, -chars);
      else input.acceptToken(indent);
    }
  }
});

/**
 * Steps over a line's leading white space and returns its length. Changed: a form feed counts, as
 * CPython's tokenizer reads it, and a backslash continuation there joins the next line's white space.
 */
function skipLineStart(input: InputStream): number {
  let length = 0;
  for (;;) {
    const c = input.next;
    const step =
      c === SPACE || c === TAB || c === FORM_FEED ? 1 : c === BACKSLASH ? lineBreakAfter(input) : 0;
    if (step === 0) return length;
    input.advance(step);
    length += step;
  }
}

/**
 * Whether the line break just read ends a backslash continuation (changed): the next line continues
 * the statement, so a blank one ends it rather than standing as a blank line.
 */
function continued(input: InputStream): boolean {
  const before = input.peek(-1) === NEWLINE && input.peek(-2) === CARRIAGE_RETURN ? -3 : -2;
  if (input.peek(before) !== BACKSLASH) return false;
  // a comment's last character is no continuation: read the line for a `#` outside its strings
  let start = before - 1;
  while (start > -4000 && input.peek(start) >= 0 && !isLineBreak(input.peek(start))) start--;
  const line = readText(input, input.pos + start + 1, input.pos + before);
  let quote = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (quote !== 0) {
      if (c === BACKSLASH) i++;
      else if (c === quote) quote = 0;
    } else if (c === SINGLE_QUOTE || c === DOUBLE_QUOTE) quote = c;
    else if (c === HASH) return false;
  }
  return true;
}

/** The length of a backslash and the line break after it at the stream's position (2 or 3), else 0. */
function lineBreakAfter(input: InputStream): number {
  if (input.peek(1) === NEWLINE) return 2;
  if (input.peek(1) === CARRIAGE_RETURN) return input.peek(2) === NEWLINE ? 3 : 2;
  return 0;
}

export const trackIndent = new ContextTracker<Context>({
  start: topIndent,
  reduce(context, term) {
    if (
      (context.flags & CX_BRACKETED && bracketed.has(term)) ||
      ((term === StringTerm || term === FormatString) && context.flags & CX_STRING)
    )
      return context.parent!;
    return context;
  },
  shift(context, term, stack, input) {
    if (term === indent) return new Context(context, indentOf(readText(input, input.pos, stack.pos)), 0);
    if (term === dedent) return context.parent!;
    if (term === ParenL || term === BracketL || term === BraceL || term === replacementStart)
      return new Context(context, 0, CX_BRACKETED);
    const flags = stringFlags.get(term);
    if (flags !== undefined) return new Context(context, 0, flags | (context.flags & CX_BRACKETED));
    return context;
  },
  hash(context) {
    return context.hash;
  },
});

export const strings = new ExternalTokenizer((input, stack) => {
  const { flags } = stack.context as Context;
  const quote = flags & CX_DOUBLE_QUOTE ? DOUBLE_QUOTE : SINGLE_QUOTE;
  const long = (flags & CX_LONG) > 0;
  const escapes = !(flags & CX_RAW);
  const format = (flags & CX_FORMAT) > 0;

  const start = input.pos;
  for (;;) {
    if (input.next < 0) {
      break;
    } else if (format && input.next === BRACE_OPEN) {
      if (input.peek(1) === BRACE_OPEN) {
        input.advance(2);
      } else {
        if (input.pos === start) {
          input.acceptToken(replacementStart, 1);
          return;
        }
        break;
      }
    } else if (escapes && input.next === BACKSLASH) {
      if (input.pos === start) {
        input.advance();
        const escaped = input.next;
        if (escaped >= 0) {
          input.advance();
          skipEscape(input, escaped);
        }
        input.acceptToken(Escape);
        return;
      }
      break;
    } else if (input.next === BACKSLASH && !escapes && input.peek(1) > -1) {
      // Raw strings still ignore escaped quotes, weirdly. changed: not a brace, which in an
      // f-string still opens a field or is doubled (`rf"\{{"` is a backslash and a brace).
      input.advance(format && input.peek(1) === BRACE_OPEN ? 1 : 2);
    } else if (input.next === quote && (!long || (input.peek(1) === quote && input.peek(2) === quote))) {
      if (input.pos === start) {
        input.acceptToken(stringEnd, long ? 3 : 1);
        return;
      }
      break;
    } else if (input.next === NEWLINE) {
      if (long) {
        input.advance();
      } else if (input.pos === start) {
        input.acceptToken(stringEnd);
        return;
      }
      break;
    } else {
      input.advance();
    }
  }
  if (input.pos > start) input.acceptToken(stringContent);
});

function skipEscape(input: InputStream, ch: number): void {
  if (ch === LETTER_O) {
    for (let i = 0; i < 2 && input.next >= 48 && input.next <= 55; i++) input.advance();
  } else if (ch === LETTER_X) {
    for (let i = 0; i < 2 && isHex(input.next); i++) input.advance();
  } else if (ch === LETTER_U) {
    for (let i = 0; i < 4 && isHex(input.next); i++) input.advance();
  } else if (ch === LETTER_UPPER_U) {
    for (let i = 0; i < 8 && isHex(input.next); i++) input.advance();
  } else if (ch === LETTER_N) {
    if (input.next === BRACE_OPEN) {
      // peek(0) is next, read again after each advance()
      let c = input.advance();
      while (c >= 0 && c !== BRACE_CLOSE && c !== SINGLE_QUOTE && c !== DOUBLE_QUOTE && c !== NEWLINE)
        c = input.advance();
      if (c === BRACE_CLOSE) input.advance();
    }
  }
}
