// This repository is also the Heroku demo app that runs its own CLI from the
// Procfile as ./node_modules/.bin/alembic-preflight. npm links the bins of
// dependencies, not of the root package, so link ours (relative, idempotent).
import { mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binDir = path.join(root, 'node_modules', '.bin');
const link = path.join(binDir, 'alembic-preflight');
const target = path.join('..', '..', 'bin', 'alembic-preflight.js');
mkdirSync(binDir, { recursive: true });
let current;
try {
  current = readlinkSync(link);
} catch {
  current = undefined;
}
if (current !== target) {
  if (current !== undefined) unlinkSync(link);
  symlinkSync(target, link);
}
