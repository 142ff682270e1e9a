import path from 'node:path';
import type { ProjectFiles } from '../project/project-files.js';
import { isShell } from './generating-command.js';
import { pipfileScripts } from './pipfile-scripts.js';

/** Release scripts are short; a larger file is not one. */
const MAX_SCRIPT_BYTES = 1 << 20;

/**
 * The shell script of the app a command runs (`bash bin/release.sh`, `sh -e ./release`, `./release-tasks.sh`),
 * read; undefined for anything else (`bash -c '…'`, a Python script, a file outside the app or too large to be one).
 */
export function scriptRun(
  files: ProjectFiles,
  words: readonly string[],
  dir: string,
): { file: string; text: string } | undefined {
  let i = 0;
  if (words[0] === '/usr/bin/env' || words[0] === 'env') i++;
  const name = words[i]?.split('/').pop() ?? '';
  let candidate: string | undefined;
  let viaShell = false;
  if (isShell(name)) {
    viaShell = true;
    for (i++; words[i]?.startsWith('-'); i++) {
      // -c runs the next word as the command, not a file
      if (/^-[a-z]*c/u.test(words[i]!)) return undefined;
      if (words[i] === '-o' || words[i] === '+o') i++;
    }
    candidate = words[i];
  } else if (words[i]?.includes('/') || words[i]?.endsWith('.sh')) {
    candidate = words[i];
  }
  if (candidate === undefined || /[$`'"*?]/u.test(candidate)) return undefined;
  const file = path.resolve(dir, candidate);
  if (path.relative(dir, file).startsWith('..')) return undefined;
  const text = readScript(files, file);
  if (text === undefined || text.includes('\0')) return undefined;
  // run directly, a file runs under its #! interpreter (bash runs one without #! itself): follow only shell scripts
  const shebang = /^#!(.*)/u.exec(text);
  if (viaShell) return { file, text };
  return shebang
    ? /\b(?:ba|da|z)?sh\b/u.test(shebang[1]!)
      ? { file, text }
      : undefined
    : /\.(?:py|rb|js|pl)$/u.test(file)
      ? undefined
      : { file, text };
}

/** A script's text, or undefined when it cannot be read or is too large to be a release script. */
export function readScript(files: ProjectFiles, file: string): string | undefined {
  const size = files.size(file);
  return size === undefined || size > MAX_SCRIPT_BYTES ? undefined : files.text(file);
}

/** The command a Pipfile's [scripts] entry runs (`upgrade = "flask db upgrade"`), with where it is written. */
export function pipfileScript(
  files: ProjectFiles,
  dir: string,
  name: string,
): { command: string; file: string; line: number } | undefined {
  const file = path.join(dir, 'Pipfile');
  const text = files.text(file);
  if (text === undefined) return undefined;
  const entry = pipfileScripts(text).find((e) => e.name === name);
  return entry ? { command: entry.command, file, line: entry.line } : undefined;
}
