import { RULES } from '../../check/rules.js';
import { UsageError } from '../../errors/errors.js';
import { findingPage } from '../../version.js';
import { defineCommand } from '../command-spec.js';
import { EXIT_CODES } from '../exit-codes.js';

export const explainCommand = defineCommand({
  name: 'explain',
  command: 'explain <code>',
  brief: "Print a finding's page: the problem, an example, the fix",
  group: 'Inspect',
  summary:
    "Print a finding's page: what the problem is, an example, and the fix (the page under docs/findings/).",
  usage: '$0 explain CODE',
  examples: [['$0 explain stamped-revision-missing', 'the guest_lockout_001 finding: problem, example, fix']],
  exitCodes: EXIT_CODES.explain,
  options: (y) =>
    y
      .positional('code', { type: 'string', describe: 'a finding code, as reports print it in brackets' })
      .option('format', { choices: ['text', 'json'] as const, default: 'text' as const }),
  run(args, ctx) {
    ctx.setFormat(args.format);
    ctx.write(explain(String(args.code), args.format));
  },
});

/** `explain CODE`: the finding's page, or its summary and page as JSON. */
function explain(code: string, format: 'text' | 'json'): string {
  const rule = RULES.find((r) => r.code === code);
  const page = rule ? findingPage(code) : undefined;
  if (!rule || page === undefined) {
    const words = code.split(/[^a-z0-9]+/u).filter((w) => w.length > 2);
    // the codes that share the most words with what was typed
    const score = (c: string): number => words.filter((w) => c.includes(w)).length;
    const close = RULES.map((r) => r.code)
      .filter((c) => score(c) > 0)
      .sort((a, b) => score(b) - score(a));
    throw new UsageError(`No finding has the code '${code}'.`, {
      hint:
        close.length > 0
          ? `Did you mean ${close.slice(0, 5).join(', ')}?`
          : 'alembic-preflight check --rules lists every code.',
    });
  }
  if (format === 'json')
    return (
      JSON.stringify(
        {
          schemaVersion: 1,
          command: 'explain',
          code,
          severity: rule.severity,
          kind: rule.kind ?? 'graph',
          summary: rule.summary,
          page: `docs/findings/${code}.md`,
          text: page,
        },
        null,
        2,
      ) + '\n'
    );
  return page.endsWith('\n') ? page : page + '\n';
}
