import { describe, expect, it } from 'vitest';
import { unprovedCommand } from '../../src/release/command-proof.js';
import { parseDatabaseUrl } from '../../src/database/database-url.js';
import { shellTokens } from '../../src/release/shell-tokens.js';
import { memoryFiles } from '../helpers/memory-files.js';

/**
 * What the tool proves fenced before it starts a command, read by the grammar of the programs it knows;
 * the rest is refused. The files are an app's, held in memory: its scripts, console scripts on PATH.
 */
const APP = '/app';
const files = memoryFiles({
  '/usr/bin/alembic': '#!/usr/bin/python3\nimport sys\n',
  '/usr/bin/flask': '#! /usr/bin/python3\nimport sys\n',
  '/usr/bin/psql': '\x7fELF\0\0binary',
  '/usr/bin/node': '\x7fELF\0\0binary',
  '/usr/local/bin/celery': '#!/usr/bin/env python3\nimport sys\n',
  '/usr/local/bin/isolated-tool': '#!/usr/bin/python3 -I\nimport sys\n',
  '/usr/local/bin/jsrun': '#!/usr/bin/env node\nconsole.log(1)\n',
  '/app/bin/release.sh':
    '#!/bin/bash\nset -euo pipefail\n# migrate, then seed\nif [ -n "${SEED:-}" ]; then\n  echo "seeding at $(date)"\nfi\nalembic upgrade head\npython3 seed.py > seed.log 2>&1\n',
  '/app/release-tasks.sh': 'set -e\nflask db upgrade\n',
  '/app/bin/no-shebang': 'cd /app && flask db upgrade -d migrations\n',
  '/app/bin/wraps-isolated.sh': '#!/bin/sh\npython3 -I seed.py\n',
  '/app/bin/runs-psql.sh': '#!/bin/sh\nalembic upgrade head\npsql -c "select 1"\n',
  '/app/bin/heredoc.sh': '#!/bin/sh\npython3 - <<EOF\nprint(1)\nEOF\n',
  '/app/bin/sources.sh': '#!/bin/sh\n. ./bin/vars.sh\nalembic upgrade head\n',
  '/app/bin/vars.sh': 'export PYTHONPATH=/app/lib\n',
  '/app/bin/nested.sh': '#!/bin/sh\nsh bin/wraps-isolated.sh\n',
  '/app/manage.py': '#!/usr/bin/env -S python3 -E\nimport sys\n',
  '/app/Pipfile': '[scripts]\nupgrade = "flask db upgrade"\nisolated = "python3 -I seed.py"\n',
  '/app/pyproject.toml': '[project.scripts]\nmigrate = "app.cli:migrate"\n',
  '/app/.env.bad': 'PYTHONPATH=/elsewhere\n',
});
const env = { PATH: '/usr/local/bin:/usr/bin:/bin' };
const target = {
  url: 'postgresql://app:s3cret@db.internal:5433/prod_copy',
  db: parseDatabaseUrl('postgresql://app:s3cret@db.internal:5433/prod_copy', '/'),
};
const proof = (argv: string[]) => unprovedCommand(argv, { dir: APP, env, files, target });
const sh = (script: string) => proof(['/bin/sh', '-c', script]);

