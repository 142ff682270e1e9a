import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { EXIT_CODES } from '../../src/commands/exit-codes.js';
import { FAILING_EXIT_CODES } from '../../src/report/hook-job.js';

// The Job that runs release before a Helm or Argo CD rollout. No cluster runs here: each manifest is
// validated against the Kubernetes API's schema (batch/v1 Job, from kubernetes-models), and what it
// says is read back; they were not run on a cluster.

const job = (...args: string[]) => runCli(tempDir('hook-job-'), ['hook-job', ...args]);

describe('hook-job: release as a Helm or Argo CD hook Job', () => {
  it.each([
    [
      'helm',
      { 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-delete-policy': 'before-hook-creation' },
    ],
    [
      'argocd',
      { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' },
    ],
  ])('%s: a valid batch/v1 Job, run once, its failing exit codes failing the hook', (engine, annotations) => {
    const r = job(
      '--engine',
      engine,
      '--image',
      'registry.example.com/shop:v42',
      '--app',
      'shop',
      '--secret',
      'shop-db',
    );
    expect(r.status, r.stderr).toBe(0);
    const manifest = parse(r.stdout) as Record<string, unknown>;
    // the schema the API server validates with: throws on an unknown field or a wrong type
    expect(() => new Job(manifest as never).validate()).not.toThrow();
    const m = manifest as {
      metadata: { annotations: Record<string, string> };
      spec: {
        backoffLimit: number;
        activeDeadlineSeconds: number;
        podFailurePolicy: { rules: { action: string; onExitCodes?: { values: number[] } }[] };
        template: {
          spec: {
            restartPolicy: string;
            containers: { command: string[]; env: { name: string; value?: string }[] }[];
          };
        };
      };
    };
    expect(m.metadata.annotations).toMatchObject(annotations);
    expect([m.spec.backoffLimit, m.spec.template.spec.restartPolicy, m.spec.activeDeadlineSeconds]).toEqual([
      0,
      'Never',
      3600,
    ]);
    const container = m.spec.template.spec.containers[0]!;
    expect(container.command).toEqual(['alembic-preflight', 'release', '--deadline', '55']);
    expect(container.env.find((e) => e.name === 'ALEMBIC_PREFLIGHT_APP')?.value).toBe('shop');
    // every exit code of release but 0 fails the Job at once, and so the hook and the rollout
    const failing = m.spec.podFailurePolicy.rules.find((x) => x.action === 'FailJob')!.onExitCodes!.values;
    expect(failing).toEqual([...FAILING_EXIT_CODES]);
    const documented = [...EXIT_CODES.release.matchAll(/^\s*(\d+)(?:\/(\d+))?\s/gmu)].flatMap((x) =>
      [x[1], x[2]].filter((c): c is string => c !== undefined).map(Number),
    );
    expect(documented.filter((c) => c !== 0).sort((a, b) => a - b)).toEqual(
      [...failing].sort((a, b) => a - b),
    );
  });

  it('refuses an app name or image that is not one, with exit 2', () => {
    const bad = job('--engine', 'helm', '--image', 'shop v42', '--app', 'shop');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('is not an image reference');
    expect(job('--engine', 'helm', '--image', 'shop:v42', '--app', 'shop; rm -rf /').status).toBe(2);
  });
});
