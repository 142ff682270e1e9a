import type { RehearseOutcome } from '../release/rehearse-outcome.js';

/** The rehearsal: each Alembic command with its time, what failed and where, what a downgrade left behind. */
export function rehearseText(o: RehearseOutcome): string {
  const how = o.mode === 'from-production' ? `the pending upgrade on production's schema, copied with ${o.copiedWith ?? 'its catalog'}` : o.mode === 'step' ? 'each revision up, down, up' : 'upgrade, downgrade, upgrade';
  const lines = [`alembic-preflight rehearse (${how}) on ${o.scratch}, removed afterwards`, ''];
  for (const s of o.steps) {
    lines.push(`${s.ok ? 'ok    ' : 'FAILED'} ${o.command} ${s.command} ${s.target} (${(s.ms / 1000).toFixed(1)} s)`);
    if (s.failure) {
      if (s.failure.revision) lines.push(`  revision: ${s.failure.revision}`);
      if (s.failure.statement) lines.push(`  statement: ${s.failure.statement}`);
      lines.push(`  error: ${s.failure.error}`);
    }
  }
  for (const d of o.drift) {
    lines.push('', `schema ${d.when}${d.revision ? `, ${d.revision} (${d.path})` : ''}:`);
    for (const x of d.leftBehind) lines.push(`  left behind: ${x}`);
    for (const x of d.missing) lines.push(`  missing: ${x}`);
  }
  lines.push('');
  if (o.interrupted) lines.push(`STOPPED by ${o.interrupted}; the scratch database was removed.`);
  else if (o.ok && o.mode === 'from-production') lines.push("OK: the pending upgrade ran on a copy of production's schema.");
  else if (o.ok) lines.push(`OK: the migrations ran ${o.mode === 'step' ? 'up, down and up again, one revision at a time' : 'up, down and up again'}, and each downgrade gave back the schema from before its upgrade.`);
  else {
    const failed = o.steps.find((s) => !s.ok);
    lines.push(failed ? `FAILED: \`${o.command} ${failed.command} ${failed.target}\`${failed.failure?.revision ? ` at ${failed.failure.revision}` : ''}: ${failed.failure?.error ?? 'failed'}` : `FAILED: ${o.drift.length} schema difference${o.drift.length === 1 ? '' : 's'} after a downgrade or a repeated upgrade (above).`);
  }
  return lines.join('\n') + '\n';
}

export function rehearseJson(o: RehearseOutcome): unknown {
  return {
    schemaVersion: 1,
    command: 'rehearse',
    ok: o.ok,
    mode: o.mode,
    scratch: o.scratch,
    copiedWith: o.copiedWith ?? null,
    interrupted: o.interrupted ?? null,
    steps: o.steps.map((s) => ({ command: s.command, target: s.target, ok: s.ok, ms: s.ms, revision: s.failure?.revision ?? null, statement: s.failure?.statement ?? null, error: s.failure?.error ?? null })),
    drift: o.drift.map((d) => ({ when: d.when, revision: d.revision ?? null, path: d.path ?? null, leftBehind: d.leftBehind, missing: d.missing })),
  };
}