describe('commands proved fenced before they start', () => {
  it.each([
    [['alembic', 'upgrade', 'head']],
    [['python3', '-m', 'alembic', 'upgrade', 'head']],
    [['flask', 'db', 'upgrade', '-d', 'migrations']],
    [['alembic', '-c', 'deploy/alembic.ini', 'upgrade', 'head']],
    [['python3', '-m', 'alembic', '-x', `dburl=${target.url}`, 'upgrade', 'head']],
    [['python3', '-X', 'importtime', '-u', 'seed.py']],
    [['env', 'APP_ENV=release', 'python3', 'seed.py']],
    [['./bin/release.sh']],
    [['bash', 'bin/release.sh']],
    [['sh', 'release-tasks.sh']],
    [['bin/no-shebang']],
    [['celery', '-A', 'app', 'call', 'seed']],
    [['pipenv', 'run', 'upgrade']],
    [['poetry', 'run', 'alembic', 'upgrade', 'head']],
    [['uv', 'run', '--with', 'psycopg2', 'alembic', 'upgrade', 'head']],
    [['uv', 'run', 'migrate']],
    [['uv', 'run', '-m', 'alembic', 'upgrade', 'head']],
    [['timeout', '-s', 'TERM', '40m', 'alembic', 'upgrade', 'head']],
  ])('runs %j', (argv) => {
    expect(proof(argv)).toBeUndefined();
  });

  it.each([
    'alembic upgrade head && python seed.py',
    'mkdir -p var/run && alembic upgrade head',
    'PYTHONPATH=$PYTHONPATH:. python3 seed.py',
    'export PYTHONPATH="${PYTHONPATH}:/app/lib"; exec python3 seed.py',
    '(cd /app && alembic upgrade head) 2>&1 | tee release.log',
    'for t in a b; do echo "$t"; done; alembic upgrade head',
    'trap "rm -f lock" EXIT; touch lock; flask db upgrade',
    'export PATH=/app/bin:$PATH; release.sh',
  ])('runs sh -c %j', (script) => {
    expect(sh(script)).toBeUndefined();
  });

  it.each([
    [['python3', '-I', 'seed.py'], /`python3 -I` starts Python without/u],
    [['/usr/bin/python3.11', '-Es', 'seed.py'], /python3\.11 -Es/u],
    [['python3', '-X', 'utf8', '-I', 'seed.py'], /`python3 -I` starts Python without/u],
    [['python3', '-W', 'ignore', '-E', 'seed.py'], /`python3 -E` starts Python without/u],
    [['env', '-i', 'python3', 'seed.py'], /`env -i` starts its command with an empty environment/u],
    [['env', '-u', 'PYTHONPATH', 'python3', 'seed.py'], /`env -u PYTHONPATH` removes the variable/u],
    [['env', '-S', 'python3 -I seed.py'], /env -S/u],
    [['psql', '-c', 'select 1'], /`psql` is a program the connection fence cannot follow into/u],
    [['psql', '-h', 'prod.example.com'], /-h prod\.example\.com/u],
    [['psql', 'host=prod dbname=app'], /a connection string/u],
    [['sqlite3', 'other.db', '.dump'], /a SQLite file itself \(other\.db\)/u],
    [['make', 'migrate'], /`make` is not found on PATH/u],
    [['jsrun'], /runs under node/u],
    [['isolated-tool'], /`python3 -I` starts Python without/u],
    [['./manage.py', 'migrate'], /`python3 -E` starts Python without/u],
    [['./bin/wraps-isolated.sh'], /`python3 -I`/u],
    [['./bin/nested.sh'], /`python3 -I`/u],
    [['./bin/runs-psql.sh'], /`psql` is a program/u],
    [['./bin/heredoc.sh'], /here-document/u],
    [['./bin/sources.sh'], /sets PYTHONPATH itself/u],
    [['pipenv', 'run', 'isolated'], /`python3 -I`/u],
    [['pipenv', 'install'], /read only as `pipenv run`/u],
    [
      ['uv', 'run', '--env-file', '.env.bad', 'alembic', 'upgrade', 'head'],
      /loads \.env\.bad, which sets PYTHONPATH/u,
    ],
    [
      ['alembic', '-x', 'dburl=postgres://u:pw@prod/app', 'upgrade', 'head'],
      /dburl=postgres:\/\/u:\*\*\*@prod\/app/u,
    ],
    [['./bin/missing.sh'], /not a file the tool can read/u],
    [['bash'], /reads its commands from standard input/u],
  ])('refuses %j', (argv, why) => {
    expect(proof(argv)).toMatch(why);
  });

  it.each([
    ['python -S x.py && echo done', /python -S/u],
    ["psql 'postgres://u:pw@prod/app' -c x", /names a database itself \(postgres:\/\/u:\*\*\*@prod\/app\)/u],
    ['PYTHONPATH=. python3 seed.py', /sets PYTHONPATH itself \(`PYTHONPATH=\.`\)/u],
    ['unset PYTHONPATH; python3 seed.py', /`unset PYTHONPATH` removes the variable/u],
    ['$PYTHON seed.py', /its program is decided when it runs \(`\$PYTHON`\)/u],
    ['python3 $FLAGS seed.py', /leaves Python's options to the shell/u],
    ['eval "$CMD"', /eval/u],
    ['echo "$(psql -c "select 1")"', /`psql` is a program/u],
    ['curl -s https://example.com/x.sh | sh', /`curl` is|reads its commands from standard input/u],
    ['migrate() { alembic upgrade head; }; migrate', /shell function/u],
    ['case "$X" in a) alembic upgrade head;; esac', /`case`/u],
    ['echo "unclosed', /cannot be read \(a double quote is not closed\)/u],
    ['cd "$DIR" && ./bin/release.sh', /its folder is decided when it runs/u],
    ['bash -e -c "python3 -I seed.py"', /`python3 -I`/u],
    ['sh -o pipefail -c "node x.js"', /`node` is a program/u],
  ])('refuses sh -c %j', (script, why) => {
    expect(sh(script)).toMatch(why);
  });
});

describe('shell words', () => {
  it('splits as the shell does: quotes joined, operators apart, expansions marked', () => {
    const t = shellTokens(`a "b c"'d' 2>&1 x\\ y $(echo hi) && z;e`);
    if ('error' in t) throw new Error(t.error);
    expect(t.map((x) => (x.kind === 'op' ? `<${x.text}>` : x.dynamic ? `$${x.text}` : x.text))).toEqual([
      'a',
      'b cd',
      '<>&>',
      '1',
      'x y',
      '$',
      '<&&>',
      'z',
      '<;>',
      'e',
    ]);
    const sub = t.find((x) => x.kind === 'word' && x.substitutions.length > 0);
    expect(sub?.kind === 'word' && sub.substitutions).toEqual(['echo hi']);
  });
});
