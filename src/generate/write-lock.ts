import { closeSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { WriteError } from '../errors/errors.js';

const LOCK = '.alembic-preflight.lock';
/** The temporaries writeChanges makes (`.NAME.8hex.tmp`, `NAME.8hex.restore`): left only by a run that was killed. */
const OUR_TEMP = /^(\..+\.[0-9a-f]{8}\.tmp|.+\.[0-9a-f]{8}\.restore)$/u;

/**
 * One `backfill --write` at a time in a version folder: a second run would plan against files the first is
 * changing, and the two could leave two heads while each says OK. The lock holds the holder's pid; a lock
 * whose process is gone (a killed run) is taken over, and the temporaries it left are removed.
 */
export function acquireWriteLock(folder: string, folders: readonly string[]): { release(): void } {
  const file = path.join(folder, LOCK);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw cannotWrite(e, folder);
      const holder = Number(readText(file)?.trim());
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
        throw new WriteError(`Another alembic-preflight backfill --write (process ${holder}) is writing in ${folder}; nothing was written.`, {
          hint: `Wait for it to finish, then run backfill again (it reads the files anew). If no such run exists, remove ${path.join(folder, LOCK)}.`,
        });
      }
      tryUnlink(file);
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    for (const f of folders) removeTemporaries(f);
    return { release: () => (readText(file)?.trim() === String(process.pid) ? tryUnlink(file) : undefined) };
  }
  throw new WriteError(`Could not take the write lock ${file}; nothing was written.`, { hint: 'Run backfill again.' });
}

/** A failure of the file system, as the error the user can act on. */
export function cannotWrite(e: unknown, where: string): WriteError {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied' : err.code === 'EROFS' ? 'the file system is read-only' : err.code === 'ENOSPC' ? 'the disk is full' : (err.message ?? String(e));
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
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
