/**
 * A unified diff (as `git diff` prints it) for the two kinds of change we
 * make: a new file, and in-place edits that keep the line count.
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
