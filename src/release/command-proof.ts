import path from 'node:path';
import type { ProjectFiles } from '../project/project-files.js';
import { parse as parseToml } from 'smol-toml';
import { pipfileScript, readScript } from '../deploy/script-run.js';
import {
  FENCE_VARIABLES,
  namedDatabase,
  pythonFlagsRefused,
  replacedFence,
  type ChildTarget,
  type CommandWord,
} from './command-words.js';
import { shellTokens, type ShellToken } from './shell-tokens.js';

/**
 * Whether a command the tool starts (release's `-- CMD`, rehearse's --then, a fleet's loop) can be
 * proved to run fenced, read before it starts by the grammar of the programs it knows: the shells
 * (their options, `-c` scripts and script files, line by line), env, Python (its own option grammar),
 * alembic, flask, pipenv/poetry/uv run, the app's scripts by their #! line, and the shell's utilities
 * that start nothing. Anything else (another program, a here-document, a command decided when it
 * runs) cannot be proved and is refused; so is every shape that drops the fence's environment.
 */
export interface ProofContext {
  /** The folder the command starts in. */
  readonly dir: string;
  /** The child's environment (its PATH finds the programs). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly files: ProjectFiles;
  readonly target?: ChildTarget;
}

/** Why `argv` cannot be proved to start fenced, or undefined when it can. */
export function unprovedCommand(argv: readonly string[], ctx: ProofContext): string | undefined {
  const reader = new CommandReader(ctx);
  return reader.command(
    argv.map((text) => ({ text, raw: text, dynamic: false, substitutions: [] })),
    0,
  );
}

type Word = CommandWord & { readonly substitutions: readonly string[] };

const PYTHON = /^python[\d.]*$/u;
const SHELL = /^(?:ba|da)?sh$/u;
/** Python programs and this tool: each loads the fence (or reads only the confined environment). */
const KNOWN_PYTHON = new Set(['alembic', 'flask', 'alembic-preflight']);
/** Builtins and utilities that start no other program and open no connection. */
const INERT = new Set(
  (
    'cd echo printf true false test [ [[ set export unset readonly local declare mkdir cp mv rm ln touch ' +
    'chmod ls cat sleep exit return : pwd shift wait umask date basename dirname grep head tail wc sort ' +
    'uniq cut tr tee printenv whoami hostname uname which realpath readlink read break continue let type ulimit'
  ).split(' '),
);
/** Words that open or close a shell's compound command, not programs. */
const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'while', 'until', 'do', 'done', '{', '}', '!']);
/** Commands that run the rest of their words as a command (`exec python3 …`, `nohup …`). */
const PREFIXES = new Set(['exec', 'command', 'nohup', 'time', 'nice', 'timeout']);
const REDIRECTS = new Set(['<', '>', '>>', '>&', '<&', '&>', '>|']);
/** How deep scripts that run scripts are read. */
const MAX_DEPTH = 8;

class CommandReader {
  private dir: string | undefined;
  private pathDirs: readonly string[] | undefined;

  constructor(private readonly ctx: ProofContext) {
    this.dir = ctx.dir;
    this.pathDirs = (ctx.env.PATH ?? '').split(':').filter(Boolean);
  }

  /** A shell script's text, command by command. */
  shell(text: string, depth: number): string | undefined {
    if (depth > MAX_DEPTH) return 'it runs scripts nested deeper than the tool reads';
    const tokens = shellTokens(text);
    if ('error' in tokens) return `its shell script cannot be read (${tokens.error})`;
    let words: Word[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const t: ShellToken = tokens[i]!;
      if (t.kind === 'word') {
        words.push(t);
        continue;
      }
      if (t.text === '<<' || t.text === '<<-')
        return 'it feeds a here-document to a program, and the tool does not read what that program runs';
      if (REDIRECTS.has(t.text)) {
        // the redirection's file is not a word of the command (a substitution in it still runs)
        const file = tokens[++i];
        const why = file?.kind === 'word' ? this.substitutions([file], depth) : undefined;
        if (why) return why;
        continue;
      }
      if (t.text === '(' && words.length > 0)
        return `it defines a shell function (\`${words[0]!.raw}\`), whose body the tool does not follow`;
      const why = this.command(words, depth);
      if (why) return why;
      words = [];
    }
    return this.command(words, depth);
  }

  /** The commands `$(…)` and backquotes in the words run, each read as a script of its own. */
  private substitutions(words: readonly Word[], depth: number): string | undefined {
    for (const w of words)
      for (const s of w.substitutions) {
        const why = this.shell(s, depth + 1);
        if (why) return why;
      }
    return undefined;
  }

