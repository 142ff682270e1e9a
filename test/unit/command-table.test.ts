import { readFileSync } from 'node:fs';
import path from 'node:path';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../src/commands/command-names.js';
import { COMMAND_TABLE } from '../../src/cli/command-table.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const CLI_DOC = readFileSync(path.join(REPO, 'docs/cli.md'), 'utf8');

/** The flags a command declares, as its builder hands them to yargs, each with the ways it may be written. */
function flagsOf(spec: (typeof COMMAND_TABLE)[number]): string[][] {
  const y = spec.options(yargs([]));
  const { key, alias, choices } = (y as unknown as { getOptions(): unknown }).getOptions() as {
    key: Record<string, boolean>;
    alias: Record<string, string[]>;
    choices: Record<string, string[]>;
  };
  const aliases = new Set(Object.values(alias).flat());
  return (
    Object.keys(key)
      .filter((k) => k !== 'help' && k !== 'version' && k !== '$0' && !aliases.has(k))
      // a positional is written in capitals in the synopsis: [FILE|-], CODE, record
      .map((k) => [
        `--${k}`,
        `--no-${k}`,
        `[${k.toUpperCase()}`,
        ` ${k.toUpperCase()}`,
        ...(alias[k] ?? []).map((a) => `-${a}`),
        ...(choices[k] ?? []).map((c) => `${spec.name} ${c}`),
      ])
  );
}

describe('the command table', () => {
  it('holds every command the loader knows, in the order help lists them, each named by its own word', () => {
    expect(COMMAND_TABLE.map((c) => c.name)).toEqual([...COMMAND_NAMES]);
    for (const spec of COMMAND_TABLE) expect(spec.command.split(' ')[0]).toBe(spec.name);
    // the bin's loader tells release from the rest by the same list, not a copy of it
    expect(readFileSync(path.join(REPO, 'src/cli-loader.ts'), 'utf8')).toContain(
      'new Set<string>(COMMAND_NAMES)',
    );
  });

  it('gives every command its help: a usage line, examples and exit codes', () => {
    for (const spec of COMMAND_TABLE) {
      expect(spec.usage, spec.name).toMatch(new RegExp(`^\\$0 ${spec.name}\\b`, 'u'));
      expect(spec.examples.length, spec.name).toBeGreaterThan(0);
      expect(spec.exitCodes, spec.name).toMatch(/^Exit codes:/u);
    }
  });

  it('docs/cli.md has a section for each command, and names every flag the command declares', () => {
    for (const spec of COMMAND_TABLE) {
      const start = CLI_DOC.search(new RegExp(`^## \`${spec.name}\\b`, 'mu'));
      expect(start, spec.name).toBeGreaterThanOrEqual(0);
      const missing = flagsOf(spec).filter((forms) => !forms.some((f) => CLI_DOC.includes(f)));
      expect(missing, spec.name).toEqual([]);
    }
  });
});
