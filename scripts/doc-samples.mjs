#!/usr/bin/env node
// The sample outputs in README.md, made by running the built CLI on the bundled example (SQLite), so
// that what the README shows is what the tool prints. Each sample sits between its markers; its
// duration is normalised (it varies from run to run).
//   node scripts/doc-samples.mjs          rewrite the samples (npm run docs:samples)
//   node scripts/doc-samples.mjs --check  exit 1 when a sample is not what the tool prints
import { closeSync, cpSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { migrateAndStamp } from './demo-schema.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Each sample: the document it is in, and the command it is the output of. */
export const SAMPLES = [
  {
    doc: 'README.md',
    name: 'release-incident',
    what: "`release` on the incident's database (the example, stamped guest_lockout_001), as the release log shows it",
    args: ['release'],
  },
];

const BEGIN = (name) => `<!-- sample: ${name} (made by npm run docs:samples) -->`;
const END = '<!-- /sample -->';

/** `doc` with each of its samples' blocks replaced by `outputOf(sample)`; throws when a block is missing. */
export function renderSamples(doc, samples, outputOf) {
  let out = doc;
  for (const sample of samples) {
    const begin = BEGIN(sample.name);
    const start = out.indexOf(begin);
    const end = start < 0 ? -1 : out.indexOf(END, start);
    if (start < 0 || end < 0)
      throw new Error(`${sample.doc} has no block for ${sample.name}: put ${begin} and ${END} where it goes`);
    const text = outputOf(sample).replace(/\s+$/u, '');
    out = `${out.slice(0, start)}${begin}\n\`\`\`text\n${text}\n\`\`\`\n${out.slice(end)}`;
  }
  return out;
}

/**
 * What the command prints on the example with the incident's database (what 1f2a3b4c5d6e creates, then
 * the one row guest_lockout_001): stdout and stderr in one stream, as Heroku's release log shows them.
 */
export function sampleOutput(sample) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'preflight-sample-'));
  try {
    cpSync(path.join(REPO, 'examples', 'heroku-app'), dir, { recursive: true });
    const db = new Database(path.join(dir, 'app.db'));
    try {
      migrateAndStamp(db, '1f2a3b4c5d6e', ['guest_lockout_001']);
    } finally {
      db.close();
    }
    const log = path.join(dir, 'merged.log');
    const fd = openSync(log, 'w');
    try {
      spawnSync(process.execPath, [path.join(REPO, 'bin', 'alembic-preflight.js'), ...sample.args], {
        cwd: dir,
        stdio: ['ignore', fd, fd],
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: 'sqlite:///app.db',
          ALEMBIC_PREFLIGHT_CACHE: 'off',
        },
      });
    } finally {
      closeSync(fd);
    }
    return readFileSync(log, 'utf8').replace(/\(\d+\.\d s, exit (\d+)\)/gu, '(0.1 s, exit $1)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const docName of [...new Set(SAMPLES.map((s) => s.doc))]) {
    const file = path.join(REPO, docName);
    const doc = readFileSync(file, 'utf8');
    const made = renderSamples(
      doc,
      SAMPLES.filter((s) => s.doc === docName),
      sampleOutput,
    );
    if (made === doc) continue;
    stale++;
    if (check) process.stderr.write(`${docName}: a sample is stale; run npm run docs:samples\n`);
    else writeFileSync(file, made);
  }
  process.exit(check && stale > 0 ? 1 : 0);
}
