import { describe, expect, it } from 'vitest';
import { platformOf } from '../../src/deploy/release-commands.js';
import { procfileTarget } from '../../src/deploy/procfile-target.js';
import { diskFiles } from '../../src/project/project-files.js';
import { runCli } from '../helpers/cli.js';
import { DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

// Each platform's pre-deploy line, read as the Procfile's release line is: the target the deploy
// upgrades to, and where it is written. On a platform, only its own file counts.

const V = 'migrations/versions/';
/** Two branches: `head` fails with several heads, `heads` upgrades both; the line decides. */
const BRANCHES = {
  [V + 'a1_x.py']: rev('a1', null),
  [V + 'b1_x.py']: rev('b1', null),
};

const target = (root: string, env: Record<string, string> = {}) =>
  procfileTarget(diskFiles(), root, undefined, undefined, platformOf(env));

describe("each platform's pre-deploy line is the release line", () => {
  it.each([
    ['fly.toml', 'app = "shop"\n\n[deploy]\n  release_command = "alembic upgrade heads"\n', 4],
    [
      'render.yaml',
      'services:\n  - type: web\n    name: shop\n    preDeployCommand: alembic upgrade heads # migrate first\n',
      4,
    ],
    ['railway.json', '{\n  "deploy": {\n    "preDeployCommand": ["alembic upgrade heads"]\n  }\n}\n', 3],
    ['railway.toml', '[deploy]\npreDeployCommand = "alembic upgrade heads"\n', 2],
    [
      'app.json',
      '{\n  "scripts": {\n    "dokku": {\n      "predeploy": "alembic upgrade heads"\n    }\n  }\n}\n',
      4,
    ],
  ])('%s', (file, text, line) => {
    const root = makeProject({ ...BRANCHES, [file]: text }, DEFAULT_INI);
    expect(target(root)).toMatchObject({ target: 'heads', path: file, line });
    // check grades what the deploy runs, and says where it read it
    const r = runCli(root, ['check']);
    expect(r.stdout).toContain(`graded for \`alembic upgrade heads\` (the release line in ${file}:${line})`);
  });

  // valid TOML and YAML, spelled as people write them: read by the platforms' own grammars
  it.each([
    ['fly.toml', '[deploy] # run migrations first\nrelease_command = "alembic upgrade heads"\n', 2],
    ['fly.toml', 'app = "shop"\ndeploy.release_command = "alembic upgrade heads"\n', 2],
    ['fly.toml', 'deploy = { strategy = "rolling", release_command = "alembic upgrade heads" }\n', 1],
    ['fly.toml', '[deploy]\nrelease_command = """\nalembic upgrade heads"""\n', 2],
    ['fly.toml', "[deploy]\n'release_command' = 'alembic upgrade heads'\n", 2],
    [
      'render.yaml',
      'services:\n  - type: web\n    name: shop\n    preDeployCommand: >-\n      alembic upgrade\n      heads\n',
      4,
    ],
    [
      'render.yaml',
      'x-migrate: &migrate alembic upgrade heads\nservices:\n  - type: web\n    name: shop\n    preDeployCommand: *migrate\n',
      5,
    ],
    [
      'render.yaml',
      'services:\n  - { type: web, name: shop, preDeployCommand: "alembic upgrade heads" }\n',
      2,
    ],
    ['railway.toml', '[deploy]\npreDeployCommand = [\n  "alembic upgrade heads",\n]\n', 2],
    ['railway.toml', '[deploy]\npreDeployCommand = ["alembic upgrade heads", "echo done, migrated"]\n', 2],
    [
      'heroku.yml',
      'build:\n  docker:\n    web: Dockerfile\nrelease:\n  image: web\n  command: [alembic upgrade heads]\n',
      6,
    ],
  ])('%s: %j', (file, text, line) => {
    const root = makeProject({ ...BRANCHES, [file]: text }, DEFAULT_INI);
    expect(target(root)).toMatchObject({ target: 'heads', path: file, line });
    const r = runCli(root, ['check', '--format', 'json']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ target: 'heads', targetFrom: `${file}:${line}` });
  });

  it.each([
    ['fly.toml', '[deploy]\nrelease_command = "alembic upgrade heads\n', 2, 'TOML'],
    ['render.yaml', 'services:\n  - type: web\n   name: shop\n', 3, 'YAML'],
  ])(
    'a %s the parser rejects is a configuration error at its line, never a guess',
    (file, text, line, format) => {
      const root = makeProject({ ...BRANCHES, [file]: text }, DEFAULT_INI);
      const r = runCli(root, ['check']);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`${file}:${line} is not valid ${format}`);
    },
  );

  it('on a platform its own file wins; elsewhere files that disagree leave the default', () => {
    const root = makeProject(
      {
        ...BRANCHES,
        Procfile: 'release: alembic upgrade head\n',
        'fly.toml': '[deploy]\nrelease_command = "alembic upgrade heads"\n',
      },
      DEFAULT_INI,
    );
    expect(target(root, { FLY_APP_NAME: 'shop' })).toMatchObject({ target: 'heads', path: 'fly.toml' });
    expect(target(root, { DYNO: 'release.1' })).toMatchObject({ target: 'head', path: 'Procfile' });
    expect(target(root)).toBeUndefined();
  });
});
