import type { AlembicFailure } from '../release/alembic-failure.js';
import { verdictLine, verdictLineText, type VerdictLine } from './verdict-line.js';
import type { ModelDifference } from '../release/model-drift.js';
import type { RehearseOutcome } from '../release/rehearse-outcome.js';

/** The rehearsal: each Alembic command with its time, what failed and where, what a downgrade left behind, the models, the team's command. */
export function rehearseText(o: RehearseOutcome): string {
  const how =
    o.mode === 'from-production'
      ? `the pending upgrade on production's schema, copied with ${o.copiedWith ?? 'its catalog'}`
      : o.mode === 'step'
        ? 'each revision up, down, up'
        : 'upgrade, downgrade, upgrade';
  const lines = [`alembic-preflight rehearse (${how}) on ${o.scratch}, removed afterwards`, ''];
  for (const s of o.steps) {
    lines.push(
      `${s.ok ? 'ok    ' : 'FAILED'} ${o.command} ${s.command} ${s.target} (${(s.ms / 1000).toFixed(1)} s)`,
    );
    if (s.failure) failureLines(lines, s.failure);
  }
  for (const d of o.drift) {
    lines.push('', `schema ${d.when}${d.revision ? `, ${d.revision} (${d.path})` : ''}:`);
    for (const x of d.leftBehind) lines.push(`  left behind: ${x}`);
    for (const x of d.missing) lines.push(`  missing: ${x}`);
  }
  if (o.idempotency) {
    lines.push('', "idempotency: each revision's upgrade() run again on a schema that has its changes:");
    for (const r of o.idempotency) {
      lines.push(`${r.ok ? 'ok    ' : 'FAILED'} ${r.revision} (${r.path})`);
      if (r.failure) failureLines(lines, r.failure);
    }
  }
  if (o.models) modelLines(lines, o.models);
  if (o.then) {
    lines.push(
      '',
      `${o.then.ok ? 'ok    ' : 'FAILED'} then: ${o.then.command} (${o.then.exit}, ${(o.then.ms / 1000).toFixed(1)} s)`,
    );
    if (o.then.failure) lines.push(`  error: ${o.then.failure.error}`);
    if (o.then.unfenced)
      lines.push(`  unfenced: started under --unfenced, not proved fenced: ${o.then.unfenced}`);
  }
  lines.push('', verdict(o));
  return lines.join('\n') + '\n';
}

function failureLines(lines: string[], f: AlembicFailure): void {
  if (f.revision) lines.push(`  revision: ${f.revision}`);
  if (f.statement) lines.push(`  statement: ${f.statement}`);
  lines.push(`  error: ${f.error}`);
}

function modelLines(lines: string[], models: NonNullable<RehearseOutcome['models']>): void {
  lines.push('');
  if ('failed' in models) {
    lines.push(
      "FAILED the models could not be compared with the schema (env.py run with Alembic's autogenerate comparison):",
      `  error: ${models.failed.error}`,
      '  fix: make env.py importable outside `alembic upgrade` (its models and their imports), or skip the comparison with --no-drift',
    );
    return;
  }
  if (!models.metadata) {
    lines.push(
      'models: env.py passes no target_metadata to context.configure(), so there are no models to compare with the schema.',
    );
    return;
  }
  if (models.differences.length === 0) {
    lines.push("ok     models: env.py's target_metadata matches the schema the migrations made");
    return;
  }
  lines.push(
    `models: ${models.differences.length} difference${models.differences.length === 1 ? '' : 's'} between env.py's target_metadata and the schema the migrations made:`,
  );
  for (const d of models.differences) differenceLines(lines, d);
}

function differenceLines(lines: string[], d: ModelDifference): void {
  lines.push(`  ${d.summary}`);
  if (d.touched)
    lines.push(
      `    --> ${d.touched.path}:${d.touched.line} (${d.touched.revision}, the last revision that touches ${d.touched.of})`,
    );
  lines.push(`    models: ${d.models}`, `    migrations: ${d.migrations}`);
}

/** The last line: OK, or the first thing that failed. */
function verdict(o: RehearseOutcome): string {
  return verdictLineText(rehearseVerdict(o));
}

