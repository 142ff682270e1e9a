import type { Qualifier, VerdictWord } from '../check/verdict.js';

/**
 * A verdict as every format gives it: the word from one closed list, the sentence, and what it does
 * not cover. The text's last line is `WORD: sentence; qualifier; …`; JSON carries the same parts.
 */
export interface VerdictLine {
  readonly word: VerdictWord;
  readonly sentence: string;
  readonly qualifiers: readonly Qualifier[];
}

/** The one list of the qualifiers' words. */
const QUALIFIER_WORDS: Readonly<Record<Qualifier, string>> = {
  'other-databases-not-read':
    'the other databases env.py migrates were not read (other-databases-not-verified)',
  'version-table-write-unverified':
    'unless the server-side code on the version table refuses the write (version-table-write-unverified)',
  strict: 'warnings block under --strict',
  'alembic-not-started': 'Alembic was not started',
  'command-not-started': 'the command was not started',
  'after-start': 'after the command started',
  unfenced: 'started under --unfenced, not proved fenced to this database',
  'schema-warnings': 'the schema lags the stamp in places (schema-behind-stamp warnings above)',
  'not-migrated': 'nothing migrated',
  'dry-run': 'dry run: nothing written',
  'rows-not-checked': 'rows not checked (--data off)',
};

/** A verdict line from its parts. */
export function verdictLine(word: VerdictWord, sentence: string, ...qualifiers: Qualifier[]): VerdictLine {
  return { word, sentence, qualifiers };
}

/** The verdict line: `WORD: sentence; qualifier; …` (no full stop: a log is read for its last line). */
export function verdictLineText(v: VerdictLine): string {
  return [`${v.word}: ${v.sentence}`, ...v.qualifiers.map((q) => QUALIFIER_WORDS[q])].join('; ');
}

/** The verdict as JSON documents carry it (an additive field beside `ok`). */
export interface VerdictJson {
  readonly word: VerdictWord;
  readonly sentence: string;
  readonly qualifiers: readonly { readonly code: Qualifier; readonly text: string }[];
}

export function verdictJson(v: VerdictLine): VerdictJson {
  return {
    word: v.word,
    sentence: v.sentence,
    qualifiers: v.qualifiers.map((code) => ({ code, text: QUALIFIER_WORDS[code] })),
  };
}
