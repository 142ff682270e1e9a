/**
 * The entries of a Pipfile's `[scripts]` table (`upgrade = "flask db upgrade"`), in order: the name that
 * `pipenv run NAME` takes, the command it runs, and its 1-based line.
 */
export function pipfileScripts(text: string): { name: string; command: string; line: number }[] {
  const out: { name: string; command: string; line: number }[] = [];
  let inScripts = false;
  for (const [i, raw] of text.split(/\r?\n/u).entries()) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      inScripts = line === '[scripts]';
      continue;
    }
    if (!inScripts) continue;
    const m = /^(["']?)([\w.-]+)\1\s*=\s*(["'])(.*)\3\s*(?:#[^]*)?$/u.exec(line);
    if (m) out.push({ name: m[2]!, command: m[4]!, line: i + 1 });
  }
  return out;
}
