import path from 'node:path';
import { readDatabaseUrlVariables } from '../alembic/env/env-database-url.js';
import { walkFiles, type ProjectFiles } from '../project/project-files.js';

/** Where the app's code reads a database URL from the environment, or loads a .env file over it. */
export interface AppUrlReads {
  /** Variables the app's Python reads a database URL from (`os.environ.get("DEV_DATABASE_URL")`), each where first read. */
  readonly variables: readonly { readonly name: string; readonly path: string; readonly line: number }[];
  /** A `load_dotenv(…, override=True)`: a .env file that replaces what the environment says. */
  readonly dotenvOverride?: { readonly path: string; readonly line: number };
}

/** Python files searched at most: a large monorepo is sampled, not walked whole. */
const MAX_FILES = 3000;

/**
 * The app's own reads of database URLs from the environment (not the migrations' files): what a
 * command that points the app at another database must set, found the way env.py's reads are.
 */
export function appUrlReads(
  files: ProjectFiles,
  root: string,
  skipDirs: readonly string[] = [],
): AppUrlReads {
  const skip = new Set(skipDirs.map((d) => path.resolve(d)));
  const variables: { name: string; path: string; line: number }[] = [];
  let dotenvOverride: { path: string; line: number } | undefined;
  for (const rel of walkFiles(files, root, skip)
    .filter((f) => f.endsWith('.py'))
    .slice(0, MAX_FILES)) {
    const text = files.text(path.join(root, rel));
    if (text === undefined) continue;
    if (/environ|getenv/u.test(text)) {
      for (const r of readDatabaseUrlVariables(text))
        if (!variables.some((v) => v.name === r.name))
          variables.push({ name: r.name, path: rel, line: r.line });
    }
    if (!dotenvOverride) {
      const at = dotenvOverrideAt(text);
      if (at >= 0) dotenvOverride = { path: rel, line: text.slice(0, at).split('\n').length };
    }
  }
  return { variables, ...(dotenvOverride ? { dotenvOverride } : {}) };
}

/** Where a `load_dotenv(…, override=True)` call starts, or -1: each call's arguments read up to its `)`, at most 500 characters. */
function dotenvOverrideAt(text: string): number {
  for (let at = text.indexOf('load_dotenv('); at >= 0; at = text.indexOf('load_dotenv(', at + 1)) {
    const open = at + 'load_dotenv('.length;
    const close = text.indexOf(')', open);
    const args = text.slice(open, close < 0 || close - open > 500 ? open + 500 : close);
    if (/\boverride\s*=\s*True\b/u.test(args)) return at;
  }
  return -1;
}
