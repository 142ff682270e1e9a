import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  movedBeforeCommand,
  parseAlembicArgv,
  releaseUpgrade,
  type AlembicArgv,
} from '../../src/deploy/alembic-argv.js';
import { atLeast, LATEST_ALEMBIC, parseAlembicVersion } from '../../src/alembic/config/alembic-version.js';
import { alembicTargets, ORACLE_PYTHON, REPO } from '../helpers/oracle.js';

type Real =
  | {
      kind: 'parsed';
      command: string;
      configs: string[];
      append: boolean;
      name: string;
      revision?: string;
      sql?: boolean;
      tag?: string | null;
    }
  | { kind: 'refused' | 'exits'; message: string };

/** What real Alembic's argparse makes of each argv (test/oracle/alembic_argv.py). */
function realAlembic(argvs: readonly (readonly string[])[], env: Record<string, string>): Real[] {
  const out = execFileSync(ORACLE_PYTHON, [path.join(REPO, 'test/oracle/alembic_argv.py')], {
    input: JSON.stringify(argvs),
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
    maxBuffer: 1 << 26,
  });
  return JSON.parse(out) as Real[];
}

/** Ours in the oracle's shape: before 1.16 only the last -c is known, as argparse stores it. */
function shaped(r: AlembicArgv, append: boolean): unknown {
  if (r.kind === 'unread' || r.kind === 'other') return r;
  if (r.kind === 'exits') return { kind: 'exits' };
  if (r.kind === 'refused') return { kind: 'refused', message: r.message };
  const configs = append ? r.configs : r.configs.slice(-1);
  const base = { kind: 'parsed', command: r.command, configs, name: r.name ?? 'alembic' };
  return r.command === 'upgrade' ? { ...base, revision: r.revision, sql: r.sql, tag: r.tag ?? null } : base;
}

const TOP: readonly (readonly string[])[] = [
  [],
  ['-c', 'x.ini'],
  ['-cx.ini'],
  ['--config=x.ini'],
  ['--conf', 'x.ini'],
  ['--c', 'x.ini'],
  ['-c', 'a.ini', '-c', 'b.ini'],
  ['-n', 'db2'],
  ['-ndb2'],
  ['--name=db2'],
  ['-x', 'k=v'],
  ['-xk=v'],
  ['--raiseerr'],
  ['--raise'],
  ['-q'],
  ['--quiet'],
  ['-qc', 'x.ini'],
  ['-qcx.ini'],
  ['-qq'],
  ['-q='],
  ['--raiseerr=1'],
  ['-\u0441', 'x.ini'],
  ['--bogus'],
  ['-h'],
  ['--help'],
  ['--version'],
  ['--vers'],
  ['-c'],
  ['-hc'],
  ['--sql'],
  ['-1'],
  ['-c', '-n', 'x'],
  ['-x'],
  ['--', 'upgrade'],
];
const COMMAND: readonly (readonly string[])[] = [
  ['upgrade', 'head'],
  ['upgrade'],
  ['upgrade', 'heads'],
  ['upgrade', 'head', '--sql'],
  ['upgrade', '--sql', 'head'],
  ['upgrade', 'head', 'extra'],
  ['upgrade', '--tag', 't', 'head'],
  ['upgrade', 'head', '--tag'],
  ['upgrade', 'head', '--tag=t'],
  ['upgrade', 'head', '-c', 'x.ini'],
  ['upgrade', 'head', '-h'],
  ['upgrade', '-1'],
  ['upgrade', '+1'],
  ['upgrade', 'head', '--s'],
  ['upgrade', 'head', '--sql=1'],
  ['upgrade', 'head', '--t', 'x'],
  ['upgrade', 'head', '--ta=x'],
  ['upgrad', 'head'],
  ['current'],
  ['stamp', 'head'],
  [],
  ['upgrade', '-hx'],
  ['upgrade', 'head', '-x', 'a'],
  ['upgrade', 'head', '--raiseerr'],
  ['upgrade', 'ae10+2'],
  ['upgrade', 'head', '--', '--sql'],
];

