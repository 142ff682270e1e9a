/** What a failure is, for the rules that explain it; the message is Alembic's words, never parsed. */
export type FailureDetail =
  | { readonly kind: 'no-such-revision'; readonly tooShort: boolean }
  | { readonly kind: 'ambiguous-prefix'; readonly candidates: readonly string[] }
  | { readonly kind: 'not-in-branch'; readonly branch: string }
  | { readonly kind: 'overlap'; readonly target: string; readonly others: readonly string[] }
  | { readonly kind: 'rowcount' }
  | { readonly kind: 'value-too-long'; readonly limit: number };

/** An exception Alembic raises, by class; `argument` is what `_catch_revision_errors` quotes. */
export class AlembicRaise extends Error {
  /** The revision whose step was being applied when Alembic raised (stage `step`). */
  step?: string;
  constructor(
    readonly exception:
      | 'ResolutionError'
      | 'MultipleHeads'
      | 'RevisionError'
      | 'CommandError'
      | 'AssertionError'
      | 'KeyError'
      | 'sqlalchemy.exc.IntegrityError'
      | 'Unpredictable',
    message: string,
    readonly argument?: string,
    readonly stage: 'load' | 'target' | 'stamp' | 'overlap' | 'step' = 'target',
    readonly detail?: FailureDetail,
  ) {
    super(message);
  }

  /** True when Alembic's CLI reports it as `FAILED: …` rather than a traceback. */
  get commandError(): boolean {
    return this.exception === 'CommandError';
  }

  get cliOutput(): string {
    if (this.commandError) return `FAILED: ${this.message}`;
    return `${this.exception}${this.message ? `: ${this.message}` : ''}`;
  }
}
