import { FLASK_OPTIONS_WITH_VALUE } from './alembic-argv.js';

/**
 * A command that writes a new migration file (`alembic revision`, `flask db migrate`, …), found where the
 * app is deployed. `at` is `path:line` relative to the working folder, or '' for the command that
 * `alembic-preflight release --` wraps; `via` is the Procfile line that runs the script `at` points into.
 */
export interface GeneratedAtRelease {
  readonly command: string;
  readonly at: string;
  readonly via?: string;
  /** The release runs no upgrade we can see, so nothing applies the file (and nothing committed is applied either). */
  readonly noUpgrade?: boolean;
}

/** The shells a deploy line or script runs (`bash`, `/bin/sh`, `/usr/local/bin/zsh`). */
const SHELLS = new Set(['bash', 'sh', 'dash', 'zsh']);

/** Whether a command's word is a shell, by any path. */
export function isShell(word: string | undefined): boolean {
  return word !== undefined && SHELLS.has(word.split('/').pop()!);
}

/**
 * Where the command a shell's `-c` runs starts (`bash -lc "alembic upgrade head"`: 2 after the shell), or
 * `first` when the word there is no shell with -c.
 */
export function afterShellC(words: readonly string[], first: number): number {
  const option = words[first + 1] ?? '';
  return first >= 0 && isShell(words[first]) && /^-[a-z]+$/u.test(option) && option.includes('c')
    ? first + 2
    : first;
}

const ALEMBIC_OPTIONS_WITH_VALUE = new Set(['-c', '--config', '-n', '--name', '-x']);
const FLASK_DB_OPTIONS_WITH_VALUE = new Set(['-d', '--directory', '-x', '--x-arg']);

/**
 * The generating command (`alembic revision [--autogenerate]`, `alembic init`, `flask db migrate`,
 * `flask db revision`, `flask db init`) that one shell command runs, else undefined. The command is one
 * piece of a line already split at `&&`, `||`, `;` and `|`.
 */
export function generatingCommand(cmd: string): string | undefined {
  const words = cmd
    .trim()
    .replace(/^[[(]\s*|["',\]]/gu, ' ')
    .split(/\s+/u)
    .filter(Boolean);
  // what leads a command in deploy files (a Procfile's `release:`, YAML's `- ` and `command:`, a Dockerfile's RUN,
  // variable assignments), then: a message that mentions the command runs nothing
  let first = 0;
  while (
    first < words.length &&
    (/:$|^-$|^[A-Za-z_]\w*=/u.test(words[first]!) || /^(RUN|CMD|ENTRYPOINT|exec)$/u.test(words[first]!))
  )
    first++;
  // `bash -lc "echo 'run flask db migrate locally'"`: the command is what the shell's -c runs
  first = afterShellC(words, first);
  if (words[first] === 'echo' || words[first] === 'printf') return undefined;
  const at = (i: number, skip: ReadonlySet<string>): number => {
    while (i < words.length && words[i]!.startsWith('-')) i += skip.has(words[i]!) ? 2 : 1;
    return i;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (
      w === 'alembic' ||
      w.endsWith('/alembic') ||
      (w === '-m' && words[i + 1] === 'alembic' && /^python/u.test(words[i - 1] ?? ''))
    ) {
      const c = at(w === '-m' ? i + 2 : i + 1, ALEMBIC_OPTIONS_WITH_VALUE);
      if (words[c] === 'revision' || words[c] === 'init')
        return `alembic ${words[c]}${words[c] === 'revision' && words.slice(c).includes('--autogenerate') ? ' --autogenerate' : ''}`;
      return undefined;
    }
    if (w === 'flask' || w.endsWith('/flask')) {
      let d = i + 1;
      while (d < words.length && words[d]!.startsWith('-'))
        d += FLASK_OPTIONS_WITH_VALUE.includes(words[d]!) ? 2 : 1;
      if (words[d] !== 'db') return undefined;
      const c = at(d + 1, FLASK_DB_OPTIONS_WITH_VALUE);
      if (words[c] === 'migrate' || words[c] === 'revision' || words[c] === 'init')
        return `flask db ${words[c]}`;
      return undefined;
    }
  }
  return undefined;
}
