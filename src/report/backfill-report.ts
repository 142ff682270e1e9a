import { describeForensics } from '../history/git-history.js';
import { verdictLine, verdictLineText, type VerdictLine } from './verdict-line.js';
import type { UpgradePrediction } from '../alembic/graph/upgrade-plan.js';
import type { BackfillOutcome, Proof, Refusal } from '../generate/plan-backfill.js';
import { unifiedDiff } from '../generate/unified-diff.js';
import { releaseLineShown } from './text-report.js';
import { upgradeAs } from '../check/db-helpers.js';
import { schemaWords } from '../check/schema/describe-object.js';
import path from 'node:path';

const rowLabel = (r: unknown): string =>
  typeof r === 'string' ? r : r === null ? 'NULL' : (r as { repr: string }).repr;

function runs(p: UpgradePrediction): string {
  if (!p.willSucceed) return `fails: ${p.cliOutput ?? p.unpredictable ?? 'unknown'}`;
  return p.steps.length === 0 ? 'runs nothing' : `runs ${p.steps.map((s) => s.revision).join(' → ')}`;
}

/** The dry run's diff and plan, or what was written; the proof; and every refusal with its candidates. */
export function backfillText(o: BackfillOutcome, write: boolean): string {
  const { plan } = o;
  const cwd = o.cwd;
  const lines: string[] = [];
  const mode = o.written ? 'written' : write ? 'nothing written' : 'dry run: nothing written';
  lines.push(`alembic-preflight backfill (${mode})`);
  if (o.targetFrom)
    lines.push(
      `target: \`${upgradeAs(o.words, o.target)}\`, the release line in ${releaseLineShown(o.targetFrom, o.targetVia)}`,
    );
  lines.push('');
  if (plan.placeholders.length === 0 && plan.refused.length === 0 && plan.skipped.length === 0) {
    lines.push('OK: nothing to backfill, every id resolves to a revision in the repository');
    return lines.join('\n') + '\n';
  }
  for (const s of plan.skipped) lines.push(`${s.id}: skipped, ${s.reason}`, '');
  for (const p of plan.placeholders) {
    lines.push(`${p.id}: placeholder after ${p.downRevisions.join(', ') || 'base'}`);
    lines.push(`  placed by: ${p.placement}`);
    if (p.forensics) lines.push(`  git: ${describeForensics(p.forensics)}`);
    if (p.forensics?.kind === 'deleted' && p.forensics.operations) {
      const f = p.forensics;
      lines.push(
        `  WARNING: ${f.path} was a real migration: its upgrade() ran operations. A database that ran it keeps them, but a fresh database (a review app, CI, a new environment) upgraded through this placeholder never gets them. Restore the file instead when you can: git show ${f.commit.short}^:${f.path} > ${f.path}`,
      );
    }
    lines.push(`  new file: ${p.path}`);
    for (const r of p.rewired)
      lines.push(
        `  rewired: ${r.path} (${r.revision}) line${r.lines.length > 1 ? 's' : ''} ${r.lines.join(', ')} now revise ${p.id}${r.notes.length ? `; ${r.notes.join('; ')}` : ''}`,
      );
    lines.push('');
  }
  if (plan.placeholders.length > 0 && !o.written) {
    for (const [abs, c] of plan.changes) {
      lines.push(
        unifiedDiff(
          path.relative(cwd, abs),
          c.before === null ? null : c.before.toString('utf8'),
          c.after.toString('utf8'),
        ).trimEnd(),
      );
    }
    lines.push('');
  }
  for (const r of plan.refused) lines.push(...refusedLines(o, r), '');
  const proof = plan.proof;
  if (proof) lines.push(...proofLines(o, proof), '');
  lines.push(verdictLineText(backfillVerdict(o)));
  return lines.join('\n') + '\n';
}

export function backfillJson(o: BackfillOutcome, write: boolean): unknown {
  const { plan } = o;
  const prediction = (p: UpgradePrediction) => ({
    willSucceed: p.willSucceed,
    steps: p.steps.map((s) => s.revision),
    alembicOutput: p.cliOutput,
    unpredictable: p.unpredictable ?? null,
  });
  return {
    schemaVersion: 1,
    command: 'backfill',
    ok: o.ok,
    dryRun: !write,
    written: o.written,
    restored: o.restored ?? null,
    target: o.target,
    targetFrom: o.targetFrom ?? null,
    targetVia: o.targetVia ?? null,
    placeholders: plan.placeholders.map((p) => ({
      revision: p.id,
      downRevisions: p.downRevisions,
      placement: p.placement,
      path: p.path,
      forensics: p.forensics ?? null,
      rewired: p.rewired,
    })),
    skipped: plan.skipped,
    refused: plan.refused.map((r) => ({
      revision: r.id,
      reason: r.reason,
      suggestion: r.suggestion ?? null,
      forensics: r.forensics ?? null,
      candidates: r.candidates.map((c) => ({
        after: c.after,
        rewires: c.rewires,
        prediction: prediction(c.prediction),
        schema: c.schema ? { agree: c.schema.agree, of: c.schema.of, present: c.schema.present } : null,
      })),
      ...(r.stale
        ? { stale: { otherRows: r.stale.rest.map(rowLabel), prediction: prediction(r.stale.prediction) } }
        : {}),
    })),
    changes: [...plan.changes].map(([abs, c]) => ({
      path: path.relative(o.cwd, abs),
      kind: c.before === null ? 'create' : 'modify',
    })),
    proof: plan.proof
      ? {
          ok: plan.proof.ok,
          headsBefore: plan.proof.headsBefore,
          headsAfter: plan.proof.headsAfter,
          scenarios: plan.proof.scenarios.map((s) => ({
            rows: s.rows.map(rowLabel),
            resolves: s.resolves,
            prediction: prediction(s.prediction),
          })),
          problems: plan.proof.problems,
          schema: plan.proof.schema
            ? {
                checked: plan.proof.schema.checked,
                unknown: plan.proof.schema.unknown,
                differ: plan.proof.schema.differ,
                clash: plan.proof.schema.clash ?? null,
              }
            : null,
        }
      : null,
  };
}