  /** One simple command: its program, read by its own grammar. */
  command(all: readonly Word[], depth: number): string | undefined {
    if (depth > MAX_DEPTH) return 'it runs scripts nested deeper than the tool reads';
    const substituted = this.substitutions(all, depth);
    if (substituted) return substituted;
    let words = all;
    while (words.length > 0 && !words[0]!.dynamic && RESERVED.has(words[0]!.text)) words = words.slice(1);
    const head = words[0];
    if (head === undefined) return undefined;
    if (!head.dynamic && (head.text === 'case' || head.text === 'function' || head.text === 'select'))
      return `it runs a \`${head.text}\` the tool does not read`;
    // a `for NAME in …` list runs nothing; the loop's body follows as commands of its own
    if (!head.dynamic && head.text === 'for') return undefined;
    // assignments before the program
    let i = 0;
    for (; i < words.length && /^[A-Za-z_]\w*=/u.test(words[i]!.raw); i++) {
      const why = this.assigned(words[i]!);
      if (why) return why;
    }
    words = words.slice(i);
    const program = words[0];
    if (program === undefined) return undefined;
    if (program.dynamic) return `its program is decided when it runs (\`${program.raw}\`)`;
    const name = path.basename(program.text);
    const texts = words.map((w) => w.text);
    // a shell's script is judged command by command as it is read, not as one word
    const named = SHELL.test(name)
      ? undefined
      : namedDatabase(texts.slice(1), ownGrammar(name), this.ctx.target);
    if (named) return named;
    return this.program(name, words, depth);
  }

  private program(name: string, words: readonly Word[], depth: number): string | undefined {
    const args = words.slice(1);
    if (PYTHON.test(name)) return pythonFlagsRefused(name, args);
    if (SHELL.test(name)) return this.shellProgram(name, args, depth);
    if (name === 'env') return this.env(args, depth);
    if (PREFIXES.has(name)) return this.prefixed(name, args, depth);
    if (name === 'pipenv' || name === 'poetry' || name === 'uv') return this.runner(name, args, depth);
    if (name === 'trap') return args[0] && !args[0].dynamic ? this.shell(args[0].text, depth + 1) : undefined;
    if (name === 'source' || name === '.') return this.scriptFile(args[0], depth + 1);
    if (name === 'eval') return 'it runs `eval`, whose command the tool does not read';
    if (
      name === 'unset' ||
      name === 'export' ||
      name === 'readonly' ||
      name === 'local' ||
      name === 'declare'
    )
      for (const a of args) {
        if (name === 'unset' && FENCE_VARIABLES.test(a.text))
          return `\`unset ${a.text}\` removes the variable the connection fence loads by`;
        const why = name === 'unset' ? undefined : this.assigned(a);
        if (why) return why;
      }
    if (INERT.has(name)) {
      if (name === 'cd') this.cd(args[0]);
      return undefined;
    }
    return this.executable(name, words, depth);
  }

