import { atLeast, type AlembicVersion } from '../alembic/config/alembic-version.js';

/**
 * Alembic's command line as Python's argparse reads it (CPython 3.11's rules), for the `upgrade`
 * that a release phase runs: what argparse accepts, what it refuses before Alembic does anything
 * (exit 2), and what prints help or the version and exits 0 without migrating. Prefixes of long
 * options (`--conf`), values attached to short options (`-cdb/alembic.ini`) and `--opt=value` are
 * read as argparse reads them; `alembic upgrade head -c x.ini` is refused, because every word after
 * the command belongs to the command's own parser.
 */
export type AlembicArgv =
  | {
      readonly kind: 'parsed';
      readonly command: 'upgrade';
      /** -c/--config values in order (Alembic 1.16+ keeps every one; before, the last wins). */
      readonly configs: readonly string[];
      readonly name?: string;
      /** upgrade's revision, and its flags. */
      readonly revision: string;
      readonly sql: boolean;
      readonly tag?: string;
    }
  /** argparse printed the usage and `prog: error: message`, exit 2. */
  | { readonly kind: 'refused'; readonly message: string }
  /** -h/--help or --version: printed, exit 0, nothing run. */
  | { readonly kind: 'exits'; readonly option: string }
  /** Another command than upgrade (its own arguments are not read). */
  | { readonly kind: 'other'; readonly command: string }
  /** A `--` among the words: argparse's handling of it changed between Pythons, so it is not judged. */
  | { readonly kind: 'unread' };

type Action = {
  readonly strings: readonly string[];
  readonly dest: string;
  readonly takes: 0 | 1;
  readonly exits?: true;
};

interface Parser {
  readonly prog: string;
  readonly actions: readonly Action[];
}

class Refused extends Error {}
class Exits extends Error {}

const HELP: Action = { strings: ['-h', '--help'], dest: 'help', takes: 0, exits: true };
const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/u;

/** The commands Alembic registers (the functions of alembic.command), in argparse's listing order. */
function commandsOf(v: AlembicVersion): string[] {
  const all = [
    'branches',
    'check',
    'current',
    'downgrade',
    'edit',
    'ensure_version',
    'heads',
    'history',
    'init',
    'list_templates',
    'merge',
    'revision',
    'show',
    'stamp',
    'upgrade',
  ];
  return atLeast(v, 1, 9) ? all : all.filter((c) => c !== 'check');
}

/**
 * Parses the words after `alembic` (or `python -m alembic`). Only `upgrade`'s own options are modelled;
 * for another command the result names it and says nothing of its arguments.
 */
export function parseAlembicArgv(args: readonly string[], v: AlembicVersion, prog = 'alembic'): AlembicArgv {
  const top = topParser(v, prog);
  const upgrade = upgradeParser(prog);
  const commands = commandsOf(v);
  if (args.includes('--')) return { kind: 'unread' };
  try {
    const first = parse(top, args, 'command');
    const extras = [...first.extras];
    if (first.rest === undefined) {
      // parse_args reports unknown words before Alembic's own check for a command
      throw new Refused(
        extras.length > 0
          ? `${prog}: error: unrecognized arguments: ${extras.join(' ')}`
          : `${prog}: error: too few arguments`,
      );
    }
    const [command, ...subArgs] = first.rest;
    if (!commands.includes(command!)) {
      throw new Refused(
        `${prog}: error: argument {${commands.join(',')}}: invalid choice: ${pyRepr(command!)} (choose from ${commands.map(pyRepr).join(', ')})`,
      );
    }
    const configs = first.values.get('config') ?? [];
    const name = first.values.get('name')?.at(-1);
    // another command's own arguments are not read, so nothing more is said of it
    if (command !== 'upgrade') return { kind: 'other', command: command! };
    const sub = parse(upgrade, subArgs, 'revision');
    const positionals = sub.rest ?? [];
    if (positionals.length === 0)
      throw new Refused(`${upgrade.prog}: error: the following arguments are required: revision`);
    extras.push(...sub.extras, ...positionals.slice(1));
    if (extras.length > 0) throw new Refused(`${prog}: error: unrecognized arguments: ${extras.join(' ')}`);
    const tag = sub.values.get('tag')?.at(-1);
    return {
      kind: 'parsed',
      command,
      configs,
      ...(name !== undefined ? { name } : {}),
      revision: positionals[0]!,
      sql: sub.values.has('sql'),
      ...(tag !== undefined ? { tag } : {}),
    };
  } catch (e) {
    if (e instanceof Refused) return { kind: 'refused', message: e.message };
    if (e instanceof Exits) return { kind: 'exits', option: e.message };
    throw e;
  }
}

