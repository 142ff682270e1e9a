import path from 'node:path';
import type { AlembicFeatures } from './alembic-version.js';

// Path lists as Alembic splits them (version_locations, prepend_sys_path), per version.

/**
 * An ini path list as Alembic splits it when no path_separator is set: on commas and spaces, and for
 * prepend_sys_path also on ':' (its old os.pathsep-like reading).
 */
export function splitLegacyPathList(value: string, isPrepend: boolean): string[] {
  return value.split(isPrepend ? /, *| +|:/ : /, *| +/);
}

/** The character a path_separator (or version_path_separator) value names; undefined when Alembic refuses it. */
export function separatorChar(value: string, newlineOk: boolean): string | undefined {
  const table: Record<string, string> = { space: ' ', os: path.delimiter, ':': ':', ';': ';' };
  if (newlineOk) table.newline = '\n';
  return Object.hasOwn(table, value) ? table[value] : undefined;
}

/** A path list split on a named separator as Alembic does: empty items go before stripping, so " " survives as "". */
export function splitOnSeparator(value: string, sep: string, strip: boolean): string[] {
  return value
    .split(sep)
    .filter((x) => x !== '')
    .map((x) => (strip ? x.trim() : x));
}

/**
 * prepend_sys_path as Alembic of these features splits it, given the section's path_separator
 * (which it reads from 1.16 on); undefined for a separator it refuses.
 */
export function splitPrependSysPath(
  value: string,
  pathSeparator: string | undefined,
  f: AlembicFeatures,
): string[] | undefined {
  if (!f.pyproject || pathSeparator === undefined) return splitLegacyPathList(value, true);
  const sep = separatorChar(pathSeparator, true);
  return sep === undefined ? undefined : splitOnSeparator(value, sep, true);
}