  /** `NAME=value`: PYTHONPATH replaced drops the fence; PATH changed moves where programs are found. */
  private assigned(w: Word): string | undefined {
    const why = replacedFence(w.raw);
    if (why) return why;
    if (w.raw.startsWith('PATH=')) {
      const value = w.raw.slice(5).replace(/^["']|["']$/gu, '');
      const expanded = value.replace(/\$\{?PATH\}?/gu, (this.pathDirs ?? []).join(':'));
      this.pathDirs = /[$`]/u.test(expanded) ? undefined : expanded.split(':').filter(Boolean);
    }
    return undefined;
  }

  private cd(to: Word | undefined): void {
    if (to === undefined || to.dynamic || to.text === '-' || this.dir === undefined) this.dir = undefined;
    else this.dir = path.resolve(this.dir, to.text);
  }

  /** sh/bash/dash: its options, then a `-c` script, a script file, or (refused) standard input. */
  private shellProgram(name: string, args: readonly Word[], depth: number): string | undefined {
    let j = 0;
    let script = false;
    for (; j < args.length; j++) {
      const t = args[j]!.text;
      if (t === '--') {
        j++;
        break;
      }
      if (/^--(?:login|noprofile|norc|posix)$/u.test(t)) continue;
      if (!/^[-+][A-Za-z]+$/u.test(t)) break;
      if (/^-[A-Za-z]*c/u.test(t)) script = true;
      if (/^-[A-Za-z]*s/u.test(t))
        return `\`${name} ${t}\` reads its commands from standard input, which the tool does not read`;
      if (/^[-+]o$/u.test(t)) j++;
    }
    const next = args[j];
    const named = namedDatabase(
      args.slice(j + 1).map((w) => w.text),
      false,
      this.ctx.target,
    );
    if (named) return named;
    if (next === undefined)
      return `\`${name}\` reads its commands from standard input, which the tool does not read`;
    if (script) {
      if (next.dynamic) return `\`${name} -c ${next.raw}\` runs a script decided when it runs`;
      return this.shell(next.text, depth + 1);
    }
    return this.scriptFile(next, depth + 1);
  }

  /** env: its options (`-i` and `-u PYTHONPATH` drop the fence), assignments, then its command. */
  private env(args: readonly Word[], depth: number): string | undefined {
    let j = 0;
    for (; j < args.length; j++) {
      const t = args[j]!.text;
      if (t === '--') {
        j++;
        break;
      }
      if (t === '-' || t === '--ignore-environment' || (/^-[A-Za-z0-9]+$/u.test(t) && t.includes('i')))
        return `\`env ${t}\` starts its command with an empty environment, without the connection fence`;
      const unset = t === '-u' ? args[j + 1]?.text : /^--unset=/u.test(t) ? t.slice(8) : undefined;
      if (unset !== undefined && FENCE_VARIABLES.test(unset))
        return `\`env ${t === '-u' ? `-u ${unset}` : t}\` removes the variable the connection fence loads by`;
      if (t === '-S' || t === '--split-string' || t.startsWith('--split-string=') || /^-S./u.test(t))
        return 'it splits a string into a command with `env -S`, which the tool does not read';
      if (t === '-u' || t === '-C' || t === '--chdir') j++;
      else if (!t.startsWith('-')) break;
    }
    for (; j < args.length && /^[A-Za-z_]\w*=/u.test(args[j]!.raw); j++) {
      const why = replacedFence(args[j]!.raw);
      if (why) return why;
    }
    return this.command(args.slice(j), depth);
  }

  /** `exec CMD`, `nohup CMD`, `timeout 5m CMD`, …: the command after the prefix's own words. */
  private prefixed(name: string, args: readonly Word[], depth: number): string | undefined {
    let j = 0;
    if (name === 'command' && /^-[vV]$/u.test(args[0]?.text ?? '')) return undefined;
    for (; j < args.length && args[j]!.text.startsWith('-'); j++) if (/^-[nsk]$/u.test(args[j]!.text)) j++;
    if (name === 'timeout' && j < args.length) j++;
    return this.command(args.slice(j), depth);
  }

  /** `pipenv run`, `poetry run`, `uv run`: the command they run, in the environment they add. */
  private runner(name: string, args: readonly Word[], depth: number): string | undefined {
    const valued = RUNNER_VALUED[name]!;
    let j = 0;
    let sawRun = false;
    const envFiles: string[] = name === 'pipenv' ? ['.env'] : [];
    for (; j < args.length; j++) {
      const t = args[j]!.text;
      if (!sawRun && t === 'run') {
        sawRun = true;
        continue;
      }
      if (t === '--') {
        j++;
        break;
      }
      if (sawRun && (t === '-m' || t === '--module')) return undefined;
      if (t === '--env-file') envFiles.push(args[j + 1]?.text ?? '');
      if (t.startsWith('--env-file=')) envFiles.push(t.slice(11));
      if (valued.has(t)) j++;
      else if (!t.startsWith('-')) break;
    }
    if (!sawRun) return `\`${name}\` is read only as \`${name} run\``;
    for (const f of envFiles) {
      const why = this.envFileReplaces(f);
      if (why) return `\`${name} run\` loads ${f}, which ${why}`;
    }
    const rest = args.slice(j);
    const cmd = rest[0];
    if (cmd === undefined) return `\`${name} run\` names no command`;
    if (name === 'pipenv' && !cmd.dynamic && this.dir !== undefined) {
      const script = pipfileScript(this.ctx.files, this.dir, cmd.text);
      if (script)
        return this.shell([script.command, ...rest.slice(1).map((w) => w.raw)].join(' '), depth + 1);
    }
    if (!cmd.dynamic && (/\.py$/u.test(cmd.text) || this.entryPoint(cmd.text))) return undefined;
    return this.command(rest, depth);
  }

  /** Why an env file a runner loads replaces the fence's variables, if it does. */
  private envFileReplaces(file: string): string | undefined {
    if (this.dir === undefined) return 'cannot be located';
    const text = this.ctx.files.text(path.resolve(this.dir, file));
    if (text === undefined) return undefined;
    for (const line of text.split(/\r?\n/u)) {
      const m = /^\s*(?:export\s+)?(PYTHONPATH|ALEMBIC_PREFLIGHT_FENCE)\s*=/u.exec(line);
      if (m) return `sets ${m[1]}, replacing the one the connection fence loads by`;
    }
    return undefined;
  }

  /** A name pyproject.toml declares as a script (a Python entry point), which loads the fence. */
  private entryPoint(name: string): boolean {
    if (this.dir === undefined) return false;
    const text = this.ctx.files.text(path.join(this.dir, 'pyproject.toml'));
    if (text === undefined) return false;
    try {
      const toml = parseToml(text) as {
        project?: { scripts?: Record<string, unknown> };
        tool?: { poetry?: { scripts?: Record<string, unknown> } };
      };
      return (
        Object.hasOwn(toml.project?.scripts ?? {}, name) ||
        Object.hasOwn(toml.tool?.poetry?.scripts ?? {}, name)
      );
    } catch {
      // a file TOML rejects declares nothing: the command is then read as any other
      return false;
    }
  }

  /** A script the shell reads (`sh script.sh`, `. ./env.sh`): its text, command by command. */
  private scriptFile(w: Word | undefined, depth: number): string | undefined {
    if (w === undefined) return undefined;
    const file = this.located(w, true);
    if (typeof file !== 'string') return file.why;
    const text = readScript(this.ctx.files, file);
    if (text === undefined) return `its script ${w.text} cannot be read`;
    return this.shell(text, depth);
  }

  /** Any other program: an app's script or a console script read by its #! line; anything else refused. */
  private executable(name: string, words: readonly Word[], depth: number): string | undefined {
    const found = this.located(words[0]!);
    if (typeof found !== 'string') return KNOWN_PYTHON.has(name) && found.missing ? undefined : found.why;
    const text = readScript(this.ctx.files, found);
    if (text === undefined || text.includes('\0'))
      return KNOWN_PYTHON.has(name)
        ? undefined
        : `\`${name}\` is a program the connection fence cannot follow into; only Python, the shells and their scripts are read`;
    const shebang = /^#![ \t]*(\S+)[ \t]*([^\n]*)/u.exec(text);
    // without #!, the system runs the file with /bin/sh
    if (!shebang) return this.shell(text, depth + 1);
    let interp = path.basename(shebang[1]!);
    let rest = shebang[2]!.trim().split(/\s+/u).filter(Boolean);
    if (interp === 'env') {
      if (rest[0] === '-S') rest = rest.slice(1);
      interp = path.basename(rest[0] ?? '');
      rest = rest.slice(1);
    }
    if (PYTHON.test(interp))
      return pythonFlagsRefused(
        interp,
        rest.map((text) => ({ text, raw: text, dynamic: false })),
      );
    if (SHELL.test(interp)) return this.shell(text, depth + 1);
    return `\`${name}\` runs under ${interp}, a program the connection fence cannot follow into`;
  }

  /** Where a program or script is: a path from the command's folder, or the first match on PATH. */
  private located(w: Word, script = false): string | { why: string; missing?: boolean } {
    if (w.dynamic) return { why: `it runs a script decided when it runs (\`${w.raw}\`)` };
    // a shell opens its script file from its folder (bash then looks on PATH)
    if (
      w.text.includes('/') ||
      (script && this.dir !== undefined && this.ctx.files.kind(path.resolve(this.dir, w.text)) === 'file')
    ) {
      if (this.dir === undefined && !path.isAbsolute(w.text))
        return { why: `its folder is decided when it runs, so ${w.text} cannot be read` };
      const file = path.resolve(this.dir ?? '/', w.text);
      return this.ctx.files.kind(file) === 'file'
        ? file
        : { why: `${w.text} is not a file the tool can read`, missing: true };
    }
    for (const d of this.pathDirs ?? []) {
      const file = path.resolve(this.dir ?? '/', d, w.text);
      if (this.ctx.files.kind(file) === 'file') return file;
    }
    return { why: `\`${w.text}\` is not found on PATH, so what it runs cannot be read`, missing: true };
  }
}

/** The runners' options that take a value (the next word), so that it is not taken for the command. */
const RUNNER_VALUED: Readonly<Record<string, ReadonlySet<string>>> = {
  pipenv: new Set(['--python']),
  poetry: new Set(['-C', '--directory', '-P', '--project']),
  uv: new Set(
    (
      '--with --with-editable --with-requirements -p --python --env-file --directory --project --package ' +
      '--group --only-group --no-group --extra --index --default-index --index-url --extra-index-url -f ' +
      '--find-links --cache-dir --config-file --python-preference --exclude-newer --prerelease --resolution'
    ).split(' '),
  ),
};

/**
 * Programs whose own flags name no server: Alembic (`-c` a config file, `-x key=value`), Flask-Migrate
 * (`-d` the migrations folder), Python itself, the runners and the shell's utilities (`mkdir -p`).
 */
function ownGrammar(name: string): boolean {
  return (
    PYTHON.test(name) ||
    SHELL.test(name) ||
    KNOWN_PYTHON.has(name) ||
    INERT.has(name) ||
    PREFIXES.has(name) ||
    name === 'env' ||
    name === 'pipenv' ||
    name === 'poetry' ||
    name === 'uv'
  );
}