/** An id backfill did not place: why, and where it could go. */
function refusedLines(o: BackfillOutcome, r: Refusal): string[] {
  const lines: string[] = [];
  lines.push(`${r.id}: NOT placed: ${r.reason}`);
  if (r.forensics && !r.reason.includes(describeForensics(r.forensics)))
    lines.push(`  git: ${describeForensics(r.forensics)}`);
  if (r.suggestion) lines.push(`  fix: ${r.suggestion}`);
  if (r.candidates.length > 0) {
    lines.push(
      `  Where could it go? With the placeholder after each of these, \`${upgradeAs(o.words, r.candidates[0]!.prediction.target)}\` would, on this database:`,
    );
    for (const c of r.candidates) {
      const schema = c.schema ? `; schema: ${schemaWords(c.schema)}` : '';
      lines.push(
        `    --after ${c.after} --rewire: ${runs(c.prediction)}${c.rewires.length ? ` (rewires ${c.rewires.join(', ')})` : ''}${schema}`,
      );
    }
    if (r.stale) {
      const rest = r.stale.rest.map(rowLabel).join(', ');
      lines.push(
        `  None of these works, and the database's other row${r.stale.rest.length > 1 ? 's' : ''} (${rest}) already say${r.stale.rest.length > 1 ? '' : 's'} where it is: the row '${r.id}' is stale and should go, not get a placeholder:`,
      );
      lines.push(
        `    DELETE FROM ${o.versionTable ?? 'alembic_version'} WHERE version_num = '${r.id.replaceAll("'", "''")}';`,
      );
      lines.push(
        `  Proof: from ${rest} alone, \`${upgradeAs(o.words, r.stale.prediction.target)}\` ${runs(r.stale.prediction)}.`,
      );
    } else {
      // the schema names the parent only when every object compared agrees and some are there at all
      const best = r.candidates[0]!.schema;
      const named = best && best.agree === best.of && best.present > 0 ? r.candidates[0]!.after : undefined;
      if (named)
        lines.push(`  The schema is exactly what the migrations up to ${named} leave; place it there:`);
      else {
        if (r.nothingCompared)
          lines.push(
            '  The schema cannot tell: the database has none of the objects the migrations create, so nothing could be compared.',
          );
        lines.push('  Pick the revision the database had reached when it was stamped, then run:');
      }
      lines.push(
        `    alembic-preflight backfill --revision ${r.id} --after ${named ?? '<REV>'} --rewire --write`,
      );
    }
  }
  return lines;
}

/** The proof: heads before and after, each stamped state's predicted upgrade, the schema. */
function proofLines(o: BackfillOutcome, proof: Proof): string[] {
  const lines: string[] = [];
  lines.push('Proof (graph rebuilt with the placeholders, upgrade predicted):');
  lines.push(
    `  heads: ${proof.headsBefore.join(', ') || '(none)'} → ${proof.headsAfter.join(', ') || '(none)'}`,
  );
  for (const s of proof.scenarios) {
    const from = s.rows.map(rowLabel).join(', ');
    lines.push(
      `  database at ${from}: rows ${s.resolves ? 'resolve' : 'do NOT resolve'}; \`${upgradeAs(o.words, s.prediction.target)}\` ${runs(s.prediction)}`,
    );
  }
  if (proof.schema) {
    const counted = `${proof.schema.checked} object${proof.schema.checked === 1 ? '' : 's'} checked, ${proof.schema.unknown} unknown`;
    lines.push(
      proof.schema.differ.length === 0
        ? `  schema: with the no-op placeholder, the catalog agrees with what the migrations up to the stamp leave (${counted})`
        : `  schema: with the no-op placeholder, the catalog differs from what the migrations up to the stamp leave (${counted}):`,
    );
    for (const d of proof.schema.differ.slice(0, 10)) lines.push(`    ${d}`);
    if (proof.schema.differ.length > 10) lines.push(`    and ${proof.schema.differ.length - 10} more`);
  }
  for (const p of proof.problems) lines.push(`  problem: ${p}`);
  return lines;
}

/** backfill's verdict: what was written or would be, or why nothing was. */
function backfillVerdict(o: BackfillOutcome): VerdictLine {
  const { plan } = o;
  const n = plan.placeholders.length;
  const placeholders = `${n} placeholder${n > 1 ? 's' : ''}`;
  if (o.restored)
    return verdictLine(
      'FAILED',
      `the files were written, but the proof failed on disk (${o.restored}), so every file is back as it was`,
    );
  if (plan.refused.length > 0)
    return verdictLine(
      'BLOCKED',
      `${plan.refused.length} id${plan.refused.length > 1 ? 's' : ''} could not be placed, so nothing was written`,
    );
  if (plan.proof && !plan.proof.ok) return verdictLine('BLOCKED', 'the proof failed, so nothing was written');
  if (o.written)
    return verdictLine(
      'OK',
      `wrote ${placeholders}, and \`${upgradeAs(o.words, o.target)}\` is predicted to succeed: commit the files and deploy`,
    );
  if (n > 0) return verdictLine('OK', `the proof holds for ${placeholders} (apply with --write)`, 'dry-run');
  return verdictLine(
    'OK',
    `nothing to write (${plan.skipped.length} id${plan.skipped.length === 1 ? '' : 's'} skipped, each with its reason above)`,
  );
}
