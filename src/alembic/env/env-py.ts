import { Tok } from '../../python/python-tokenizer.js';
import { argumentEnd, linesOf, literal, matching } from './env-tokens.js';

// What env.py says to Alembic: the configure() keywords that decide where the version rows live, and
// the search_path it sets.

/** A keyword argument of `context.configure(...)` in env.py that decides where Alembic keeps its version rows. */
export interface EnvSetting {
  /** The literal value; undefined when it is not a plain string literal (or `None`). */
  readonly value: string | null | undefined;
  readonly line: number;
  /** Source text of a value we could not evaluate. */
  readonly expression?: string;
}

/** One `*.configure(...)` call and the two settings it passes. */
export interface ConfigureCall {
  readonly line: number;
  readonly versionTable?: EnvSetting;
  readonly versionTableSchema?: EnvSetting;
  /** Its first `**expr` argument (Flask-Migrate's env.py passes `**…configure_args`), which may carry either setting. */
  readonly unpacked?: { readonly expression: string; readonly line: number };
}

export interface EnvPyFacts {
  readonly calls: ConfigureCall[];
}

const KEYS = { version_table: 'versionTable', version_table_schema: 'versionTableSchema' } as const;

/**
 * Finds `version_table=` / `version_table_schema=` inside every
 * `*.configure(...)` call of env.py (the offline and the online branch each
 * have one). Values are taken only when they are literals; anything else is
 * reported with its line so the caller can ask for a flag instead of guessing.
 */
export function readEnvPy(source: string): EnvPyFacts {
  const out: EnvPyFacts = { calls: [] };
  const lines = linesOf(source);
  for (const ll of lines) {
    const t = ll.tokens;
    for (let i = 2; i < t.length; i++) {
      if (!(
        t[i]!.type === Tok.Name &&
        t[i]!.text === 'configure' &&
        t[i - 1]!.text === '.' &&
        t[i + 1]?.text === '('
      ))
        continue;
      const close = matching(t, i + 1);
      const call: { -readonly [K in keyof ConfigureCall]: ConfigureCall[K] } = { line: t[i]!.line };
      out.calls.push(call);
      let depth = 0;
      for (let j = i + 2; j < close; j++) {
        const tok = t[j]!;
        if (tok.type === Tok.Op && '([{'.includes(tok.text)) depth++;
        else if (tok.type === Tok.Op && ')]}'.includes(tok.text)) depth--;
        if (
          depth === 0 &&
          tok.type === Tok.Op &&
          tok.text === '**' &&
          (t[j - 1]!.text === ',' || t[j - 1]!.text === '(')
        ) {
          const end = argumentEnd(t, j + 1, close);
          call.unpacked ??= {
            expression: t
              .slice(j, end)
              .map((x) => x.text)
              .join(''),
            line: tok.line,
          };
          continue;
        }
        if (depth !== 0 || tok.type !== Tok.Name || t[j + 1]?.text !== '=' || !Object.hasOwn(KEYS, tok.text))
          continue;
        if (t[j - 1]!.text !== ',' && t[j - 1]!.text !== '(') continue;
        const valueToks = t.slice(j + 2, argumentEnd(t, j + 2, close));
        call[KEYS[tok.text as keyof typeof KEYS]] = { ...literal(valueToks), line: tok.line };
      }
    }
  }
  return out;
}

/** Where env.py sets PostgreSQL's search_path itself, and the one schema it names when that is a plain literal. */
export interface SearchPathSetting {
  readonly line: number;
  /** The statement as written (its string literals), for messages. */
  readonly expression: string;
  /** The schema an unqualified table name then means: only for a literal naming exactly one. */
  readonly schema?: string;
}

/** SQL or libpq options that set the search_path (`SET search_path TO …`, `set_config('search_path', …)`, `-csearch_path=…`, `SET SCHEMA …`). */
const SETS_SEARCH_PATH =
  /\bSET\s+(?:SESSION\s+|LOCAL\s+)?(?:search_path\b|SCHEMA\s)|set_config\s*\(\s*['"]search_path|-c\s*search_path\s*=/i;
const ONE_SCHEMA = [
  /^\s*SET\s+(?:SESSION\s+)?search_path\s*(?:TO|=)\s*"?([A-Za-z_][\w$]*)"?\s*(?:;\s*)?$/i,
  /^\s*-c\s*search_path\s*=\s*"?([A-Za-z_][\w$]*)"?\s*$/i,
];

/**
 * env.py's first statement that sets the search_path, which decides where an
 * unqualified `alembic_version` is found and created (Alembic's cookbook recipe
 * for one schema per tenant does this: `SET search_path TO "%s"` with the
 * tenant from `-x`), or passes `schema_translate_map`, which does the same.
 * Read from string literals only, so a comment never counts.
 */
export function searchPathSetting(source: string): SearchPathSetting | undefined {
  if (!/search_path|SET\s+SCHEMA|schema_translate_map/i.test(source)) return undefined;
  for (const ll of linesOf(source)) {
    const t = ll.tokens;
    for (let i = 0; i < t.length; i++) {
      if (t[i]!.type === Tok.Name && t[i]!.text === 'schema_translate_map')
        return { line: t[i]!.line, expression: 'schema_translate_map' };
      if (t[i]!.type !== Tok.String) continue;
      let end = i;
      while (end < t.length && t[end]!.type === Tok.String) end++;
      const run = t.slice(i, end);
      const raw = run.map((x) => x.text).join(' ');
      if (!SETS_SEARCH_PATH.test(raw)) {
        i = end - 1;
        continue;
      }
      const { value } = literal(run);
      // `"… %s" % tenant` and `"…{}".format(tenant)` build the value at run time
      const built = t[end]?.text === '%' || t[end]?.text === '.';
      const schema =
        typeof value === 'string' && !built
          ? ONE_SCHEMA.map((re) => re.exec(value)?.[1]).find((x) => x !== undefined)
          : undefined;
      return {
        line: run[0]!.line,
        expression: raw.length > 80 ? `${raw.slice(0, 77)}…` : raw,
        ...(schema ? { schema } : {}),
      };
    }
  }
  return undefined;
}
