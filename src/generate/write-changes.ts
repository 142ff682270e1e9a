import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { fsPath } from '../project/fs-path.js';
import { WriteError } from '../errors/errors.js';
import { processAlive } from '../project/programs.js';

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
export function writeChanges(changes: readonly FileChange[], command = 'backfill'): () => void {
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
    // new files first: a placeholder in place before any child names it, so a run killed between two
    // steps leaves a graph Alembic loads (at worst with a placeholder nobody revises yet)
    const ordered = [
      ...changes.filter((c) => c.before === null),
      ...changes.filter((c) => c.before !== null),
    ];
    const staged = ordered.map((c) => {
      const tmp = path.join(
        path.dirname(c.absPath),
        `.${path.basename(c.absPath)}.${randomBytes(4).toString('hex')}.tmp`,
      );
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
          if ((e as NodeJS.ErrnoException).code === 'EEXIST')
            throw new WriteConflict(`${c.absPath} already exists; it was not overwritten`, c.absPath);
          throw e;
        }
        unlinkSync(fsPath(c.tmp));
        const ours = c.after;
        // undo only what is still ours: someone else's bytes in its place are never removed
        done.push(() => (sameBytes(c.absPath, ours) ? unlinkSync(fsPath(c.absPath)) : undefined));
      } else {
        const now = readFileSync(fsPath(c.absPath));
        if (!now.equals(c.before))
          throw new WriteConflict(
            `${c.absPath} changed while we were planning; nothing was written`,
            c.absPath,
          );
        renameSync(fsPath(c.tmp), fsPath(c.absPath));
        const original = c.before;
        const ours = c.after;
        done.push(() => (sameBytes(c.absPath, ours) ? writeBack(c.absPath, original) : undefined));
      }
    }
    return undo;
  } catch (e) {
    undo();
    if (e instanceof WriteConflict)
      throw new WriteError(
        `${e.message}. Run ${command} again: it plans against the files as they are now.`,
        {
          hint: `Another process (an editor, a second ${command}, git) changed the files while this run planned.`,
        },
      );
    if ((e as NodeJS.ErrnoException).code) throw cannotWrite(e, path.dirname(changes[0]?.absPath ?? '.'));
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

function sameBytes(file: string, data: Buffer): boolean {
  try {
    return readFileSync(fsPath(file)).equals(data);
  } catch {
    return false;
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

// ---- the lock: one write at a time in a version folder

const LOCK = '.alembic-preflight.lock';
/** The temporaries writeChanges makes (`.NAME.8hex.tmp`, `NAME.8hex.restore`): left only by a run that was killed. */
const OUR_TEMP = /^(\..+\.[0-9a-f]{8}\.tmp|.+\.[0-9a-f]{8}\.restore)$/u;

/**
 * One `backfill --write` at a time in a version folder: a second run would plan against files the first is
 * changing, and the two could leave two heads while each says OK. The lock holds the holder's pid; a lock
 * whose process is gone (a killed run) is taken over, and the temporaries it left are removed.
 */
export function acquireWriteLock(
  folder: string,
  folders: readonly string[],
  command = 'backfill',
): { release(): void } {
  const file = path.join(folder, LOCK);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw cannotWrite(e, folder);
      const holder = Number(readText(file)?.trim());
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
        throw new WriteError(
          `Another alembic-preflight ${command} --write (process ${holder}) is writing in ${folder}; nothing was written.`,
          {
            hint: `Wait for it to finish, then run ${command} again (it reads the files anew). If no such run exists, remove ${path.join(folder, LOCK)}.`,
          },
        );
      }
      tryUnlink(file);
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    for (const f of folders) removeTemporaries(f);
    return { release: () => (readText(file)?.trim() === String(process.pid) ? tryUnlink(file) : undefined) };
  }
  throw new WriteError(`Could not take the write lock ${file}; nothing was written.`, {
    hint: 'Run backfill again.',
  });
}

/** A failure of the file system, as the error the user can act on. */
export function cannotWrite(e: unknown, where: string): WriteError {
  const err = e as NodeJS.ErrnoException;
  const why =
    err.code === 'EACCES' || err.code === 'EPERM'
      ? 'permission denied'
      : err.code === 'EROFS'
        ? 'the file system is read-only'
        : err.code === 'ENOSPC'
          ? 'the disk is full'
          : (err.message ?? String(e));
  return new WriteError(`Cannot write in ${where} (${err.code ?? 'error'}: ${why}); nothing was written.`, {
    hint: 'Run backfill --write where the migration files can be written (your checkout, not a deployed slug), or without --write to see the diff and apply it by hand.',
  });
}

function removeTemporaries(folder: string): void {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const n of names) if (OUR_TEMP.test(n)) tryUnlink(path.join(folder, n));
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function tryUnlink(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already
  }
}