/** alembic's own options (those before the command). */
function topParser(v: AlembicVersion, prog: string): Parser {
  return {
    prog,
    actions: [
      HELP,
      { strings: ['--version'], dest: 'version', takes: 0, exits: true },
      { strings: ['-c', '--config'], dest: 'config', takes: 1 },
      { strings: ['-n', '--name'], dest: 'name', takes: 1 },
      { strings: ['-x'], dest: 'x', takes: 1 },
      { strings: ['--raiseerr'], dest: 'raiseerr', takes: 0 },
      ...(atLeast(v, 1, 11) ? [{ strings: ['-q', '--quiet'], dest: 'quiet', takes: 0 as const }] : []),
    ],
  };
}

function upgradeParser(prog: string): Parser {
  return {
    prog: `${prog} upgrade`,
    actions: [
      HELP,
      { strings: ['--sql'], dest: 'sql', takes: 0 },
      { strings: ['--tag'], dest: 'tag', takes: 1 },
    ],
  };
}

/**
 * The refused `… upgrade REV -c FILE` with alembic's own options moved before the command, where
 * argparse reads them, when that is the whole fix: the moved command line must parse. Each option is
 * recognised as argparse would recognise it before the command (prefixes such as `--conf`, attached values,
 * combined flags), with the value it takes.
 */
export function movedBeforeCommand(args: readonly string[], v: AlembicVersion): string[] | undefined {
  const up = args.indexOf('upgrade');
  if (up < 0) return undefined;
  const top = topParser(v, 'alembic');
  const upgrade = upgradeParser('alembic');
  const after = args.slice(up + 1);
  const moved: string[] = [];
  const kept: string[] = [];
  for (let i = 0; i < after.length; i++) {
    const own = recognised(upgrade, after[i]!);
    const global = own === undefined ? recognised(top, after[i]!) : undefined;
    if (global === undefined) {
      kept.push(after[i]!);
      // upgrade's --tag keeps its value with it
      if (own !== undefined && takesNextWord(upgrade, own) && i + 1 < after.length) kept.push(after[++i]!);
      continue;
    }
    moved.push(after[i]!);
    if (takesNextWord(top, global) && i + 1 < after.length) moved.push(after[++i]!);
  }
  if (moved.length === 0) return undefined;
  const fixed = [...args.slice(0, up), ...moved, 'upgrade', ...kept];
  return parseAlembicArgv(fixed, v).kind === 'parsed' ? fixed : undefined;
}

/** The option a word names in a parser, as argparse matches it; undefined for a plain word or one it does not know. */
function recognised(p: Parser, word: string): Exclude<Optional, 'unknown'> | undefined {
  try {
    const o = optionOf(p, word);
    return o === 'unknown' ? undefined : o;
  } catch {
    return undefined;
  }
}

/** Whether the option's value is the next word: it takes one and none is attached (`-qc FILE` included). */
function takesNextWord(p: Parser, o: Exclude<Optional, 'unknown'>): boolean {
  let { action, explicit } = o;
  while (action.takes === 0 && explicit !== undefined && explicit !== '' && !o.option.startsWith('--')) {
    const next = p.actions.find((a) => a.strings.includes(`-${explicit![0]}`));
    if (!next) return false;
    action = next;
    explicit = explicit.length > 1 ? explicit.slice(1) : undefined;
  }
  return action.takes === 1 && explicit === undefined;
}

