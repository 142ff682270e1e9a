import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { REPO } from '../helpers/oracle.js';
import { makeProject, rev } from '../helpers/project.js';
import { COMMAND_NAMES } from '../../src/cli/command-names.js';
import { renderCliDoc } from '../../scripts/cli-doc.mjs';

const COMMANDS = {
  check: 'alembic-preflight check [options]',
  verify: 'alembic-preflight verify [options]',
  backfill: 'alembic-preflight backfill [options]',
  'scan-logs': 'alembic-preflight scan-logs [file] [options]',
  restamp: 'alembic-preflight restamp --from OLD --to NEW [options]',
  release: 'alembic-preflight release [options] [-- COMMAND…]',
};

/** Every word of the option descriptions, as written in src/cli.ts: a help wrapped mid-word loses some. */
const WORDS = [
  '$ALEMBIC_CONFIG',
  'requirements.txt',
  'version_locations',
  'recursive_version_locations',
  'FORCE_COLOR',
];

describe('--help a person can read', () => {
  for (const [command, usage] of Object.entries(COMMANDS)) {
    it(`${command}: its real usage line, examples and exit codes, wrapped at word boundaries to 80 columns off a terminal`, () => {
      const r = runCli(REPO, [command, '--help']);
      expect(r.status).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toBe(usage);
      expect(lines.filter((l) => l.length > 80)).toEqual([]);
      const examples = r.stdout.slice(r.stdout.indexOf('Examples:'), r.stdout.indexOf('Exit codes:'));
      expect(examples.match(/^ {2}alembic-preflight /gmu)?.length ?? 0).toBeGreaterThanOrEqual(2);
      expect(r.stdout).toMatch(
        /Exit codes:\n {2}0 {2}.+\n {2}1 {2}.+\n {2}2 {2}usage or configuration error/u,
      );
      const text = r.stdout.replace(/\s+/gu, ' ');
      if (command !== 'scan-logs') for (const word of WORDS) expect(text, word).toContain(word);
    });
  }

  it('on a terminal, help fills its width', () => {
    const r = spawnSync(
      'script',
      ['-qc', `stty cols 140; ${process.execPath} ${BIN} check --help`, '/dev/null'],
      { encoding: 'utf8' },
    );
    const lines = r.stdout.replace(/\r/gu, '').split('\n');
    const widest = Math.max(...lines.map((l) => l.length));
    expect(widest).toBeGreaterThan(100);
    expect(widest).toBeLessThanOrEqual(140);
    expect(lines).toContain(
      'Read the Alembic configuration and revision files statically and report what would make Alembic fail.',
    );
  });

  it('the main help lists examples and every exit code', () => {
    const r = runCli(REPO, ['--help']);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout.replace(/\s+/gu, ' ')).toMatch(
      /Exit codes: 0 fine, 1 blocking findings, 2 usage or configuration error, 3 database error/u,
    );
  });
});

describe('flags docs/cli.md gives a command are accepted by it', () => {
  it('verify, release, backfill and restamp take --no-lint (they never lint); --lint is refused with the way to lint', () => {
    const root = makeProject({ 'migrations/versions/a1_x.py': rev('a1', null) });
    for (const command of [['verify'], ['release'], ['backfill'], ['restamp', '--from', 'x', '--to', 'a1']]) {
      const ok = runCli(root, [...command, '--no-lint', '--database-url', 'sqlite:///missing.db']);
      // the flag is taken: the run gets as far as the database, which does not exist
      expect(ok.stderr, command.join(' ')).toContain('does not exist');
      expect(ok.status).toBe(3);
      const refused = runCli(root, [...command, '--lint', '--database-url', 'sqlite:///missing.db']);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain('only `check` runs');
    }
  });
});

describe('docs/cli.md, generated from the command table', () => {
  const doc = readFileSync(path.join(REPO, 'docs', 'cli.md'), 'utf8');

  it("holds each command's --help exactly as the built CLI prints it (npm run docs:cli writes it)", () => {
    expect(renderCliDoc(doc, COMMAND_NAMES, (name) => runCli(REPO, [name, '--help']).stdout)).toBe(doc);
  });

  it('a help that changes makes the page stale, and a command without its block is an error', () => {
    const stale = renderCliDoc(doc, COMMAND_NAMES, (name) =>
      name === 'graph' ? 'alembic-preflight graph [options]\n' : runCli(REPO, [name, '--help']).stdout,
    );
    expect(stale).not.toBe(doc);
    expect(stale).toContain('```text\nalembic-preflight graph [options]\n```');
    expect(() =>
      renderCliDoc(doc.replace(/<!-- help: explain [^\n]*\n/u, ''), COMMAND_NAMES, () => ''),
    ).toThrow(/no block for explain/u);
  });
});
