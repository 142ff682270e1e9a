import path from 'node:path';
import type { Entry, ProjectFiles } from '../../src/project/project-files.js';

/**
 * Files held in memory, keyed by absolute path: what the code above the project layer sees in a test
 * that touches no disk. Like the disk's reader, a file's bytes are read once and kept, and a revision
 * file's source is read afresh each time; `reads` counts the reads.
 */
export function memoryFiles(
  tree: Record<string, string>,
): ProjectFiles & { readonly reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const count = (abs: string): void => {
    reads.set(abs, (reads.get(abs) ?? 0) + 1);
  };
  const kept = new Map<string, Buffer | undefined>();
  const entries = (abs: string): Entry[] | undefined => {
    const prefix = abs.endsWith('/') ? abs : `${abs}/`;
    const names = new Map<string, boolean>();
    for (const p of Object.keys(tree)) {
      if (!p.startsWith(prefix)) continue;
      const [name, ...rest] = p.slice(prefix.length).split('/');
      names.set(name!, rest.length > 0 || names.get(name!) === true);
    }
    return names.size === 0 ? undefined : [...names].map(([name, dir]) => ({ name, dir, file: !dir }));
  };
  const kind = (abs: string): 'file' | 'dir' | undefined =>
    abs in tree ? 'file' : entries(abs) ? 'dir' : undefined;
  const read = (abs: string): Buffer | undefined => {
    count(abs);
    return abs in tree ? Buffer.from(tree[abs]!) : undefined;
  };
  const bytes = (abs: string): Buffer | undefined => {
    if (!kept.has(abs)) kept.set(abs, read(abs));
    return kept.get(abs);
  };
  return {
    reads,
    text: (abs) => bytes(abs)?.toString('utf8'),
    bytes,
    readError: (abs) => (abs in tree ? undefined : kind(abs) === 'dir' ? 'EISDIR' : 'ENOENT'),
    source: (abs) => read(abs) ?? { error: `ImportError: Can't find Python file ${abs}` },
    exists: (abs) => kind(abs) !== undefined,
    kind,
    size: (abs) => (abs in tree ? Buffer.byteLength(tree[abs]!) : undefined),
    realpath: (abs) => (kind(abs) ? abs : undefined),
    resolve: (abs) => path.resolve(abs),
    entries,
    listdir: (abs) => (entries(abs) ?? []).map((e) => e.name),
    git: () => null,
  };
}
