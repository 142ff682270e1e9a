// (\S.*)? rather than .*: a blank run before a line break would otherwise be rescanned from each of its blanks
const PROCESS = /^([A-Za-z0-9_-]+):\s*(\S.*)?$/u;

/**
 * Every `release:` line of a Procfile's text, in order: its command (without surrounding blanks) and
 * its 1-based line number. Heroku keeps one command per process type: a later line replaces an
 * earlier one, so only the last of these runs.
 */
export function procfileReleaseLines(text: string): { text: string; line: number }[] {
  return procfileProcesses(text)
    .filter((p) => p.type === 'release')
    .map(({ text: t, line }) => ({ text: t, line }));
}

/** Every process line of a Procfile's text, in order: its type (`web`, `release`, `worker`), command and 1-based line. */
export function procfileProcesses(text: string): { type: string; text: string; line: number }[] {
  const out: { type: string; text: string; line: number }[] = [];
  for (const [i, raw] of text.split(/\r?\n/u).entries()) {
    const m = PROCESS.exec(raw.trim());
    if (m) out.push({ type: m[1]!, text: m[2] ?? '', line: i + 1 });
  }
  return out;
}