describe('alembic command lines, as real Alembic reads them', () => {
  const argvs = TOP.flatMap((t) => COMMAND.map((c) => [...t, ...c]));
  for (const target of alembicTargets()) {
    it(`agrees with Alembic ${target.version} on ${argvs.length} command lines`, () => {
      const version = target.version === 'latest' ? LATEST_ALEMBIC : parseAlembicVersion(target.version)!;
      const real = realAlembic(argvs, target.env);
      let judged = 0;
      argvs.forEach((argv, i) => {
        const r = real[i]!;
        const ours = parseAlembicArgv(argv, version);
        // `--` is left unjudged (argparse's handling of it changed between Pythons)
        if (ours.kind === 'unread') {
          expect(argv).toContain('--');
          return;
        }
        judged++;
        // another command: only which one it is
        if (ours.kind === 'other') {
          if (r.kind === 'parsed')
            expect({ argv, command: r.command }).toEqual({ argv, command: ours.command });
          else expect({ argv, kind: r.kind }).toEqual({ argv, kind: 'refused' });
          return;
        }
        const expected =
          r.kind === 'parsed' ? { ...r, append: undefined } : r.kind === 'exits' ? { kind: 'exits' } : r;
        delete (expected as { append?: boolean }).append;
        expect({ argv, ...(shaped(ours, r.kind === 'parsed' && r.append) as object) }).toEqual({
          argv,
          ...expected,
        });
      });
      expect(judged).toBeGreaterThan(argvs.length * 0.9);
    });
  }

  it('names the command line Alembic refuses, in its own words', () => {
    expect(parseAlembicArgv(['upgrade', 'head', '-c', 'x.ini'], LATEST_ALEMBIC)).toEqual({
      kind: 'refused',
      message: 'alembic: error: unrecognized arguments: -c x.ini',
    });
    expect(parseAlembicArgv(['-cdb/alembic.ini', 'upgrade', 'head'], LATEST_ALEMBIC)).toMatchObject({
      kind: 'parsed',
      configs: ['db/alembic.ini'],
      revision: 'head',
    });
  });

  // alembic's own options written after `upgrade`, where argparse refuses them
  const MOVED: readonly (readonly string[])[] = [
    ['-c', 'x.ini'],
    ['--conf', 'x.ini'],
    ['-cx.ini'],
    ['--config=x.ini'],
    ['-n', 'db2'],
    ['--na=db2'],
    ['--raise'],
    ['-qc', 'x.ini'],
    ['-qcx.ini'],
    ['-x', 'k=v'],
    ['-q'],
    ['--quiet'],
  ];
  const PLACES = (o: readonly string[]): string[][] => [
    ['upgrade', 'head', ...o],
    ['upgrade', ...o, 'head'],
    ['upgrade', '--tag', 't', 'head', ...o],
    ['upgrade', 'head', ...o, '--sql'],
    ['-n', 'db2', 'upgrade', 'head', ...o],
  ];
  for (const target of alembicTargets()) {
    it(`moves them before the command so that Alembic ${target.version} accepts the line`, () => {
      const version = target.version === 'latest' ? LATEST_ALEMBIC : parseAlembicVersion(target.version)!;
      const argvs = MOVED.flatMap(PLACES);
      const fixes = argvs.map((a) => movedBeforeCommand(a, version));
      const real = realAlembic(
        fixes.filter((f) => f !== undefined),
        target.env,
      );
      let k = 0;
      argvs.forEach((argv, i) => {
        expect({ argv, refused: parseAlembicArgv(argv, version).kind }).toEqual({ argv, refused: 'refused' });
        const fixed = fixes[i];
        if (fixed === undefined) return;
        const r = real[k++]!;
        // the moved line is what Alembic accepts, read as we read it, with the revision and upgrade's options kept
        expect({ fixed, kind: r.kind }).toEqual({ fixed, kind: 'parsed' });
        if (r.kind !== 'parsed') return;
        expect({ fixed, ...(shaped(parseAlembicArgv(fixed, version), r.append) as object) }).toEqual({
          fixed,
          ...r,
          append: undefined,
        });
        expect(r.revision).toBe('head');
        expect(r.sql).toBe(argv.includes('--sql'));
        expect(r.tag).toBe(argv.includes('--tag') ? 't' : null);
      });
      // -q is an option from 1.11: before, nothing moved makes a line with it parse; every other line is fixed
      const unfixable = argvs.filter((_, i) => fixes[i] === undefined);
      for (const argv of unfixable)
        expect(argv.some((w) => w.startsWith('-q') || w === '--quiet') && !atLeast(version, 1, 11)).toBe(
          true,
        );
      // a line that still only prints SQL once moved gets no command from releaseUpgrade: it would not migrate
      expect(releaseUpgrade(['upgrade', 'head', '--sql', '-c', 'x.ini'], version)).toEqual({
        problem: { kind: 'refused', detail: 'alembic: error: unrecognized arguments: -c x.ini' },
      });
      expect(releaseUpgrade(['upgrade', 'head', '-c', 'x.ini'], version)).toMatchObject({
        problem: { fixed: ['-c', 'x.ini', 'upgrade', 'head'] },
      });
      expect(k).toBeGreaterThan(argvs.length * 0.6);
    });
  }
});
