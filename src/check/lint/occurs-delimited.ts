/**
 * Whether `word` occurs in `text` with neither neighbour a character that `continues` (a whole word
 * when `continues` is \w, a whole file name when it also takes `.` and `-`); start and end delimit.
 */
export function occursDelimited(text: string, word: string, continues: RegExp): boolean {
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    if (!continues.test(text[at - 1] ?? ' ') && !continues.test(text[at + word.length] ?? ' ')) return true;
  }
  return false;
}