/** The rehearsal's verdict: what ran, or the first thing that failed. */
export function rehearseVerdict(o: RehearseOutcome): VerdictLine {
  if (o.interrupted)
    return verdictLine('STOPPED', `${o.interrupted} received, and the scratch database was removed`);
  if (o.ok) {
    const extra = [
      o.idempotency ? 'each upgrade() ran twice' : '',
      o.models && !('failed' in o.models) && o.models.metadata ? 'the models match the schema' : '',
      o.then ? `\`${o.then.command}\` succeeded` : '',
    ].filter((x) => x !== '');
    const tail = extra.length > 0 ? `, ${extra.join(', ')}` : '';
    const ran = `${o.steps.length} Alembic command${o.steps.length === 1 ? '' : 's'}`;
    if (o.mode === 'from-production')
      return verdictLine('OK', `the pending upgrade ran on a copy of production's schema (${ran})${tail}`);
    return verdictLine(
      'OK',
      `the migrations ran ${o.mode === 'step' ? 'up, down and up again, one revision at a time' : 'up, down and up again'} (${ran}), and each downgrade gave back the schema from before its upgrade${tail}`,
    );
  }
  const failed = o.steps.find((s) => !s.ok);
  if (failed)
    return verdictLine(
      'FAILED',
      `\`${o.command} ${failed.command} ${failed.target}\`${failed.failure?.revision ? ` at ${failed.failure.revision}` : ''}: ${failed.failure?.error ?? 'failed'}`,
    );
  if (o.drift.length > 0)
    return verdictLine(
      'FAILED',
      `${o.drift.length} schema difference${o.drift.length === 1 ? '' : 's'} after a downgrade or a repeated upgrade (above)`,
    );
  const twice = (o.idempotency ?? []).filter((r) => !r.ok);
  if (twice.length > 0)
    return verdictLine(
      'FAILED',
      `${twice.length} migration${twice.length === 1 ? '' : 's'} fail${twice.length === 1 ? 's' : ''} when run a second time: ${twice.map((r) => r.revision).join(', ')}`,
    );
  if (o.models && 'failed' in o.models)
    return verdictLine(
      'FAILED',
      `the models could not be compared with the schema: ${o.models.failed.error}`,
    );
  if (o.models && o.models.differences.length > 0)
    return verdictLine(
      'FAILED',
      `the models and the migrations differ in ${o.models.differences.length} place${o.models.differences.length === 1 ? '' : 's'} (above): write the migration that makes them agree (alembic revision --autogenerate shows it)`,
    );
  if (o.then && !o.then.ok)
    return verdictLine(
      'FAILED',
      `\`${o.then.command}\` failed after the final upgrade (${o.then.exit}): ${o.then.failure?.error ?? ''}`,
    );
  return verdictLine('FAILED', 'see above');
}

export function rehearseJson(o: RehearseOutcome): unknown {
  const failure = (
    f: AlembicFailure | undefined,
  ): { revision: string | null; statement: string | null; error: string | null } => ({
    revision: f?.revision ?? null,
    statement: f?.statement ?? null,
    error: f?.error ?? null,
  });
  return {
    schemaVersion: 1,
    command: 'rehearse',
    ok: o.ok,
    mode: o.mode,
    scratch: o.scratch,
    copiedWith: o.copiedWith ?? null,
    interrupted: o.interrupted ?? null,
    steps: o.steps.map((s) => ({
      command: s.command,
      target: s.target,
      ok: s.ok,
      ms: s.ms,
      ...failure(s.failure),
    })),
    drift: o.drift.map((d) => ({
      when: d.when,
      revision: d.revision ?? null,
      path: d.path ?? null,
      leftBehind: d.leftBehind,
      missing: d.missing,
    })),
    models: !o.models
      ? null
      : 'failed' in o.models
        ? { compared: false, metadata: null, differences: [], error: o.models.failed.error }
        : {
            compared: true,
            metadata: o.models.metadata,
            differences: o.models.differences.map((d) => ({
              kind: d.kind,
              table: d.table ?? null,
              column: d.column ?? null,
              summary: d.summary,
              models: d.models,
              migrations: d.migrations,
              revision: d.touched?.revision ?? null,
              path: d.touched?.path ?? null,
              line: d.touched?.line ?? null,
            })),
            error: null,
          },
    idempotency: o.idempotency
      ? o.idempotency.map((r) => ({
          revision: r.revision,
          path: r.path,
          ok: r.ok,
          statement: r.failure?.statement ?? null,
          error: r.failure?.error ?? null,
        }))
      : null,
    then: o.then
      ? {
          command: o.then.command,
          ok: o.then.ok,
          ms: o.then.ms,
          exit: o.then.exit,
          error: o.then.failure?.error ?? null,
          unfenced: o.then.unfenced ?? null,
        }
      : null,
  };
}
