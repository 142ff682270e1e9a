import type { ReleaseCommandProblem } from '../../deploy/alembic-argv.js';
import type { Rule } from '../rule.js';
import { releaseLocation } from '../rule-helpers.js';

/**
 * The release phase's `alembic … upgrade`, read as Alembic's argparse reads it, fails before it
 * migrates (exit 2: an unknown option, an option after the command, no revision) or exits 0 without
 * migrating (--help, --version, --sql): either way the database is not upgraded.
 */
export const releaseCommandInvalid: Rule = {
  code: 'release-command-invalid',
  severity: 'error',
  title: 'Alembic refuses the release command line',
  summary:
    "The release phase's alembic upgrade command is refused by Alembic's command line, or exits without migrating (--help, --version, --sql).",
  check({ release }) {
    if (!release) return [];
    // `release -- COMMAND`: the command itself (at is empty), else the file and line it is written on
    const where =
      release.at === ''
        ? 'the command after `alembic-preflight release --`'
        : release.via
          ? `${release.via}, at ${release.at}`
          : release.at;
    const base = { code: this.code, severity: this.severity, ...releaseLocation(release.at) };
    if (release.kind === 'refused') {
      return [
        {
          ...base,
          title: 'Alembic refuses the release command line: every release fails',
          message: `The release phase runs \`${release.command}\` (${where}); Alembic stops before doing anything, so every release fails (exit ${release.detail.startsWith('alembic.util') ? 1 : 2}) and the database is never upgraded.`,
          hint: refusedHint(release),
          alembicError: release.detail,
        },
      ];
    }
    const what =
      release.kind === 'offline'
        ? 'only prints the SQL (--sql is offline mode) and never touches the database'
        : `prints ${release.detail === '--version' ? 'the version' : 'the help'} (${release.detail}) and exits`;
    // the word as written may be a prefix argparse accepts (--vers, --he)
    const written = (w: string): boolean =>
      release.kind === 'offline'
        ? w === '--sql'
        : w === '-h' || (w.length > 2 && release.detail.startsWith(w));
    return [
      {
        ...base,
        title:
          release.kind === 'offline'
            ? 'The release command only prints SQL (--sql): nothing is migrated'
            : `The release command ${release.detail === '--version' ? 'prints the version' : 'prints the help'} and migrates nothing`,
        message: `The release phase runs \`${release.command}\` (${where}), which ${what}: the release succeeds and the new code runs against the old schema.`,
        hint: `Run the upgrade itself in the release phase: ${release.command
          .split(' ')
          .filter((w) => !written(w))
          .join(' ')}.`,
      },
    ];
  },
};

/** The fix for what argparse refused, as precise as its message allows. */
function refusedHint({ command, detail, fixed }: ReleaseCommandProblem): string {
  const words = command.split(' ');
  const lookalike = words.find((w) => w.startsWith('-') && /[^\x20-\x7e]/u.test(w));
  if (lookalike) {
    const odd = [...lookalike].find((ch) => /[^\x20-\x7e]/u.test(ch))!;
    return `${lookalike} is not an option Alembic knows: its ${odd} is U+${odd.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}, not a Latin letter (a keyboard layout or a pasted command). Retype it: ${command.replace(lookalike, '-c')} if -c was meant.`;
  }
  if (fixed !== undefined) {
    // the words before upgrade stay where they were; the moved ones come right before it
    const fixedWords = fixed.split(' ');
    const moved = fixedWords.slice(words.indexOf('upgrade'), fixedWords.indexOf('upgrade'));
    // counted by option, not by word: `-c db/alembic.ini` is one option and its value
    const several = moved.filter((w) => w.startsWith('-')).length > 1;
    return `${moved.join(' ')} ${several ? 'are options' : 'is an option'} of alembic itself, so ${several ? 'they go' : 'it goes'} before the command: ${fixed}.`;
  }
  if (/required: revision/u.test(detail)) return `alembic upgrade needs a target: ${command} head.`;
  if (/only one ini file/u.test(detail))
    return 'Give -c once (Alembic 1.16+ takes a second -c only for a pyproject.toml).';
  if (/invalid choice/u.test(detail))
    return `Alembic read ${/invalid choice: (\S+)/u.exec(detail)?.[1] ?? 'a word'} as its command: check the options before it (each of -c, -n and -x takes one value) and the spelling of upgrade.`;
  return 'Write the command as `alembic [-c FILE] [-n NAME] [-x K=V] upgrade REVISION [--tag TAG]`; `alembic upgrade --help` lists what upgrade takes.';
}
