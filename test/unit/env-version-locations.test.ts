import { describe, expect, it } from 'vitest';
import { envVersionLocations } from '../../src/alembic/env/env-version-locations.js';

const run = (dialect?: string) => ({ envFile: '/app/migrations/env.py', cwd: '/app', dialect });
const read = (source: string, dialect?: string) => envVersionLocations(source, run(dialect));

describe("envVersionLocations: env.py's context.script.version_locations", () => {
  it('none assigned: nothing; set_main_option in env.py changes nothing (the script read the option already)', () => {
    expect(read('from alembic import context\nconfig = context.config\n')).toBeUndefined();
    expect(read('config.set_main_option("version_locations", "other")\n')).toBeUndefined();
    // a local name of the same spelling is a value, not the setting
    expect(read('version_locations = ["a"]\n')).toBeUndefined();
  });

  it('literals, os.path over __file__, names bound once at module level', () => {
    expect(read('context.script.version_locations = ["migrations/a", "/abs/b"]\n')).toEqual({
      kind: 'set',
      entries: ['migrations/a', '/abs/b'],
      line: 1,
    });
    expect(
      read(
        'import os\nhere = os.path.dirname(os.path.abspath(__file__))\ncontext.script.version_locations = (os.path.join(here, "pg"), os.path.join(here, "/etc/x"), str(os.path.join("rel", "y")))\n',
      ),
    ).toEqual({ kind: 'set', entries: ['/app/migrations/pg', '/etc/x', 'rel/y'], line: 3 });
  });

  it('by dialect: if/elif/else on dialect.name (==, !=, in, startswith), nested in the online function', () => {
    const env = [
      'def run_migrations_offline():',
      '    context.script.version_locations = ["offline"]',
      'def run_migrations_online():',
      '    with engine.connect() as connection:',
      '        if connection.dialect.name == "postgresql":',
      '            context.script.version_locations = ["pg"]',
      '        elif connection.dialect.name in ("mysql", "mariadb"):',
      '            context.script.version_locations = ["my"]',
      '        else:',
      '            context.script.version_locations = ["other"]',
      'if context.is_offline_mode():',
      '    run_migrations_offline()',
      'else:',
      '    run_migrations_online()',
    ].join('\n');
    const entries = (d: string) => {
      const r = read(env, d);
      return r?.kind === 'set' ? r.entries : r;
    };
    expect(entries('postgresql')).toEqual(['pg']);
    expect(entries('mariadb')).toEqual(['my']);
    expect(entries('sqlite')).toEqual(['other']);
    expect(
      read(
        'if not bind.dialect.name.startswith("sqlite"):\n    context.script.version_locations = ["x"]\n',
        'sqlite',
      ),
    ).toBeUndefined();
    expect(
      read(
        'if context.get_bind().dialect.name != "sqlite":\n    context.script.version_locations = ["x"]\n',
        'postgresql',
      ),
    ).toMatchObject({ kind: 'set', entries: ['x'] });
  });

  it('unknown, with its line: no dialect known, another condition, a loop, a value not a list of paths, a change in place', () => {
    const unknown = (source: string, dialect?: string) => {
      const r = read(source, dialect);
      return r?.kind === 'unknown' ? r.line : r;
    };
    expect(
      unknown('if connection.dialect.name == "postgresql":\n    context.script.version_locations = ["pg"]\n'),
    ).toBe(2);
    expect(
      unknown('if os.environ.get("PG"):\n    context.script.version_locations = ["pg"]\n', 'postgresql'),
    ).toBe(2);
    expect(unknown('for d in dirs:\n    context.script.version_locations = [d]\n', 'sqlite')).toBe(2);
    expect(unknown('context.script.version_locations = "one/folder"\n')).toBe(1);
    expect(unknown('context.script.version_locations = [f"{here}/x"]\n')).toBe(1);
    expect(unknown('context.script.version_locations = [os.environ["V"]]\n')).toBe(1);
    expect(unknown('context.script.version_locations.append("x")\n')).toBe(1);
    // a name bound twice has no one value
    expect(unknown('here = "a"\nhere = "b"\ncontext.script.version_locations = [here]\n')).toBe(3);
    // a later assignment that certainly runs wins
    expect(
      read(
        'context.script.version_locations = [os.environ["V"]]\ncontext.script.version_locations = ["b"]\n',
      ),
    ).toEqual({ kind: 'set', entries: ['b'], line: 2 });
  });

  it('a body on the header line, several with-items; a file read up to its first syntax error', () => {
    const inline = 'if connection.dialect.name == "postgresql": context.script.version_locations = ["pg"]\n';
    expect(read(inline, 'postgresql')).toEqual({ kind: 'set', entries: ['pg'], line: 1 });
    expect(read(inline, 'sqlite')).toBeUndefined();
    expect(
      read('with a() as b, c() as d:\n    context.script.version_locations = ["w"]\n', 'sqlite'),
    ).toEqual({ kind: 'set', entries: ['w'], line: 2 });
    const broken =
      'context.script.version_locations = ["a"]\nx = (\ncontext.script.version_locations = ["b"]\n';
    expect(read(broken)).toEqual({ kind: 'set', entries: ['a'], line: 1 });
    // the control: the same file without the open bracket reads both, the later winning
    expect(read(broken.replace('x = (\n', ''))).toEqual({ kind: 'set', entries: ['b'], line: 2 });
  });
});
