import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../../helpers/cli.js';
import { describeRule } from '../../helpers/describe-rule.js';
import { alembicCommand, alembicTargets } from '../../helpers/oracle.js';
import {
  check,
  makeProject,
  rev,
  TEMPLATE_ENV_PY as TEMPLATE_ENV,
  TEMPLATE_LOGGING as LOGGING,
} from '../../helpers/project.js';

const V = 'migrations/versions/';
const PYPROJECT =
  '[tool.alembic]\nscript_location = "%(here)s/migrations"\nsqlalchemy.url = "sqlite:///app.db"\n';

describeRule(
  'ini-url-missing',
  {
    bad: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': TEMPLATE_ENV, 'pyproject.toml': PYPROJECT },
        LOGGING,
      ),
    good: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': TEMPLATE_ENV, 'pyproject.toml': PYPROJECT },
        `[alembic]\nsqlalchemy.url = sqlite:///app.db\n${LOGGING}`,
      ),
  },
  (f) => {
    expect(f.severity).toBe('error');
    expect(f.path).toBe('migrations/env.py');
    expect(f.line).toBe(14);
    expect(f.alembicError).toBe("KeyError: 'url'");
    expect(f.message).toContain('[alembic] in alembic.ini has no sqlalchemy.url');
    expect(f.message).toContain('(line 3), which Alembic never reads');
    expect(f.hint).toContain('delete sqlalchemy.url from pyproject.toml');
  },
);

describe('ini-url-missing', () => {
  const upgrade = (root: string, env: Record<string, string>) =>
    alembicCommand(root, ['upgrade', 'head'], env);
  const finding = (root: string, version: string) => {
    const r = spawnSync(
      process.execPath,
      [BIN, 'check', '--format', 'json', '--no-lint', '--alembic-version', version],
      { cwd: root, encoding: 'utf8' },
    );
    return {
      status: r.status,
      f: (
        JSON.parse(r.stdout) as { findings: { code: string; alembicError?: string; hint: string }[] }
      ).findings.find((x) => x.code === 'ini-url-missing'),
    };
  };

  it("real Alembic fails as check says (the URL only in pyproject.toml; an ini section without it), and the hint's env.py fix works", () => {
    for (const target of alembicTargets()) {
      const cases: [string, Record<string, string>, string | null][] = [
        ['ini without the URL', {}, `[alembic]\nscript_location = migrations\n${LOGGING}`],
        ...(target.version === '1.8.1'
          ? []
          : ([['URL in pyproject.toml only', { 'pyproject.toml': PYPROJECT }, LOGGING]] as [
              string,
              Record<string, string>,
              string,
            ][])),
      ];
      for (const [name, files, ini] of cases) {
        const root = makeProject(
          { [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': TEMPLATE_ENV, ...files },
          ini,
        );
        const a = upgrade(root, target.env);
        expect(a.status, `${target.name} ${name}`).not.toBe(0);
        const r = finding(root, target.version);
        expect(r.status, `${target.name} ${name}`).toBe(1);
        expect(r.f?.alembicError, `${target.name} ${name}`).toBe(a.last);
        // the fix: env.py reads the URL from the environment
        const statement =
          /(config\.set_main_option\("sqlalchemy\.url", os\.environ\["DATABASE_URL"\][^\n]*?\)\)) \(and import os\)/.exec(
            r.f!.hint,
          )![1]!;
        writeFileSync(
          path.join(root, 'migrations/env.py'),
          TEMPLATE_ENV.replace(
            'config = context.config\n',
            `import os\n\nconfig = context.config\n${statement}\n`,
          ),
        );
        expect(
          upgrade(root, { ...target.env, DATABASE_URL: 'sqlite:///app.db' }).status,
          `${target.name} ${name} fixed`,
        ).toBe(0);
        expect(finding(root, target.version).f).toBeUndefined();
      }
    }
  });

  it('says nothing when env.py takes the URL from anywhere else, or the ini has one; an empty one is reported', async () => {
    const codes = async (env: string, ini: string | null): Promise<string[]> =>
      (
        await check(
          makeProject(
            { [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': env, 'pyproject.toml': PYPROJECT },
            ini,
          ),
          'latest',
          { lint: false },
        )
      ).findings.map((f) => f.code);
    expect(
      await codes(
        TEMPLATE_ENV.replace(
          'config = context.config\n',
          'config = context.config\nconfig.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"])\n',
        ),
        LOGGING,
      ),
    ).not.toContain('ini-url-missing');
    expect(
      await codes(
        TEMPLATE_ENV.replace(
          'config.get_section(config.config_ini_section, {}),',
          'config.get_section(config.config_ini_section, {}), url=os.environ["DATABASE_URL"],',
        ),
        LOGGING,
      ),
    ).not.toContain('ini-url-missing');
    expect(
      await codes(TEMPLATE_ENV, `[alembic]\nsqlalchemy.url = sqlite:///app.db\n${LOGGING}`),
    ).not.toContain('ini-url-missing');
    // the DEFAULT section counts: get_section includes it
    expect(
      await codes(TEMPLATE_ENV, `[DEFAULT]\nsqlalchemy.url = sqlite:///app.db\n[alembic]\n${LOGGING}`),
    ).not.toContain('ini-url-missing');
    const empty = await check(
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': TEMPLATE_ENV },
        `[alembic]\nscript_location = migrations\nsqlalchemy.url =\n${LOGGING}`,
      ),
      'latest',
      { lint: false },
    );
    expect(empty.findings.find((f) => f.code === 'ini-url-missing')?.alembicError).toBe(
      'sqlalchemy.exc.ArgumentError: Could not parse SQLAlchemy URL from given URL string',
    );
  });
});
