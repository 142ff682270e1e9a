import { platformOf } from '../deploy/release-commands.js';

/** Where a release runs, from the variables each platform sets (not generic CI guessing). */
export interface RunContext {
  readonly name:
    'heroku-release' | 'heroku-ci' | 'fly' | 'render' | 'railway' | 'kubernetes' | 'github-actions' | 'local';
  readonly description: string;
}

export function detectContext(env: Readonly<Record<string, string | undefined>>): RunContext {
  const dyno = env.DYNO ?? '';
  if (/^release\.\d+$/u.test(dyno))
    return { name: 'heroku-release', description: `Heroku release phase (dyno ${dyno})` };
  if (env.HEROKU_TEST_RUN_ID)
    return { name: 'heroku-ci', description: `Heroku CI (test run ${env.HEROKU_TEST_RUN_ID})` };
  // the platforms whose pre-deploy file is read are known by the same variables
  const platform = platformOf(env);
  if (platform === 'fly')
    return {
      name: 'fly',
      description: `Fly.io ${env.RELEASE_COMMAND === '1' ? 'release_command' : 'machine'} (app ${env.FLY_APP_NAME})`,
    };
  if (platform === 'render')
    return { name: 'render', description: `Render (service ${env.RENDER_SERVICE_NAME ?? 'unnamed'})` };
  if (platform === 'railway')
    return {
      name: 'railway',
      description: `Railway (service ${env.RAILWAY_SERVICE_NAME ?? 'unnamed'}, environment ${env.RAILWAY_ENVIRONMENT_NAME ?? 'unnamed'})`,
    };
  if (env.KUBERNETES_SERVICE_HOST)
    return { name: 'kubernetes', description: `Kubernetes (pod ${env.HOSTNAME ?? 'unnamed'})` };
  if (env.GITHUB_ACTIONS === 'true')
    return {
      name: 'github-actions',
      description: `GitHub Actions${env.GITHUB_WORKFLOW ? ` (workflow ${env.GITHUB_WORKFLOW})` : ''}`,
    };
  return { name: 'local', description: 'local run (no DYNO, HEROKU_TEST_RUN_ID or GITHUB_ACTIONS)' };
}
