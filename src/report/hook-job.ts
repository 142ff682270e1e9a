/** What the Job runs and where, for `hook-job`. */
export interface HookJobOptions {
  /** helm: a pre-install,pre-upgrade hook; argocd: a PreSync hook. */
  readonly engine: 'helm' | 'argocd';
  /** The image that has the app and alembic-preflight (the wheel, or Node with the package). */
  readonly image: string;
  /** The app's name, set as ALEMBIC_PREFLIGHT_APP: whose database this is (database-owned-elsewhere). */
  readonly app: string;
  /** The Secret whose DATABASE_URL key the pod reads (default: database). */
  readonly secret?: string;
  /** Minutes before Kubernetes stops the Job (activeDeadlineSeconds); release's own --deadline is 5 less. */
  readonly deadlineMinutes?: number;
}

/** release's exit codes that fail the hook at once (no retry): blocked, usage, database, the command, mismatch, a bug, a signal. */
export const FAILING_EXIT_CODES = [1, 2, 3, 4, 5, 70, 130, 143] as const;

const ANNOTATIONS: Record<HookJobOptions['engine'], readonly [string, string][]> = {
  helm: [
    ['helm.sh/hook', 'pre-install,pre-upgrade'],
    ['helm.sh/hook-weight', '-5'],
    ['helm.sh/hook-delete-policy', 'before-hook-creation'],
  ],
  argocd: [
    ['argocd.argoproj.io/hook', 'PreSync'],
    ['argocd.argoproj.io/hook-delete-policy', 'BeforeHookCreation'],
  ],
};

/**
 * A batch/v1 Job that runs `alembic-preflight release` once before the rollout: no retries
 * (backoffLimit 0, restartPolicy Never), a deadline, and a podFailurePolicy (Kubernetes 1.26+) that
 * fails the Job at once on each of release's failing exit codes, so the hook fails and Helm or Argo CD
 * stops the rollout; a pod evicted by a node drain (DisruptionTarget) is started again instead. Strings
 * are written as JSON strings, which YAML reads as they are.
 */
export function hookJob(o: HookJobOptions): string {
  const q = (s: string): string => JSON.stringify(s);
  const deadline = o.deadlineMinutes ?? 60;
  const releaseDeadline = Math.max(1, deadline - 5);
  return [
    'apiVersion: batch/v1',
    'kind: Job',
    'metadata:',
    '  name: alembic-preflight-release',
    '  annotations:',
    ...ANNOTATIONS[o.engine].map(([k, v]) => `    ${q(k)}: ${q(v)}`),
    'spec:',
    '  backoffLimit: 0',
    `  activeDeadlineSeconds: ${deadline * 60}`,
    '  podFailurePolicy:',
    '    rules:',
    '      - action: Ignore',
    '        onPodConditions:',
    '          - type: DisruptionTarget',
    '      - action: FailJob',
    '        onExitCodes:',
    '          containerName: release',
    '          operator: In',
    `          values: [${FAILING_EXIT_CODES.join(', ')}]`,
    '  template:',
    '    spec:',
    '      restartPolicy: Never',
    '      containers:',
    '        - name: release',
    `          image: ${q(o.image)}`,
    `          command: [${q('alembic-preflight')}, ${q('release')}, ${q('--deadline')}, ${q(String(releaseDeadline))}]`,
    '          env:',
    '            - name: ALEMBIC_PREFLIGHT_APP',
    `              value: ${q(o.app)}`,
    '            - name: DATABASE_URL',
    '              valueFrom:',
    '                secretKeyRef:',
    `                  name: ${q(o.secret ?? 'database')}`,
    '                  key: DATABASE_URL',
    '',
  ].join('\n');
}