/**
 * One parser's pass (argparse's _parse_known_args with one positional): options are taken left to
 * right, unknown ones set aside; the first plain word and everything after it is `rest` (the
 * subparsers action takes them all; upgrade's single positional takes one, the rest are unknown).
 */
function parse(
  p: Parser,
  args: readonly string[],
  positional: 'command' | 'revision',
): { values: Map<string, string[]>; extras: string[]; rest?: string[] } {
  const values = new Map<string, string[]>();
  const extras: string[] = [];
  const kinds = args.map((a) => optionOf(p, a));
  let rest: string[] | undefined;
  let i = 0;
  while (i < args.length) {
    const found = kinds[i];
    if (found === undefined) {
      if (positional === 'command') {
        rest = args.slice(i);
        break;
      }
      // upgrade: the first plain word is the revision; later plain words are left over
      (rest ??= []).push(args[i]!);
      i++;
      continue;
    }
    if (found === 'unknown') {
      extras.push(args[i]!);
      i++;
      continue;
    }
    let { action, option, explicit } = found;
    // argparse takes an option's actions once the whole word is read: `-hc` with no value after it is refused, not help
    let exits: string | undefined;
    for (;;) {
      if (action.exits) exits ??= option;
      if (action.takes === 0) {
        values.set(action.dest, ['']);
        // -qc: a flag with letters after it takes them as more short options (argparse's combined flags)
        if (explicit === undefined) {
          i++;
          break;
        }
        const next =
          option.startsWith('--') || explicit === ''
            ? undefined
            : p.actions.find((a) => a.strings.includes(`-${explicit![0]}`));
        if (!next)
          throw new Refused(
            `${p.prog}: error: argument ${action.strings.join('/')}: ignored explicit argument ${pyRepr(explicit)}`,
          );
        action = next;
        option = `-${explicit[0]}`;
        explicit = explicit.length > 1 ? explicit.slice(1) : undefined;
        continue;
      }
      if (explicit !== undefined) {
        push(values, action.dest, explicit);
        i++;
        break;
      }
      const value = args[i + 1];
      if (value === undefined || kinds[i + 1] !== undefined)
        throw new Refused(`${p.prog}: error: argument ${action.strings.join('/')}: expected one argument`);
      push(values, action.dest, value);
      i += 2;
      break;
    }
    if (exits !== undefined) throw new Exits(exits);
  }
  return { values, extras, ...(rest ? { rest } : {}) };
}

type Optional = { action: Action; option: string; explicit?: string } | 'unknown';

/** argparse's _parse_optional: undefined for a plain word, 'unknown' for an option no action takes. */
function optionOf(p: Parser, arg: string): Optional | undefined {
  if (arg === '' || arg[0] !== '-') return undefined;
  const exact = p.actions.find((a) => a.strings.includes(arg));
  if (exact) return { action: exact, option: arg };
  if (arg.length === 1) return undefined;
  const eq = arg.indexOf('=');
  if (eq >= 0) {
    const named = p.actions.find((a) => a.strings.includes(arg.slice(0, eq)));
    if (named) return { action: named, option: arg.slice(0, eq), explicit: arg.slice(eq + 1) };
  }
  const matches: { action: Action; option: string; explicit?: string }[] = [];
  if (arg[1] === '-') {
    const prefix = eq >= 0 ? arg.slice(0, eq) : arg;
    for (const a of p.actions)
      for (const s of a.strings)
        if (s.startsWith(prefix))
          matches.push({ action: a, option: s, ...(eq >= 0 ? { explicit: arg.slice(eq + 1) } : {}) });
  } else {
    for (const a of p.actions) {
      for (const s of a.strings) {
        if (s === arg.slice(0, 2)) matches.push({ action: a, option: s, explicit: arg.slice(2) });
        else if (s.startsWith(arg)) matches.push({ action: a, option: s });
      }
    }
  }
  if (matches.length > 1)
    throw new Refused(
      `${p.prog}: error: ambiguous option: ${eq >= 0 ? arg.slice(0, eq) : arg} could match ${matches.map((m) => m.option).join(', ')}`,
    );
  if (matches.length === 1) return matches[0]!;
  if (NEGATIVE_NUMBER.test(arg) || arg.includes(' ')) return undefined;
  return 'unknown';
}

