import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN } from './cli.js';
import { PYTHON, REPO } from './oracle.js';

/** The Procfile's release line, exactly as Heroku runs it. */
export const RELEASE_LINE = /^release:\s*(.+)$/mu.exec(
  readFileSync(path.join(REPO, 'Procfile'), 'utf8'),
)![1]!;
/** The example app's version folder, inside a slug. */
export const VERSIONS = 'examples/heroku-app/migrations/versions';

export interface Slug {
  readonly dir: string;
  /** Where the counted `alembic` writes a line each time it starts. */
  readonly marker: string;
}

/**
 * A slug of the example app, as Heroku unpacks it: the Procfile, node_modules/.bin linked as npm
 * would, `alembic` on PATH in `.bin` (Debian's, each start counted), and `extra` migrations added.
 */
export function exampleSlug(prefix: string, extra: Record<string, string> = {}): Slug {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  cpSync(path.join(REPO, 'examples'), path.join(dir, 'examples'), { recursive: true });
  cpSync(path.join(REPO, 'Procfile'), path.join(dir, 'Procfile'));
  mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(BIN, path.join(dir, 'node_modules', '.bin', 'alembic-preflight'));
  mkdirSync(path.join(dir, '.bin'));
  const marker = path.join(dir, 'alembic-starts');
  writeFileSync(
    path.join(dir, '.bin', 'alembic'),
    `#!/bin/sh\necho "$@" >> '${marker}'\nexec ${PYTHON} -m alembic "$@"\n`,
  );
  chmodSync(path.join(dir, '.bin', 'alembic'), 0o755);
  for (const [file, body] of Object.entries(extra)) writeFileSync(path.join(dir, VERSIONS, file), body);
  return { dir, marker };
}

/** How many times the slug's `alembic` was started. */
export function alembicStarts(marker: string): number {
  return existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n').length : 0;
}
