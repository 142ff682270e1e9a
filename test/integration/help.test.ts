import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { REPO } from '../helpers/oracle.js';
import { makeProject, rev } from '../helpers/project.js';
import { COMMAND_NAMES } from '../../src/commands/command-names.js';
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

  it('the main help gives every exit code, and each command its own', () => {
    const r = runCli(REPO, ['--help']);
    expect(r.stdout.replace(/\s+/gu, ' ')).toContain(
      'Exit codes: 0 fine, 1 blocked, 2 usage or configuration, 3 database; release adds 4, 5, 130 and 143',
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

describe('the top-level help: one short line per command, grouped', () => {
  it('lists every command once, under guard a release, inspect or repair, within 80 columns', () => {
    const r = runCli(REPO, ['--help']);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => l.length > 80)).toEqual([]);
    const groups = ['Guard a release:', 'Inspect:', 'Repair:'].map((g) => lines.indexOf(g));
    expect(groups.every((at, i) => at > 0 && (i === 0 || at > groups[i - 1]!))).toBe(true);
    const listed = lines
      .flatMap((l) => /^ {2}([a-z-]+) +\S/u.exec(l)?.[1] ?? [])
      .filter((w) => (COMMAND_NAMES as readonly string[]).includes(w));
    expect([...listed].sort()).toEqual([...COMMAND_NAMES].sort());
    // each command's own help keeps the long summary
    expect(runCli(REPO, ['verify', '--help']).stdout).toContain(
      'Read the live version table (read-only) and predict whether',
    );
  });
});

describe('flags say what they do', () => {
  /** Every `[choices: …]` of a command's help, as lists (a list may wrap over lines). */
  const choices = (help: string): string[][] =>
    [...help.replace(/\s+/gu, ' ').matchAll(/\[choices: ([^\]]+)\]/gu)].map((m) =>
      [...m[1]!.matchAll(/"([^"]+)"/gu)].map((x) => x[1]!),
    );

  it('no choices list of any command repeats a value', () => {
    for (const command of COMMAND_NAMES) {
      const lists = choices(runCli(REPO, [command, '--help']).stdout);
      for (const list of lists)
        expect(new Set(list).size, `${command}: ${list.join(', ')}`).toBe(list.length);
    }
  });

  it('each format a command accepts renders something of its own; one it does not render is refused, naming those it has', () => {
    const root = makeProject({
      'migrations/versions/a1_x.py': rev('a1', null),
      'migrations/versions/b2_x.py': rev('b2', 'a1'),
    });
    for (const command of ['check', 'graph']) {
      const formats = choices(runCli(root, [command, '--help']).stdout).find(
        (l) => l.includes('text') && !l.includes('logfmt'),
      )!;
      const outputs = new Map<string, string>();
      for (const f of formats) {
        const r = runCli(root, [command, '--format', f]);
        expect(r.status, `${command} --format ${f}: ${r.stderr}`).toBe(0);
        outputs.set(f, r.stdout);
      }
      // `history` is `text` by name: exactly the lines `alembic history` prints
      const distinct = [...outputs.entries()].filter(([f]) => f !== 'history').map(([, out]) => out);
      expect(new Set(distinct).size, command).toBe(distinct.length);
      if (outputs.has('history')) expect(outputs.get('history')).toBe(outputs.get('text'));
    }
    const refused = runCli(root, ['graph', '--format', 'json']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('Given: "json", Choices: "mermaid", "dot", "text", "history"');
    const release = runCli(root, ['release', '--format', 'github']);
    expect(release.status).toBe(2);
    expect(release.stderr).toContain('Given: "github", Choices: "text", "json"');
  });
});
