/**
 * Wraps text at word boundaries to `width` columns: the first line starts with `first`, the others
 * with `rest`. A `backtick span`, or a command written out in prose, is one word, so a command is
 * never broken; a word longer than the width stands alone on its line.
 */
export function wrapText(text: string, width: number, first: string, rest: string): string[] {
  const out: string[] = [];
  let line = first;
  let empty = true;
  for (const w of words(text)) {
    if (!empty && line.length + 1 + w.length > width) {
      out.push(line);
      line = rest + w;
    } else line += (empty ? '' : ' ') + w;
    empty = false;
  }
  out.push(line);
  return out;
}

/** The programs whose commands the reports write out in prose. */
const PROGRAM = /^(?:alembic-preflight|alembic|flask db|git|heroku|DELETE FROM|UPDATE|ALTER TABLE) /u;

/**
 * Where a command written out in prose (`…: alembic stamp --purge abc (replaces…)`) that starts at `i`
 * ends: at the first bracket or semicolon, or comma or full stop before a blank or the end; -1 when
 * no command starts there. It wraps as one word.
 */
function commandEnd(text: string, i: number): number {
  if (!PROGRAM.test(text.slice(i, i + 24))) return -1;
  let j = i;
  for (; j < text.length; j++) {
    const c = text[j];
    if (c === '(' || c === ';') break;
    if ((c === ',' || c === '.') && (j + 1 === text.length || text[j + 1] === ' ')) break;
  }
  while (j > i && (text[j - 1] === ' ' || text[j - 1] === ',' || text[j - 1] === '.')) j--;
  return j;
}

/** The words of a text: runs of non-blanks; a backtick span or a command (blanks and all) kept as one. */
function words(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i >= n) break;
    const command = (i === 0 || text[i - 1] === ' ') && text[i] !== '`' ? commandEnd(text, i) : -1;
    // the punctuation that follows a command stays on its line
    let j = command > i && text.slice(i, command).includes(' ') ? command : i;
    while (j < n && text[j] !== ' ' && text[j] !== '\t') {
      if (text[j] === '`') {
        const close = text.indexOf('`', j + 1);
        j = close < 0 ? n : close + 1;
      } else j++;
    }
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}

/** The width a text report is laid out to: the terminal's, else 100. */
export const DEFAULT_WIDTH = 100;
