/**
 * Alembic behaviour that changed between releases. We model the newest release
 * by default; `--alembic-version` (or a pin found in requirements files) selects
 * older behaviour where it differs (reference §7).
 */
export interface AlembicVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly label: string;
  /** Where the version came from (`poetry.lock`, `--alembic-version`), for the report's header; absent: the newest, by default. */
  readonly source?: string;
}

/** The newest release whose behaviour this build reproduces. */
export const LATEST_ALEMBIC: AlembicVersion = { major: 1, minor: 19, patch: 2, label: '1.19.2' };

export function parseAlembicVersion(text: string): AlembicVersion | null {
  if (text === 'latest') return LATEST_ALEMBIC;
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!m) return null;
  const v = { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
  return { ...v, label: `${v.major}.${v.minor}.${v.patch}` };
}

export function atLeast(v: AlembicVersion, major: number, minor: number, patch = 0): boolean {
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  return v.patch >= patch;
}

/** Feature switches, each named after what it changes. */
export function featuresOf(v: AlembicVersion) {
  return {
    /** 1.10: sorted walk, files only, optional recursion, missing versions/ is empty. */
    sortedWalk: atLeast(v, 1, 10),
    recursiveVersionLocations: atLeast(v, 1, 10),
    /** 1.12.1: `down_revision = ''` stays '' (a KeyError) instead of meaning base. */
    emptyStringDownRevisionIsKey: atLeast(v, 1, 12, 1),
    /** 1.13.1: a downgrade through a merge leaves out a down revision another one already implies. */
    unmergeDropsAncestors: atLeast(v, 1, 13, 1),
    /** 1.13.3: version_path_separator accepts newline and strips items. */
    versionPathSeparatorNewline: atLeast(v, 1, 13, 3),
    /** 1.16: path_separator, pyproject.toml, new config errors, empty script_location = CWD. */
    pyproject: atLeast(v, 1, 16),
    /** 1.17.1: ':' is illegal in revision ids. */
    colonIllegal: atLeast(v, 1, 17, 1),
  };
}

export type AlembicFeatures = ReturnType<typeof featuresOf>;
