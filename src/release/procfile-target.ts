import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectFolders } from '../alembic/project-folders.js';

/** The upgrade target a Heroku release phase runs, and where that was read. */
export interface DeployTarget {
  readonly target: string;
  /** Relative to the working folder. */
  readonly path: string;
  readonly line: number;
}

const PROCESS = /^([A-Za-z0-9_-]+):\s*(.*)$/u;
const SHELL_SPLIT = /\s*(?:&&|\|\||;|\|)\s*/u;

/**
 * What `upgrade` the Procfile's `release:` line runs: `alembic … upgrade T`,
 * `python -m alembic … upgrade T`, `flask db upgrade [T]` or
 * `alembic-preflight release [--target T]`. Undefined when there is no such
 * line, when it runs a script we do not follow, when the target is not a
 * literal (a shell variable, a relative step) or when the line runs several
 * different targets: the caller then keeps its default instead of guessing.
 */
export function procfileTarget(cwd: string, iniPath?: string): DeployTarget | undefined {
  for (const dir of projectFolders(cwd)) {
    const file = path.join(dir, 'Procfile');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    // Heroku reads one Procfile, at the app root: the nearest one is it
    const lines = text.split(/\r?\n/u);
    for (const [i, raw] of lines.entries()) {
      const m = PROCESS.exec(raw.trim());
      if (!m || m[1] !== 'release') continue;
      const targets = new Set<string>();
      for (const cmd of m[2]!.split(SHELL_SPLIT)) {
        const words = cmd.trim().split(/\s+/u);
        const t = upgradeTarget(words);
        if (t === null) return undefined;
        if (t === undefined) continue;
        // a release that migrates another project's ini (-c other/alembic.ini) says nothing about this one
        const config = configOf(words);
        if (config !== undefined && path.resolve(dir, config) !== path.resolve(iniPath ?? path.join(cwd, 'alembic.ini'))) return undefined;
        targets.add(t);
      }
      if (targets.size !== 1) return undefined;
      return { target: [...targets][0]!, path: path.relative(cwd, file) || 'Procfile', line: i + 1 };
    }
    return undefined;
  }
  return undefined;
}

/** The target one command upgrades to; undefined when it is not a migration; null when it is one we cannot read. */
function upgradeTarget(words: readonly string[]): string | undefined | null {
  const at = (w: string) => words.findIndex((x) => x === w || x.endsWith(`/${w}`));
  const preflight = at('alembic-preflight');
  if (preflight >= 0 && words[preflight + 1] === 'release') {
    const i = words.findIndex((w, k) => k > preflight && (w === '--target' || w.startsWith('--target=')));
    if (i < 0) return 'head';
    return literal(words[i]!.includes('=') ? words[i]!.slice('--target='.length) : words[i + 1]);
  }
  const alembic = at('alembic');
  const flask = at('flask');
  const isFlask = flask >= 0 && words[flask + 1] === 'db';
  if (alembic < 0 && !isFlask) return undefined;
  const from = isFlask ? flask + 2 : alembic + 1;
  const up = words.findIndex((w, k) => k >= from && w === 'upgrade');
  if (up < 0) return undefined;
  // options of upgrade (--sql, --tag X, -x k=v) would shift the target: not followed
  const next = words[up + 1];
  if (next === undefined) return isFlask ? 'head' : null;
  if (next.startsWith('-')) return null;
  return literal(next);
}

/** The `-c FILE` / `--config FILE` / `--config=FILE` a migration command names, if any. */
function configOf(words: readonly string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-c' || w === '--config') return words[i + 1];
    if (w.startsWith('--config=')) return w.slice('--config='.length);
  }
  return undefined;
}

function literal(t: string | undefined): string | null {
  if (t === undefined || t === '') return null;
  // a variable, a quote or a relative step is decided at run time
  if (/[$`'"]/u.test(t) || /^(?:(.+?)@)?(\w+)?[+-]\d+/u.test(t)) return null;
  return t;
}
