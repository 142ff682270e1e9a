import path from 'node:path';
import type { ProjectConfig } from '../alembic/config/config-types.js';
import { featuresOf } from '../alembic/config/alembic-version.js';
import { predictDowngrade } from '../alembic/graph/downgrade-plan.js';
import { predictUpgrade } from '../alembic/graph/upgrade-plan.js';
import type { ProjectModel } from '../alembic/loading/project-model.js';
import type { Scratch } from '../database/scratch-database.js';
import { scratchVersionRows } from '../database/schema-snapshot.js';
import { appUrlReads } from '../deploy/app-url-reads.js';
import { ConfigError, UsageError, type PreflightError } from '../errors/errors.js';
import { readAlembicFailure, type AlembicFailure } from './alembic-failure.js';
import { fenceLoadsIn, refusalError, type Fence } from './fence.js';
import type { RunApp, Step } from './rehearse-after.js';
import type { RehearseStep } from './rehearse-outcome.js';
import { fenceNotLoaded } from './rehearse-cycle.js';
import { alembicCommand, flaskCommand, runChild } from './run-child.js';

/** What every command of a rehearsal shares: the project, the scratch database, the fence and the environment. */
export interface RunnerSetup {
  readonly cwd: string;
  /** The caller's environment (PATH finds alembic, flask, python). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The children's: the scratch URL in every variable the app reads, and the fence. */
  readonly childEnv: Readonly<Record<string, string | undefined>>;
  readonly config: ProjectConfig;
  readonly model: ProjectModel;
  readonly scratch: Scratch;
  readonly fence: Fence;
  /** The variables set to the scratch URL. */
  readonly set: readonly string[];
  /** -c and -n as the release passes them. */
  readonly project: { readonly config?: string; readonly name?: string };
  readonly versionTable: string;
  readonly versionTableSchema: string | null;
  /** The scratch's version rows before the first command (production's, for --from-production). */
  readonly rows: readonly string[];
  readonly stepMinutes: number;
  readonly progress?: (line: string) => void;
  /** Set by the caller's signal handlers. */
  readonly signals: { interrupted?: NodeJS.Signals };
}

/**
 * Runs the app's commands on the scratch database, one at a time, and keeps what they did: each
 * Alembic step (checked against Alembic's own plan for the version table), why the run stopped (the
 * fence refused a connection, the fence never loaded, the version table went elsewhere), a signal.
 */
export class RehearseRunner {
  readonly steps: RehearseStep[] = [];
  stop: PreflightError | undefined;
  readonly commandName: string;
  private probed = false;
  private rows: string[];
  private lastFailure: AlembicFailure | undefined;
  private readonly flask: boolean;
  private byFile: Map<string, string> | undefined;

  constructor(private readonly s: RunnerSetup) {
    this.flask = s.config.flaskMigrate === true;
    this.commandName = this.flask ? 'flask db' : 'alembic';
    this.rows = [...s.rows].sort();
  }

  get interrupted(): NodeJS.Signals | undefined {
    return this.s.signals.interrupted;
  }

  /** Nothing stopped the run and every step so far succeeded. */
  clean(): boolean {
    return !this.interrupted && !this.stop && this.steps.every((x) => x.ok);
  }

