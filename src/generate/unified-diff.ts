/**
 * A unified diff (as `git diff` prints it) for backfill's changes: a new file, and in-place edits
 * that keep the line count (fix's edits, which change it, are `editsDiff`'s).
 */
export function unifiedDiff(relPath: string, before: string | null, after: string, context = 3): string {
  const b = before === null ? [] : splitLines(before);
  const a = splitLines(after);
  const header = `--- ${before === null ? '/dev/null' : `a/${relPath}`}\n+++ b/${relPath}\n`;
  if (before === null) return `${header}@@ -0,0 +1,${a.length} @@\n${a.map((l) => `+${l}`).join('\n')}\n`;
  if (b.length !== a.length) {
    // not a shape we produce; show the whole file rather than a wrong hunk
    return `${header}@@ -1,${b.length} +1,${a.length} @@\n${b.map((l) => `-${l}`).join('\n')}\n${a.map((l) => `+${l}`).join('\n')}\n`;
  }
  const changed = b.flatMap((l, i) => (l !== a[i] ? [i] : []));
  if (changed.length === 0) return '';
  const hunks: [number, number][] = [];
  for (const i of changed) {
    const lo = Math.max(0, i - context);
    const hi = Math.min(b.length - 1, i + context);
    const last = hunks[hunks.length - 1];
    if (last && lo <= last[1] + 1) last[1] = hi;
    else hunks.push([lo, hi]);
  }
  let out = header;
  for (const [lo, hi] of hunks) {
    const n = hi - lo + 1;
    out += `@@ -${lo + 1},${n} +${lo + 1},${n} @@\n`;
    let i = lo;
    while (i <= hi) {
      if (b[i] === a[i]) {
        out += ` ${b[i]}\n`;
        i++;
        continue;
      }
      // a run of changed lines: removals first, then additions, as git prints them
      let j = i;
      while (j <= hi && b[j] !== a[j]) j++;
      for (let k = i; k < j; k++) out += `-${b[k]}\n`;
      for (let k = i; k < j; k++) out += `+${a[k]}\n`;
      i = j;
    }
  }
  return out;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/u, ''));
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Lines `first`..`last` (1-based, inclusive; `last` = `first` - 1 inserts before `first`) replaced by `text`. */
export interface LineEdit {
  readonly first: number;
  readonly last: number;
  readonly text: string;
}

/**
 * The unified diff of a file's line edits (sorted, none overlapping), as `patch -p1` applies it: hunks
 * with three lines of context, merged where their context meets, and the end of a file without a
 * final newline marked as git marks it.
 */
export function editsDiff(
  relPath: string,
  before: string,
  after: string,
  edits: readonly LineEdit[],
  context = 3,
): string {
  if (edits.length === 0) return '';
  const rows = (text: string): { lines: string[]; final: boolean } => {
    const lines = text.split('\n');
    const final = text.endsWith('\n');
    if (final) lines.pop();
    return { lines, final };
  };
  const old = rows(before);
  const neu = rows(after);
  const sorted = [...edits].sort((a, b) => a.first - b.first);
  const groups: LineEdit[][] = [];
  for (const e of sorted) {
    const last = groups.at(-1);
    const prev = last?.at(-1);
    if (last && prev && e.first - context <= prev.last + context + 1) last.push(e);
    else groups.push([e]);
  }
  // a line of either side, with git's marker after a file's last line when it has no newline
  const row = (sign: string, side: typeof old, i: number): string =>
    `${sign}${side.lines[i]}\n${i === side.lines.length - 1 && !side.final ? '\\ No newline at end of file\n' : ''}`;
  let out = `--- a/${relPath}\n+++ b/${relPath}\n`;
  let shift = 0;
  for (const g of groups) {
    const from = Math.max(1, g[0]!.first - context);
    const to = Math.min(old.lines.length, g.at(-1)!.last + context);
    let body = '';
    let added = 0;
    let line = from;
    for (const e of g) {
      for (; line < e.first; line++) body += row(' ', old, line - 1);
      for (; line <= e.last; line++) body += row('-', old, line - 1);
      const count = e.text.split('\n').length;
      const at = e.first - 1 + shift + added;
      for (let k = 0; k < count; k++) body += row('+', neu, at + k);
      added += count - (e.last - e.first + 1);
    }
    for (; line <= to; line++) body += row(' ', old, line - 1);
    const oldCount = to - from + 1;
    const newCount = oldCount + added;
    out += `@@ -${oldCount === 0 ? from - 1 : from},${oldCount} +${newCount === 0 ? from + shift - 1 : from + shift},${newCount} @@\n${body}`;
    shift += added;
  }
  return out;
}
