import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type * as Yaml from 'yaml';
import { ConfigError } from '../errors/errors.js';
import { loadYaml } from './load-yaml.js';

/** A release command as a platform's file gives it, and the line it is written on. */
export interface PlatformCommand {
  readonly text: string;
  readonly line: number;
}

let yaml: typeof Yaml | undefined;

/** The YAML parser, loaded on the first YAML file read. */
function yamlParser(): typeof Yaml {
  return (yaml ??= loadYaml());
}

/**
 * The strings at `keys` of a TOML file (fly.toml's `deploy.release_command`, railway.toml's
 * `deploy.preDeployCommand`): one string or an array of them, however the TOML spells the table and
 * the key (a section, a dotted key, an inline table, quoted keys, multi-line strings and arrays).
 * A file the parser rejects is a configuration error at its line: the platform rejects it too.
 */
export function tomlCommands(text: string, file: string, keys: readonly string[]): PlatformCommand[] {
  let doc: unknown;
  try {
    doc = parseToml(text);
  } catch (e) {
    const line = e instanceof TomlError ? e.line : undefined;
    throw unreadable(file, 'TOML', (e as Error).message.split('\n')[0]!, line);
  }
  const line = keyLine(text, keys);
  return commandStrings(valueAt(doc, keys)).map((t) => ({ text: t, line }));
}

/**
 * heroku.yml's `release.command` and render.yaml's `services[].preDeployCommand`: YAML 1.2 as the
 * platform reads it (block and flow styles, folded and literal scalars, anchors and aliases), each
 * command with the line its value starts on.
 */
export function yamlCommands(
  text: string,
  file: string,
  paths: (value: unknown) => readonly (readonly (string | number)[])[],
): PlatformCommand[] {
  const { parseDocument, LineCounter, isSeq } = yamlParser();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    const offset = error.pos[0];
    throw unreadable(file, 'YAML', error.message.split('\n')[0]!, lines.linePos(offset).line);
  }
  const lineOf = (node: unknown, fallback: number): number => {
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    return range ? lines.linePos(range[0]).line : fallback;
  };
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  return paths(value).flatMap((keys) => {
    const node = doc.getIn(keys, true);
    const line = lineOf(node, lineOf(doc.getIn(keys.slice(0, -1), true), 1));
    const found = valueAt(value, keys);
    if (Array.isArray(found) && isSeq(node))
      return commandStrings(found).map((t, i) => ({ text: t, line: lineOf(node.items[i], line) }));
    return commandStrings(found).map((t) => ({ text: t, line }));
  });
}

/** The value at `keys` of a parsed document (undefined where any step is missing). */
export function valueAt(value: unknown, keys: readonly (string | number)[]): unknown {
  let v = value;
  for (const k of keys)
    v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** A command or a list of them: the strings (anything else names no command). */
export function commandStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * The line a TOML key is written on: the key itself, bare, quoted or as the last part of a dotted key
 * or inside an inline table; else its table's header; else 1 (the parser gives values, not places).
 */
function keyLine(text: string, keys: readonly string[]): number {
  // a comment's text cannot assign (a `#` inside a string only shortens what is searched)
  const lines = text.split(/\r?\n/u).map((l) => (l.includes('#') ? l.slice(0, l.indexOf('#')) : l));
  const key = keys[keys.length - 1]!;
  const i = lines.findIndex((l) => assigns(l, key));
  if (i >= 0) return i + 1;
  const t = lines.findIndex((l) => l.trim().replace(/["'\s]/gu, '') === `[${keys[0]}]`);
  return t >= 0 ? t + 1 : 1;
}

/** Whether a line assigns `key`: bare or quoted, after the line's start, a `.`, `{`, `,` or a blank, before `=`. */
function assigns(line: string, key: string): boolean {
  for (let at = line.indexOf(key); at >= 0; at = line.indexOf(key, at + 1)) {
    let before = at - 1;
    if (line[before] === '"' || line[before] === "'") before--;
    let after = at + key.length;
    if (line[after] === '"' || line[after] === "'") after++;
    while (line[after] === ' ' || line[after] === '\t') after++;
    if ((before < 0 || '.{, \t'.includes(line[before]!)) && line[after] === '=') return true;
  }
  return false;
}

function unreadable(file: string, format: string, why: string, line: number | undefined): ConfigError {
  const name = path.basename(file);
  return new ConfigError(
    `${name}${line !== undefined ? `:${line}` : ''} is not valid ${format}: ${why}; the platform cannot read its release command either.`,
    {
      hint: `Fix ${name}${line !== undefined ? ` at line ${line}` : ''}: alembic-preflight reads the release command from it as the platform does, and guesses nothing from a file it cannot parse.`,
      path: file,
      ...(line !== undefined ? { line } : {}),
    },
  );
}
