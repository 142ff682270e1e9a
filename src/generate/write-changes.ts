import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { fsPath } from '../alembic/fs-path.js';

export interface FileChange {
  readonly absPath: string;
  /** null: a new file, which must not exist. Otherwise the exact bytes we planned against. */
  readonly before: Buffer | null;
  readonly after: Buffer;
}

export class WriteConflict extends Error {
  constructor(
    message: string,
    readonly absPath: string,
  ) {
    super(message);
  }
}

/**
 * Applies every change or none. New files are linked into place (so an
 * existing file is never replaced); edited files are replaced by rename only
 * if they still hold the bytes we planned against. On any failure the tree is
 * put back as it was. Returns an undo function for a later failed proof.
 */
export function writeChanges(changes: readonly FileChange[]): () => void {
  const temps: string[] = [];
  const done: (() => void)[] = [];
  const undo = (): void => {
    for (const u of done.reverse()) {
      try {
        u();
      } catch {
        // best effort: keep undoing the rest
      }
    }
    done.length = 0;
  };
  try {
    const staged = changes.map((c) => {
      const tmp = path.join(path.dirname(c.absPath), `.${path.basename(c.absPath)}.${randomBytes(4).toString('hex')}.tmp`);
      if (c.before === null) mkdirSync(path.dirname(c.absPath), { recursive: true });
      writeDurably(tmp, c.after, c.before === null ? undefined : statSync(fsPath(c.absPath)).mode);
      temps.push(tmp);
      return { ...c, tmp };
    });
    for (const c of staged) {
      if (c.before === null) {
        try {
          linkSync(fsPath(c.tmp), fsPath(c.absPath));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new WriteConflict(`${c.absPath} already exists; it was not overwritten`, c.absPath);
          throw e;
        }
        unlinkSync(fsPath(c.tmp));
        done.push(() => unlinkSync(fsPath(c.absPath)));
      } else {
        const now = readFileSync(fsPath(c.absPath));
        if (!now.equals(c.before)) throw new WriteConflict(`${c.absPath} changed while we were planning; nothing was written`, c.absPath);
        renameSync(fsPath(c.tmp), fsPath(c.absPath));
        const original = c.before;
        done.push(() => writeBack(c.absPath, original));
      }
    }
    return undo;
  } catch (e) {
    undo();
    throw e;
  } finally {
    for (const t of temps) {
      try {
        unlinkSync(fsPath(t));
      } catch {
        // already moved into place
      }
    }
  }
}

function writeDurably(file: string, data: Buffer, mode?: number): void {
  const fd = openSync(fsPath(file), 'wx', 0o644);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (mode !== undefined) chmodSync(fsPath(file), mode & 0o7777);
}

function writeBack(file: string, data: Buffer): void {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.restore`;
  writeDurably(tmp, data, statSync(fsPath(file)).mode);
  renameSync(fsPath(tmp), fsPath(file));
}
