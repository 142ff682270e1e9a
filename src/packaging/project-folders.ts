import path from 'node:path';
import type { ProjectFiles } from '../project/project-files.js';

export { NOT_SOURCE_DIRS } from '../project/project-files.js';

/**
 * The folders whose project files (dependency lists, Procfile) describe the
 * project: the working folder and, inside a git repository, each folder above
 * it up to the repository's root (pgAdmin runs Alembic from web/, its
 * requirements.txt is one level up). Outside a repository, the working folder only.
 */
export function projectFolders(files: ProjectFiles, cwd: string): string[] {
  const chain = [cwd];
  for (let dir = cwd; chain.length <= 8;) {
    if (files.exists(path.join(dir, '.git'))) return chain;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
    chain.push(dir);
  }
  return [cwd];
}
