import { bodyFactsFast, type FastBodyFacts } from '../../alembic/reading/fast-revision-reader.js';
import {
  headerColon,
  matching,
  splitTop,
  Tok,
  lex,
  topLevelOp,
  type LogicalLine,
  type Token,
} from '../../python/python-tokenizer.js';

const ARGUMENT_MARKS: ReadonlySet<string> = new Set([',', '=']);

/**
 * Whether the file's module-level `downgrade()` may do nothing: its body holds
 * only `pass`, `...` and string literals, as far as the tokenizer sees (the
 * last definition wins, as in Python). In a multi-database script, whose
 * downgrade(engine_name) dispatches to downgrade_<engine>(), whether one of
 * those may. A superset of what empty-downgrade reports, read without the
 * grammar: most downgrades plainly do something, and the parse they would
 * otherwise need is most of what empty-downgrade costs.
 */
export function downgradeMayDoNothing(text: string): boolean {
  return tokenTests(text).downgradeMayDoNothing;
}

/** What the tokenizer-based text tests say of a file, from one tokenization (none when neither word is in it). */
export interface TokenTests {
  readonly downgradeMayDoNothing: boolean;
  readonly executeMayTakeParams: boolean;
}

export function tokenTests(text: string): TokenTests {
  return wordsThen(text, (downgrade, execute) => {
    // a file the revision reader's fast path reads is answered from its facts, without the tokenizer
    const facts = bodyFactsFast(text);
    if (!facts) return byTokens(text, downgrade, execute);
    return {
      downgradeMayDoNothing: downgrade && downgradeFromFacts(facts),
      executeMayTakeParams: execute && facts.executeWithParams,
    };
  });
}

/** tokenTests from the tokenizer's logical lines, for any file: what the fast path's answers are held to. */
export function tokenTestsByTokenizer(text: string): TokenTests {
  return wordsThen(text, (downgrade, execute) => byTokens(text, downgrade, execute));
}

/** Neither test can say yes without its word in the text: `then` runs only when one of them is. */
function wordsThen(text: string, then: (downgrade: boolean, execute: boolean) => TokenTests): TokenTests {
  const downgrade = text.includes('downgrade');
  const execute = text.includes('execute');
  return downgrade || execute
    ? then(downgrade, execute)
    : { downgradeMayDoNothing: false, executeMayTakeParams: false };
}

function byTokens(text: string, downgrade: boolean, execute: boolean): TokenTests {
  const { lines, error } = lex(text);
  // let the parser decide (a file that does not parse is left to the graph rules)
  if (error) return { downgradeMayDoNothing: downgrade, executeMayTakeParams: execute };
  return {
    downgradeMayDoNothing: downgrade && downgradeIn(lines),
    executeMayTakeParams: execute && executeIn(lines),
  };
}

/**
 * downgradeIn for a file of the fast path's grammar, where functions take no parameters: a
 * downgrade() that does nothing, or one that picks a downgrade_<engine>() by name (globals, eval,
 * getattr) where such a function does nothing. A helper it hands the name to needs a parameter.
 */
function downgradeFromFacts(facts: FastBodyFacts): boolean {
  const down = facts.defs.get('downgrade');
  if (!down) return false;
  if (down.doesNothing) return true;
  return down.picks && [...facts.defs].some(([name, d]) => name.startsWith('downgrade_') && d.doesNothing);
}

function downgradeIn(lines: readonly LogicalLine[]): boolean {
  // each module-level function's header line and colon; its statements are split only when asked for
  const defs = new Map<string, { at: number; colon: number }>();
  const firstParams = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.indent !== 0) continue;
    const t = line.tokens;
    const k = t[0]?.text === 'async' ? 1 : 0;
    const name = t[k + 1]?.text;
    if (t[k]?.text !== 'def' || name === undefined) continue;
    const colon = headerColon(t);
    if (colon >= t.length) return true;
    defs.set(name, { at: i, colon });
    if (t[k + 2]?.text === '(' && t[k + 3]?.type === Tok.Name) firstParams.set(name, t[k + 3]!.text);
  }
  const splitBodies = new Map<string, Token[][]>();
  const bodyOf = (name: string): Token[][] | undefined => {
    const def = defs.get(name);
    if (!def) return undefined;
    let statements = splitBodies.get(name);
    if (!statements) {
      statements = [];
      const t = lines[def.at]!.tokens;
      if (def.colon + 1 < t.length) statements.push(...statementsOf(t, def.colon + 1));
      else
        for (let j = def.at + 1; j < lines.length && lines[j]!.indent > 0; j++)
          statements.push(...statementsOf(lines[j]!.tokens, 0));
      splitBodies.set(name, statements);
    }
    return statements;
  };
  const body = bodyOf('downgrade');
  if (!body) return false;
  if (doesNothing(body)) return true;
  // the multi-database templates' dispatch: globals()["downgrade_%s" % engine_name](), eval(…), getattr(…),
  // written in downgrade() or in a module-level helper it hands the name to (_run("downgrade_" + engine_name))
  const picker = (x: Token): boolean => x.text === 'globals' || x.text === 'eval' || x.text === 'getattr';
  const picksParam = (b: readonly Token[][], param: string): boolean =>
    b.some((s) => {
      const at = s.findIndex(picker);
      return at >= 0 && s.some((x, j) => j > at && x.type === Tok.Name && x.text === param);
    });
  const dispatches =
    body.some((s) => s.some(picker)) ||
    body.some(
      (s) =>
        s.some((x) => x.text.includes('downgrade_')) &&
        s.some((x, j) => {
          if (s[j + 1]?.text !== '(' || x.type !== Tok.Name || x.text === 'downgrade') return false;
          const helper = bodyOf(x.text);
          const param = firstParams.get(x.text);
          return helper !== undefined && param !== undefined && picksParam(helper, param);
        }),
    );
  return (
    dispatches && [...defs.keys()].some((name) => name.startsWith('downgrade_') && doesNothing(bodyOf(name)!))
  );
}

function doesNothing(body: readonly Token[][]): boolean {
  return body.every(
    (s) =>
      s.length === 0 ||
      (s.length === 1 && (s[0]!.text === 'pass' || s[0]!.text === '...')) ||
      s.every((x) => x.type === Tok.String),
  );
}

/** A logical line's statements (`a; b`) from token `from` on. */
function statementsOf(tokens: readonly Token[], from: number): Token[][] {
  return splitTop(tokens, from, tokens.length, ';').map(([a, b]) => tokens.slice(a, b));
}

/**
 * Whether the file may call `op.execute(…)` (or a batch's `execute`) with more
 * than one argument or with a keyword: a `,` or `=` at the call's own bracket depth. A superset of
 * what execute-with-params-argument reports, read with the tokenizer.
 */
export function executeMayTakeParams(text: string): boolean {
  return tokenTests(text).executeMayTakeParams;
}

function executeIn(lines: readonly LogicalLine[]): boolean {
  for (const { tokens: t } of lines) {
    for (let i = 0; i + 3 < t.length; i++) {
      if (t[i + 2]!.text !== 'execute' || t[i + 1]!.text !== '.' || t[i + 3]!.text !== '(') continue;
      const owner = t[i]!.text;
      if (owner !== 'op' && owner !== 'batch' && owner !== 'batch_op') continue;
      const close = matching(t, i + 3, t.length);
      if (topLevelOp(t, i + 4, close < 0 ? t.length : close, ARGUMENT_MARKS) >= 0) return true;
    }
  }
  return false;
}
