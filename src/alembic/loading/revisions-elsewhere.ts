import path from 'node:path';
import type { ProjectConfig } from '../config/alembic-config.js';

/** Folders a walk of the project skips: installed packages, caches, tooling, and anything hidden. */
const SKIPPED = new Set([
  'node_modules',
  'site-packages',
  'dist-packages',
  '__pycache__',
  'venv',
  'env',
  'build',
  'dist',
]);
/** How deep below the project's folder, and how many Python files at most, the walk reads. */
const MAX_DEPTH = 5;
const MAX_FILES = 3000;

/**
 * The folders below the project's that hold revision files (a `.py` file that assigns `revision` and
 * `down_revision` at the start of a line), when the configured version locations hold none: env.py
 * may set version_locations at run time, or the ini names the wrong folder. Read only then, and
 * bounded (depth, files).
 */
export function revisionFoldersElsewhere(config: ProjectConfig): string[] {
  const files = config.files;
  const configured = new Set(config.versionLocations.map((l) => l.absPath));
  const found = new Set<string>();
  let read = 0;
  const walk = (dir: string, depth: number): void => {
    for (const e of files.entries(dir) ?? []) {
      if (read >= MAX_FILES) return;
      const abs = path.join(dir, e.name);
      if (e.dir) {
        if (depth < MAX_DEPTH && !e.name.startsWith('.') && !SKIPPED.has(e.name)) walk(abs, depth + 1);
      } else if (e.file && e.name.endsWith('.py') && !configured.has(dir) && !found.has(dir)) {
        read++;
        if (looksLikeRevision(files.text(abs))) found.add(dir);
      }
    }
  };
  walk(config.cwd, 0);
  return [...found].map((d) => path.relative(config.cwd, d) || '.').sort();
}

/** Module-level `revision = …` and `down_revision = …` (annotated or not), as Alembic's template writes them. */
function looksLikeRevision(text: string | undefined): boolean {
  if (text === undefined) return false;
  const lines = text.split('\n');
  const assigns = (name: string): boolean =>
    lines.some((l) => l.startsWith(name) && /^\s*(?::[^=]*)?=/u.test(l.slice(name.length)));
  return assigns('revision') && assigns('down_revision');
}
