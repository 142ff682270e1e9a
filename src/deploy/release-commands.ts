import path from 'node:path';
import type { ProjectFiles } from '../project/project-files.js';
import { procfileReleaseLines } from './procfile-release-lines.js';
import { projectFolders } from '../packaging/project-folders.js';

/**
 * The release phase's commands, from the app root: the nearest folder up to the repository's root that
 * has a Procfile or a heroku.yml (Heroku reads the app root's files). Each with the file it is in, as
 * reports name it.
 */
export function releaseCommands(
  files: ProjectFiles,
  cwd: string,
): { dir: string; commands: { text: string; line: number; shown: string }[] } | undefined {
  for (const dir of projectFolders(files, cwd)) {
    const sources = [procfileRelease(files, dir), manifestRelease(files, dir)];
    if (sources.every((x) => x === undefined)) continue;
    const commands = sources.flatMap((source) =>
      source
        ? source.commands.map((c) => ({
            ...c,
            shown: path.relative(cwd, source.file) || path.basename(source.file),
          }))
        : [],
    );
    return { dir, commands };
  }
  return undefined;
}

interface ReleaseSource {
  readonly file: string;
  readonly commands: readonly { readonly text: string; readonly line: number }[];
}

/**
 * The Procfile's `release:` line, the last when there are several: Heroku keeps one command per process
 * type and a later line replaces an earlier one (its buildpack warns "Duplicate key `release` found");
 * undefined when the folder has no Procfile.
 */
function procfileRelease(files: ProjectFiles, dir: string): ReleaseSource | undefined {
  const file = path.join(dir, 'Procfile');
  const text = files.text(file);
  if (text === undefined) return undefined;
  const [last] = procfileReleaseLines(text).slice(-1);
  return { file, commands: last ? [last] : [] };
}

/**
 * heroku.yml's `release:` section's `command:`, written as a list (`- ./release.sh`), a flow list or one
 * string; undefined when the folder has no heroku.yml.
 */
function manifestRelease(files: ProjectFiles, dir: string): ReleaseSource | undefined {
  const file = path.join(dir, 'heroku.yml');
  const text = files.text(file);
  if (text === undefined) return undefined;
  const lines = text.split(/\r?\n/u);
  const commands: { text: string; line: number }[] = [];
  const start = lines.findIndex((l) => /^release:\s*(?:#.*)?$/u.test(l));
  for (let i = start + 1; start >= 0 && i < lines.length; i++) {
    const l = lines[i]!;
    if (/^\S/u.test(l)) break;
    const m = /^(\s+)command:/u.exec(l);
    const rest = m ? lineRest(l.slice(m[0].length)) : undefined;
    if (!m || rest === undefined) continue;
    const indent = m[1]!.length;
    const value = rest.replace(/(?<!\s)\s+#[^]*$/u, '');
    if (value.startsWith('[')) {
      for (const item of value.replace(/^\[|\]$/gu, '').split(','))
        if (item.trim()) commands.push({ text: unquote(item.trim()), line: i + 1 });
    } else if (value !== '') {
      commands.push({ text: unquote(value), line: i + 1 });
    } else {
      for (let k = i + 1; k < lines.length; k++) {
        const item = /^(\s*)-(?=\s)/u.exec(lines[k]!);
        const text = item ? lineRest(lines[k]!.slice(item[0].length)) : undefined;
        if (item && text !== undefined && item[1]!.length >= indent)
          commands.push({ text: unquote(text), line: k + 1 });
        else if (lines[k]!.trim() !== '' && !lines[k]!.trim().startsWith('#')) break;
      }
    }
    break;
  }
  return { file, commands };
}

function unquote(s: string): string {
  return /^(["']).*\1$/u.test(s) ? s.slice(1, -1) : s;
}

/**
 * A line's rest without surrounding blanks; undefined when a line break is left inside it (a lone CR).
 * What `\s*(.*?)\s*$` captures, without that pattern's quadratic retries on a run of blanks.
 */
function lineRest(rest: string): string | undefined {
  const t = rest.trim();
  return /[\n\r\u2028\u2029]/u.test(t) ? undefined : t;
}
