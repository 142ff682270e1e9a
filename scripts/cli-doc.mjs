#!/usr/bin/env node
// docs/cli.md's flag reference, generated from the command table: each command's `--help`, as the
// built CLI prints it off a terminal (80 columns), between the markers under its heading.
//   node scripts/cli-doc.mjs          rewrite the blocks in docs/cli.md (npm run docs:cli)
//   node scripts/cli-doc.mjs --check  exit 1 when a block is not what the table gives
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DOC = path.join(REPO, 'docs', 'cli.md');
const BEGIN = (name) =>
  `<!-- help: ${name} (generated from the command table by npm run docs:cli; edit src/commands/${name}/${name}.ts) -->`;
const END = '<!-- /help -->';

/** docs/cli.md with each command's block replaced by `helpOf(name)`; throws when a command has no block. */
export function renderCliDoc(doc, names, helpOf) {
  let out = doc;
  for (const name of names) {
    const begin = BEGIN(name);
    const start = out.indexOf(begin);
    const end = start < 0 ? -1 : out.indexOf(END, start);
    if (start < 0 || end < 0)
      throw new Error(`docs/cli.md has no block for ${name}: put ${begin} and ${END} under its heading`);
    const help = helpOf(name).replace(/\s+$/u, '');
    out = `${out.slice(0, start)}${begin}\n\`\`\`text\n${help}\n\`\`\`\n${out.slice(end)}`;
  }
  return out;
}

/** `alembic-preflight NAME --help` from the built CLI, off a terminal. */
export function helpOf(name) {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'alembic-preflight.js'), name, '--help'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  if (r.status !== 0) throw new Error(`${name} --help exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { COMMAND_NAMES } = await import(path.join(REPO, 'dist', 'commands', 'command-names.js'));
  const doc = readFileSync(DOC, 'utf8');
  const next = renderCliDoc(doc, COMMAND_NAMES, helpOf);
  if (process.argv.includes('--check')) {
    if (next !== doc) {
      process.stderr.write('docs/cli.md is not what the command table gives: run npm run docs:cli\n');
      process.exit(1);
    }
  } else if (next !== doc) {
    writeFileSync(`${DOC}.tmp`, next);
    renameSync(`${DOC}.tmp`, DOC);
    process.stdout.write('docs/cli.md: flag reference regenerated\n');
  }
}
