import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { BuildInfo } from './build-info.js';
import type { CommandName } from './command-names.js';

/** What a command's run is handed by the entry: the environment, the build, and the doors out. */
export interface RunContext {
  readonly env: NodeJS.ProcessEnv;
  readonly build: BuildInfo;
  /** The format errors are reported in from here on (the command's --format, once known). */
  setFormat(format: 'text' | 'json'): void;
  /** A command's output on stdout, in the format chosen, and its exit code as the run's. */
  report(out: { stdout: string; exitCode: number; document?: unknown }): void;
  /** Text for stdout, redacted and made terminal-safe, without ending the run. */
  write(text: string): void;
  /** An error reported as the entry reports every error; returns its exit code. */
  reportError(e: unknown): number;
  /** The run's exit code, for a command that reports as it goes (release). */
  setExitCode(code: number): void;
}

/**
 * One command of the CLI: its word, its line in the command list, its flags, its help (usage, examples,
 * exit codes) and what it runs. cli.ts builds the parser from the table of these; nothing else names a
 * command's flags.
 */
export interface CommandSpec {
  readonly name: CommandName;
  /** The yargs command string: the word and its positionals (`ledger <action>`). */
  readonly command: string;
  /** Its line in the top-level help: a short phrase (the help test holds it under 64 characters). */
  readonly brief: string;
  /** Where the top-level help lists it. */
  readonly group: CommandGroup;
  readonly summary: string;
  readonly usage: string;
  readonly examples: readonly (readonly [string, string])[];
  readonly exitCodes: string;
  readonly options: (y: Argv) => Argv<unknown>;
  readonly run: (args: Record<string, unknown>, ctx: RunContext) => Promise<void> | void;
}

/** The top-level help's groups, in order. */
export const COMMAND_GROUPS = ['Guard a release', 'Inspect', 'Repair'] as const;
export type CommandGroup = (typeof COMMAND_GROUPS)[number];

/** A command spec whose run sees the flags its options declare, typed. */
export function defineCommand<T>(
  spec: Omit<CommandSpec, 'options' | 'run'> & {
    options: (y: Argv) => Argv<T>;
    run: (args: ArgumentsCamelCase<NoInfer<T>>, ctx: RunContext) => Promise<void> | void;
  },
): CommandSpec {
  return spec as unknown as CommandSpec;
}
