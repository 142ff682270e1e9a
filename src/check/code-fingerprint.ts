import { revisionText, type ProjectModel } from '../alembic/loading/project-model.js';
import { sha256Hex } from '../project/sha256.js';

/**
 * The code a fleet was verified against, as one hash: every revision file (its path and its text, in
 * the order of their paths), the upgrade target and the Alembic the model follows. Shards verified by
 * different code (one job deployed before another) must not be merged into one verdict.
 */
export function codeFingerprint(model: ProjectModel, target: string): string {
  const files = model.map.all
    .map((r) => ({ path: r.file.path, text: revisionText(model, r.file.absPath) ?? '' }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const parts = [`target ${target}`, `alembic ${model.alembicVersion.label}`];
  for (const f of files) parts.push(`${f.path}\u0000${f.text}`);
  return `sha256:${sha256Hex(Buffer.from(parts.join('\u0001'), 'utf8'))}`;
}
