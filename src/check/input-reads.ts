import type { ProjectModel } from '../alembic/loading/project-model.js';
import { revisionText } from '../alembic/loading/project-model.js';
import type { UpgradePrediction } from '../alembic/graph/upgrade-plan.js';
import { tokenize, Tok } from '../python/python-tokenizer.js';

/** A pending upgrade() that reads a line from its terminal: without one it fails with EOFError. */
export interface InputRead {
  readonly revision: string;
  readonly path: string;
  readonly line: number;
  /** under if, for or while in upgrade(): it may not run */
  readonly conditional: boolean;
}

/** Statements that open a block; the bodies of the CONDITIONAL ones may not run (a try body does). */
const OPENS = new Set([
  'if',
  'elif',
  'else',
  'for',
  'while',
  'try',
  'except',
  'finally',
  'with',
  'match',
  'case',
  'def',
  'class',
  'async',
]);
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
  'async',
]);

/**
 * Where a revision file's upgrade() calls the builtin `input()` (or reads `sys.stdin`), read from the
 * tokenizer's logical lines: the first such line, and whether a block that may not run is around it.
 */
export function inputReadIn(text: string): { line: number; conditional: boolean } | undefined {
  if (!text.includes('input(') && !text.includes('stdin')) return undefined;
  const { lines, error } = tokenize(text);
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
    if (OPENS.has(t[0]?.text ?? '')) stack.push({ indent, conditional: CONDITIONAL.has(t[0]!.text) });
  }
  return undefined;
}

/** The first pending revision whose upgrade() reads its terminal. */
export function firstInputRead(model: ProjectModel, prediction: UpgradePrediction): InputRead | undefined {
  for (const step of prediction.steps) {
    const rev = model.map.byKey.get(step.revision);
    const text = rev ? revisionText(model, rev.file.absPath) : undefined;
    const found = text === undefined ? undefined : inputReadIn(text);
    if (found && rev) return { revision: step.revision, path: rev.file.path, ...found };
  }
  return undefined;
}
