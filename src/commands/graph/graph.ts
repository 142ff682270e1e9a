import { defineCommand } from '../command-spec.js';
import { EXIT_CODES } from '../exit-codes.js';
import { databaseArgs, databaseOptions, projectArgs, projectOptions } from '../shared-options.js';

export const graph = defineCommand({
  name: 'graph',
  command: 'graph',
  brief: "Draw the revision graph, with a database's rows marked",
  group: 'Inspect',
  summary:
    "Draw the revision graph (Mermaid, DOT, or the text of `alembic history`), with a database's rows, pending revisions and stray ids marked.",
  usage: '$0 graph [options]',
  examples: [
    ['$0 graph > graph.mmd', 'the history as a Mermaid flowchart'],
    [
      'DATABASE_URL=… $0 graph --format dot | dot -Tsvg > graph.svg',
      "with the database's rows, pending revisions and stray ids marked",
    ],
  ],
  exitCodes: EXIT_CODES.graph,
  options: (y) =>
    databaseOptions(
      projectOptions(y, {
        choices: ['mermaid', 'dot', 'text', 'history'] as const,
        default: 'mermaid' as const,
        describe:
          "mermaid (a flowchart), dot (Graphviz), or text: the lines `alembic history` prints (history is the same), with a database's rows marked when --database-url is given",
      }),
    ).option('full', {
      type: 'boolean',
      default: false,
      describe: 'draw every revision (otherwise a straight run of more than 4 shows its ends and a count)',
    }),
  async run(args, ctx) {
    ctx.setFormat('text');
    const { graphCommand } = await import('./graph-command.js');
    ctx.report(
      await graphCommand({
        ...projectArgs({ ...args, format: 'text' }, ctx.build),
        ...databaseArgs(args),
        env: ctx.env,
        graphFormat: args.format === 'history' ? 'text' : args.format,
        full: args.full,
      }),
    );
  },
});