function push(values: Map<string, string[]>, dest: string, value: string): void {
  const list = values.get(dest);
  if (list) list.push(value);
  else values.set(dest, [value]);
}

/** Python's repr of a str, as argparse quotes values in its messages. */
function pyRepr(s: string): string {
  return s.includes("'") && !s.includes('"')
    ? `"${s}"`
    : `'${s.replace(/\\/gu, '\\\\').replace(/'/gu, "\\'")}'`;
}

/**
 * Flask's own options that take a value, which may come before Flask-Migrate's `db` group
 * (`flask --app app db upgrade`, Flask ≥ 2.2's spelling); its other options (`--debug`) take none.
 */
export const FLASK_OPTIONS_WITH_VALUE: readonly string[] = ['--app', '-A', '--env-file', '-e'];

/** A release phase's `alembic … upgrade` that fails before migrating, or exits 0 without migrating. */
export interface ReleaseCommandProblem {
  readonly kind: 'refused' | 'exits' | 'offline';
  /** The command as the release runs it (the words from `alembic` on). */
  readonly command: string;
  /** What Alembic prints: argparse's error line, the option that printed help or the version, or --sql. */
  readonly detail: string;
  /** Where the command is written (`Procfile:1`, or the line of a script the release line runs); '' for the command `release --` wraps. */
  readonly at: string;
  /** The Procfile release line that runs the script `at` points into. */
  readonly via?: string;
  /** The refused command with alembic's own options moved before `upgrade`, when that alone makes it parse. */
  readonly fixed?: string;
}

/**
 * What an `alembic` command line (the words after the tool) does in a release, when it is an upgrade:
 * the target and ini, or the problem that keeps it from migrating. Undefined when it is another command.
 * Before Alembic 1.16 the last -c wins; from 1.16 two inis are refused (pyproject.toml may be a second -c).
 */
export function releaseUpgrade(
  args: readonly string[],
  v: AlembicVersion,
):
  | {
      revision?: string;
      config?: string;
      name?: string;
      problem?: { kind: ReleaseCommandProblem['kind']; detail: string; fixed?: readonly string[] };
    }
  | 'unread'
  | undefined {
  const r = parseAlembicArgv(args, v);
  if (r.kind === 'unread') return 'unread';
  if (r.kind === 'other') return undefined;
  if (r.kind === 'refused' || r.kind === 'exits') {
    // only a command meant as an upgrade is the release's migration
    if (!args.includes('upgrade')) return undefined;
    if (r.kind === 'exits') return { problem: { kind: 'exits', detail: r.option } };
    const moved = movedBeforeCommand(args, v);
    // the fix must run the upgrade: not one Alembic still refuses (two inis on 1.16+) nor one that only prints SQL (--sql)
    const again = moved && releaseUpgrade(moved, v);
    const fixed = again && again !== 'unread' && again.problem === undefined ? moved : undefined;
    return { problem: { kind: 'refused', detail: r.message, ...(fixed ? { fixed } : {}) } };
  }
  const inis = atLeast(v, 1, 16)
    ? r.configs.filter((c) => c.split('/').pop() !== 'pyproject.toml')
    : r.configs.slice(-1);
  const name = r.name !== undefined ? { name: r.name } : {};
  if (inis.length > 1)
    return {
      revision: r.revision,
      ...name,
      problem: {
        kind: 'refused',
        detail: 'alembic.util.exc.CommandError: only one ini file may be indicated',
      },
    };
  const config = inis[0] !== undefined ? { config: inis[0] } : {};
  if (r.sql)
    return { revision: r.revision, ...config, ...name, problem: { kind: 'offline', detail: '--sql' } };
  return { revision: r.revision, ...config, ...name };
}