  /** One Alembic command; `record` false: a repeat of the idempotency pass, whose failure is its finding, not the rehearsal's step. */
  readonly run = async (
    command: 'upgrade' | 'downgrade' | 'stamp',
    target: string,
    record = true,
  ): Promise<boolean> => {
    const { s } = this;
    if (this.interrupted || this.stop) return false;
    const argv = this.flask
      ? flaskCommand(target, path.relative(s.cwd, s.config.scriptDir) || '.', s.env, command)
      : alembicCommand(target, s.env, s.project, command);
    if (!argv)
      throw new UsageError(
        this.flask ? 'Neither flask nor python is on PATH.' : 'Neither alembic nor python is on PATH.',
        { hint: 'Run rehearse where the app and its requirements are installed.' },
      );
    if (!this.probed) {
      this.probed = true;
      if (fenceLoadsIn(argv, s.childEnv, s.cwd, s.fence) === false)
        return this.halt(fenceNotLoaded(this.commandName));
    }
    const expected =
      command === 'stamp' ? (target === 'base' ? [] : [target]) : this.expectedAfter(command, target);
    // a signal that came during the probe: start nothing more
    if (this.interrupted) return false;
    const loadedBefore = s.fence.loaded();
    const child = await this.child(argv, `\`${this.commandName} ${command} ${target}\``);
    if (!child) return false;
    // stopped by a signal (the probe above proved the fence loads in this Python): the signal is why,
    // even where it came before the child's Python got as far as loading the fence
    if (!this.interrupted && s.fence.loaded() === loadedBefore)
      return this.halt(fenceNotLoaded(this.commandName));
    const ok = child.code === 0;
    this.lastFailure = ok
      ? undefined
      : readAlembicFailure(child.output ?? '', (file) => this.revisionAt(file));
    if (record)
      this.steps.push({
        command,
        target,
        ok,
        ms: child.ms,
        ...(this.lastFailure ? { failure: this.lastFailure } : {}),
      });
    s.progress?.(
      `rehearse: ${this.commandName} ${command} ${target}${record ? '' : ' again'}: ${ok ? 'ok' : this.interrupted ? 'stopped' : 'FAILED'} (${(child.ms / 1000).toFixed(1)} s)`,
    );
    if (!ok || this.interrupted) return false;
    // belt and braces: the step must have moved the scratch's version table where Alembic's plan says
    const now = await scratchVersionRows(
      s.scratch.url,
      s.scratch.dialect,
      s.versionTable,
      s.versionTableSchema ?? undefined,
    );
    if (expected && (now.length !== expected.length || now.some((r, i) => r !== expected[i]))) {
      return this.halt(
        new ConfigError(
          `After \`${this.commandName} ${command} ${target}\` the scratch database's ${s.versionTable} holds ${now.join(', ') || 'no row'}, not ${expected.join(', ') || 'no row'}: the migrations ran somewhere else, or on another version table.`,
          {
            hint: 'Check that env.py takes its URL from the environment (DATABASE_URL) and passes version_table as a literal; rehearse stopped before the next step.',
          },
        ),
      );
    }
    this.rows = now;
    return true;
  };

  /** Another of the app's commands (the models' comparison, --then), behind the same fence. */
  readonly runApp: RunApp = async (argv, what) => {
    if (this.interrupted || this.stop) return undefined;
    const child = await this.child(argv, what);
    if (!child) return undefined;
    this.s.progress?.(
      `rehearse: ${what}: ${child.code === 0 ? 'ok' : this.interrupted ? 'stopped' : 'FAILED'} (${(child.ms / 1000).toFixed(1)} s)`,
    );
    return this.interrupted ? undefined : child;
  };

  /** A step of the idempotency pass: its outcome, undefined when the run stopped. */
  readonly repeatable: Step = async (command, target, repeat = false) => {
    const ok = await this.run(command, target, !repeat);
    return this.interrupted || this.stop
      ? undefined
      : { ok, ...(this.lastFailure ? { failure: this.lastFailure } : {}) };
  };

  private async child(
    argv: readonly string[],
    what: string,
  ): Promise<Awaited<ReturnType<typeof runChild>> | undefined> {
    const { s } = this;
    const child = await runChild(argv, {
      cwd: s.cwd,
      env: s.childEnv,
      deadlineMs: s.stepMinutes * 60_000,
      capture: true,
    });
    s.signals.interrupted ??= child.forwarded;
    const refused = s.fence.refused();
    if (refused.length > 0) {
      this.halt(
        refusalError(refused[0]!, {
          what,
          tool: 'rehearse',
          set: [...s.set],
          reads: appUrlReads(
            s.config.files,
            s.cwd,
            s.config.versionLocations.map((l) => l.absPath),
          ),
        }),
      );
      return undefined;
    }
    return child;
  }

  private halt(e: PreflightError): false {
    this.stop = e;
    return false;
  }

  /** Where Alembic's own plan leaves the version table after the command, from the rows before it. */
  private expectedAfter(command: 'upgrade' | 'downgrade', target: string): string[] | undefined {
    const { model, versionTable } = this.s;
    const p =
      command === 'upgrade'
        ? predictUpgrade(model.map, target, this.rows, versionTable)
        : predictDowngrade(model.map, target, this.rows, featuresOf(model.alembicVersion), versionTable);
    return p.finalHeads ? [...p.finalHeads].map(String).sort() : undefined;
  }

  /** The revision a traceback's frame runs in (the paths as Python loaded them). */
  private revisionAt(file: string): string | undefined {
    const { config, model, cwd } = this.s;
    const real = (f: string): string => config.files.realpath(f) ?? f;
    this.byFile ??= new Map(model.map.revisions.map((r) => [real(r.file.absPath), r.id]));
    return this.byFile.get(real(path.resolve(cwd, file)));
  }
}
