import type { ProjectModel } from '../alembic/project-model.js';
import type { DatabaseContext, Finding, Severity } from './finding.js';
import { alembicOutput } from './rule-helpers.js';
import { RULES } from './rules.js';

export interface CheckOptions {
  /** CODE or CODE:REVISION */
  readonly ignore?: readonly string[];
  readonly strict?: boolean;
  /** Present for `verify`: adds the database findings and the prediction. */
  readonly database?: DatabaseContext;
}

export interface CheckResult {
  readonly model: ProjectModel;
  readonly findings: readonly Finding[];
  readonly ignored: number;
  /** True when nothing blocks (`--strict` counts warnings). */
  readonly ok: boolean;
  /** What `alembic upgrade head` prints first when it fails to even load the scripts. */
  readonly alembicError?: string;
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function runCheck(model: ProjectModel, opts: CheckOptions = {}): CheckResult {
  const ignore = opts.ignore ?? [];
  const all: Finding[] = [];
  for (const rule of RULES) all.push(...rule.check({ model, database: opts.database }, all));
  const kept = all.filter((f) => !ignore.some((spec) => matchesIgnore(spec, f)));
  const findings = kept.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  const blocking = findings.some((f) => f.severity === 'error' || (opts.strict === true && f.severity === 'warning'));
  const failure = model.failure?.failure;
  return {
    model,
    findings,
    ignored: all.length - kept.length,
    ok: !blocking,
    alembicError: opts.database ? (opts.database.prediction.cliOutput ?? undefined) : alembicOutput(failure),
  };
}

function matchesIgnore(spec: string, f: Finding): boolean {
  const i = spec.indexOf(':');
  if (i < 0) return spec === f.code;
  const code = spec.slice(0, i);
  const rev = spec.slice(i + 1);
  return code === f.code && f.revision !== undefined && f.revision.split(', ').includes(rev);
}
