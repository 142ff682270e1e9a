import path from 'node:path';
import { ConfigError } from '../../errors/errors.js';
import { envVersionLocations, type EnvVersionLocations } from '../env/env-version-locations.js';
import type { ConfigSource } from './config-source.js';
import type { ProjectConfig, VersionLocation } from './config-types.js';

/** The dialects an env.py may choose folders for, by SQLAlchemy's names. */
const DIALECTS = ['postgresql', 'mysql', 'mariadb', 'sqlite', 'mssql', 'oracle'] as const;

/**
 * The version locations env.py sets at run time, which `upgrade` reads in place of the ini's; undefined
 * where it sets none. The dialect is the run's URL's, else the ini's sqlalchemy.url's; with neither, an
 * env.py that chooses by dialect is read for every dialect, and where they all choose the same folders
 * those are read. A form that cannot be read, or a choice that depends on a dialect not known here, stops
 * the run: which revisions exist is not guessed.
 */
export function envLocations(
  src: ConfigSource,
  scriptDir: string,
): Pick<ProjectConfig, 'versionLocations' | 'usesDefaultVersions' | 'versionLocationsFrom'> | undefined {
  const envFile = path.join(scriptDir, 'env.py');
  const text = src.files.text(envFile);
  if (text === undefined) return undefined;
  const dialect = src.opts.dialect ?? urlDialect(src.get('sqlalchemy.url')?.value);
  const read = (d: string | undefined): EnvVersionLocations | undefined => {
    const set = envVersionLocations(text, { envFile, cwd: src.cwd, dialect: d });
    // an empty list: Alembic reads the script folder's versions/ again
    return set?.kind === 'set' && set.entries.length === 0 ? undefined : set;
  };
  let set = read(dialect);
  const shown = path.relative(src.cwd, envFile);
  if (set?.kind === 'unknown' && dialect === undefined) {
    const each = DIALECTS.map((d) => [d, read(d)] as const);
    if (each.every(([, s]) => s?.kind !== 'unknown')) {
      const choices = new Map<string, string[]>();
      for (const [d, s] of each) {
        const key = s?.kind === 'set' ? s.entries.join(' ') : '';
        choices.set(key, [...(choices.get(key) ?? []), d]);
      }
      if (choices.size === 1) set = each[0]![1];
      else throw byDialect(src, shown, set.line, choices);
    }
  }
  if (set === undefined) return undefined;
  if (set.kind === 'unknown')
    throw new ConfigError(
      `${shown}:${set.line} sets version_locations at run time, and ${set.why}: which folders Alembic reads cannot be known.`,
      {
        hint: 'Name the folders `alembic upgrade` reads: --versions FOLDER [FOLDER …] (relative to this folder).',
        path: shown,
        line: set.line,
      },
    );
  const versionLocations = set.entries.map((entry): VersionLocation => {
    const absPath = path.resolve(src.cwd, entry);
    return { configured: entry, absPath, exists: src.exists(absPath) };
  });
  return {
    versionLocations,
    usesDefaultVersions: false,
    versionLocationsFrom: { path: shown, line: set.line },
  };
}

/** env.py chooses other folders for other dialects, and the database's is not known: one command per choice. */
function byDialect(
  src: ConfigSource,
  shown: string,
  line: number,
  choices: ReadonlyMap<string, readonly string[]>,
): ConfigError {
  const commands = [...choices].map(([entries, dialects]) => {
    const folders =
      entries === ''
        ? ['(the ini’s)']
        : entries.split(' ').map((e) => path.relative(src.cwd, path.resolve(src.cwd, e)) || '.');
    const flag = entries === '' ? 'without --versions' : `--versions ${folders.join(' ')}`;
    return `${dialects.join(', ')}: ${flag}`;
  });
  return new ConfigError(
    `${shown}:${line} chooses the version locations by the database's dialect, which is not known here (no database URL, and the ini's sqlalchemy.url names none).`,
    {
      hint: `Check each choice as a project of its own, or give the database URL: ${commands.join('; ')}.`,
      path: shown,
      line,
    },
  );
}

/** SQLAlchemy's dialect name for a URL's scheme; undefined for a placeholder or an interpolation. */
export function urlDialect(url: unknown): string | undefined {
  const scheme = typeof url === 'string' ? /^([a-z]+)(?:\+\w+)?:\/\//u.exec(url.trim())?.[1] : undefined;
  if (scheme === 'postgres') return 'postgresql';
  return scheme !== undefined && (DIALECTS as readonly string[]).includes(scheme) ? scheme : undefined;
}
