import { revisionFile, type ProjectModel } from '../alembic/loading/project-model.js';
import type { UpgradePrediction } from '../alembic/graph/upgrade-plan.js';
import { lex, Tok } from '../python/python-tokenizer.js';
import { compoundKeyword } from './schema/schema-ops.js';

/** A pending upgrade() that reads a line from its terminal: without one it fails with EOFError. */
export interface InputRead {
  readonly revision: string;
  readonly path: string;
  readonly line: number;
  /** under if, for or while in upgrade(): it may not run */
  readonly conditional: boolean;
}

/** Blocks whose bodies may not run (a try, finally or with body does). */
const CONDITIONAL = new Set([
  'if',
  'elif',
  'else',
  'for',
  'while',
  'except',
  'match',
  'case',
  'def',
  'class',
]);

/**
 * Where a revision file's upgrade() calls the builtin `input()` (or reads `sys.stdin`), read from the
 * tokenizer's logical lines: the first such line, and whether a block that may not run is around it.
 */
export function inputReadIn(text: string): { line: number; conditional: boolean } | undefined {
  if (!text.includes('input(') && !text.includes('stdin')) return undefined;
  const { lines, error } = lex(text);
  if (error) return undefined;
  const at = lines.findIndex(
    (l) => l.indent === 0 && l.tokens[0]?.text === 'def' && l.tokens[1]?.text === 'upgrade',
  );
  if (at < 0) return undefined;
  const stack: { indent: number; conditional: boolean }[] = [];
  for (let i = at + 1; i < lines.length && lines[i]!.indent > 0; i++) {
    const { tokens: t, indent } = lines[i]!;
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const conditional = stack.some((b) => b.conditional);
    const reads = t.findIndex(
      (tok, k) =>
        tok.type === Tok.Name &&
        ((tok.text === 'input' &&
          t[k + 1]?.text === '(' &&
          t[k - 1]?.text !== '.' &&
          t[k - 1]?.text !== 'def') ||
          (tok.text === 'stdin' && t[k - 1]?.text === '.' && t[k - 2]?.text === 'sys')),
    );
    if (reads >= 0) return { line: t[reads]!.line, conditional };
    const opens = compoundKeyword(t);
    if (opens !== undefined) stack.push({ indent, conditional: CONDITIONAL.has(opens) });
  }
  return undefined;
}

/** The first pending revision whose upgrade() reads its terminal. */
export function firstInputRead(model: ProjectModel, prediction: UpgradePrediction): InputRead | undefined {
  for (const step of prediction.steps) {
    const file = revisionFile(model, step.revision);
    const found = file && inputReadIn(file.text);
    if (found) return { revision: step.revision, path: file.path, ...found };
  }
  return undefined;
}
