import { defineCommand } from '../command-spec.js';
import { EXIT_CODES } from '../exit-codes.js';

export const hookJob = defineCommand({
  name: 'hook-job',
  command: 'hook-job',
  brief: 'Print the Kubernetes Job that runs release as a Helm/Argo CD hook',
  group: 'Guard a release',
  summary:
    "Print a Kubernetes Job that runs `alembic-preflight release` before a rollout: a Helm pre-install,pre-upgrade hook or an Argo CD PreSync hook, no retries, a deadline, and release's failing exit codes mapped to a failed hook.",
  usage: '$0 hook-job --engine helm|argocd --image IMAGE --app NAME [--secret NAME] [--deadline MIN]',
  examples: [
    [
      '$0 hook-job --engine helm --image registry/shop:v42 --app shop > templates/migrate-job.yaml',
      "a Helm chart's hook",
    ],
    [
      '$0 hook-job --engine argocd --image registry/shop:v42 --app shop --secret shop-db',
      'an Argo CD PreSync Job',
    ],
  ],
  exitCodes: EXIT_CODES.hookJob,
  options: (y) =>
    y
      .option('engine', {
        choices: ['helm', 'argocd'] as const,
        demandOption: true,
        describe: 'helm: a pre-install,pre-upgrade hook; argocd: a PreSync hook',
      })
      .option('image', {
        type: 'string',
        demandOption: true,
        describe: 'the image with the app and alembic-preflight',
      })
      .option('app', {
        type: 'string',
        demandOption: true,
        describe: "the app's name, set as ALEMBIC_PREFLIGHT_APP: whose database release may migrate",
      })
      .option('secret', {
        type: 'string',
        describe: 'the Secret whose DATABASE_URL key the pod reads (default: database)',
      })
      .option('deadline', {
        type: 'number',
        describe: "minutes before Kubernetes stops the Job (default 60; release's own --deadline is 5 less)",
      }),
  async run(args, ctx) {
    ctx.setFormat('text');
    const { hookJobCommand } = await import('./hook-job-command.js');
    ctx.report(
      hookJobCommand({
        engine: args.engine,
        image: args.image,
        app: args.app,
        ...(args.secret !== undefined ? { secret: args.secret } : {}),
        ...(args.deadline !== undefined ? { deadlineMinutes: args.deadline } : {}),
      }),
    );
  },
});
