import type { RehearseOutcome } from '../release/rehearse-outcome.js';
import { cell, escapeData, escapeProperty } from './review-formats.js';
import { rehearseVerdict } from './rehearse-report.js';
import { verdictLineText } from './verdict-line.js';

// rehearse for review: GitHub annotations on the files and lines its results name, and a Markdown
// summary for $GITHUB_STEP_SUMMARY or a pull-request comment.

interface Note {
  readonly title: string;
  readonly body: string;
  readonly path?: string;
  readonly line?: number;
}

/** What failed, each with the file (and line) it belongs to where one is known. */
function notes(o: RehearseOutcome): Note[] {
  const out: Note[] = [];
  for (const s of o.steps)
    if (!s.ok)
      out.push({
        title: `rehearse: ${o.command} ${s.command} ${s.target} failed`,
        body: [
          s.failure?.revision ? `revision ${s.failure.revision}` : '',
          s.failure?.statement ? `statement: ${s.failure.statement}` : '',
          s.failure?.error ?? 'failed',
        ]
          .filter((x) => x !== '')
          .join('\n'),
      });
  for (const d of o.drift)
    out.push({
      title: `rehearse: the schema ${d.when}`,
      body: [...d.leftBehind.map((x) => `left behind: ${x}`), ...d.missing.map((x) => `missing: ${x}`)].join(
        '\n',
      ),
      ...(d.path ? { path: d.path } : {}),
    });
  for (const r of o.idempotency ?? [])
    if (!r.ok)
      out.push({
        title: `rehearse --idempotent: ${r.revision} fails when run a second time`,
        body: [r.failure?.statement ? `statement: ${r.failure.statement}` : '', r.failure?.error ?? 'failed']
          .filter((x) => x !== '')
          .join('\n'),
        path: r.path,
      });
  if (o.models && 'failed' in o.models)
    out.push({
      title: 'rehearse: the models could not be compared with the schema',
      body: `${o.models.failed.error}\nfix: make env.py importable outside alembic upgrade, or pass --no-drift`,
    });
  else
    for (const d of o.models?.differences ?? [])
      out.push({
        title: 'rehearse: the models and the migrations differ',
        body: `${d.summary}\nmodels: ${d.models}\nmigrations: ${d.migrations}`,
        ...(d.touched ? { path: d.touched.path, line: d.touched.line } : {}),
      });
  if (o.then && !o.then.ok)
    out.push({
      title: `rehearse --then: ${o.then.command} failed`,
      body: `${o.then.exit}: ${o.then.failure?.error ?? ''}`,
    });
  return out;
}

/** `--format github`: one `::error` workflow command per thing that failed, then the verdict. */
export function rehearseGithub(o: RehearseOutcome): string {
  const lines = notes(o).map((n) => {
    const props = [
      n.path !== undefined ? `file=${escapeProperty(n.path)}` : undefined,
      n.path !== undefined && n.line !== undefined ? `line=${n.line}` : undefined,
      `title=${escapeProperty(n.title)}`,
    ].filter((p): p is string => p !== undefined);
    return `::error ${props.join(',')}::${escapeData(n.body)}`;
  });
  return [...lines, verdict(o)].join('\n') + '\n';
}

/** `--format markdown`: the verdict, the commands run, and each thing that failed with its place. */
export function rehearseMarkdown(o: RehearseOutcome): string {
  const lines = [
    `## alembic-preflight rehearse: ${o.ok ? '✅' : '❌'} ${cell(verdict(o))}`,
    '',
    '| command | ok | time |',
    '|---|---|---|',
  ];
  for (const s of o.steps)
    lines.push(
      `| ${cell(`\`${o.command} ${s.command} ${s.target}\``)} | ${s.ok ? '✅' : '❌'} | ${(s.ms / 1000).toFixed(1)} s |`,
    );
  if (o.models && !('failed' in o.models))
    lines.push(
      '',
      o.models.metadata
        ? `Models against the migrations: ${o.models.differences.length === 0 ? 'no difference.' : `${o.models.differences.length} difference${o.models.differences.length === 1 ? '' : 's'}.`}`
        : 'Models: env.py passes no target_metadata.',
    );
  const failed = notes(o);
  if (failed.length > 0) {
    lines.push('', '| what | where | details |', '|---|---|---|');
    for (const n of failed)
      lines.push(
        `| ${cell(n.title)} | ${n.path !== undefined ? cell(`\`${n.path}${n.line !== undefined ? `:${n.line}` : ''}\``) : ''} | ${cell(n.body.replace(/\n/gu, '; '))} |`,
      );
  }
  return lines.join('\n') + '\n';
}

function verdict(o: RehearseOutcome): string {
  return verdictLineText(rehearseVerdict(o));
}
