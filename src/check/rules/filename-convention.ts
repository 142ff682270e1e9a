import path from 'node:path';
import type { Rule } from '../rule.js';

/** The file name should carry the revision id where file_template puts it. */
export const filenameConvention: Rule = {
  code: 'filename-convention',
  severity: 'warning',
  title: 'the file name does not follow file_template',
  summary: 'The file name does not follow file_template (default {revision}_{slug}.py).',
  cosmetic: true,
  check({ model }) {
    const template = model.config.fileTemplate;
    if (!template.includes('%(rev)s')) return [];
    const out = [];
    const matches = templateMatcher(path.basename(template));
    const suggest = nameSuggester(path.basename(template));
    for (const r of model.map.revisions) {
      if (r.script.revision.t !== 'str' || r.script.idSource === 'filename') continue;
      const stem = path.basename(r.file.fileName, '.py');
      // a project-wide variant of the template (CKAN: 017_1250b2ff3e36_add_pkg_relationships) still names the id
      if (matches(stem, r.id) || namesId(stem, r.id)) continue;
      out.push({
        code: 'filename-convention' as const,
        severity: 'warning' as const,
        title: `the file name does not follow file_template for revision '${r.id}'`,
        message: `${r.file.path}: the file name does not match file_template ${template} for revision '${r.id}'. A renamed or copied file often keeps a stale id; check that the id and the name belong together.`,
        hint: `Rename it to ${suggest(stem, r.id)}.py (git mv keeps history).`,
        path: r.file.path,
        line: r.script.line,
        revision: r.id,
      });
    }
    return out;
  },
};

/** Whether the id is a whole token of the name: delimited by the start, the end, `_`, `-` or `.`. */
function namesId(stem: string, id: string): boolean {
  // an empty id (revision = "", which Alembic accepts) is found everywhere and names nothing
  if (id === '') return false;
  for (let at = stem.indexOf(id); at >= 0; at = stem.indexOf(id, at + 1)) {
    const before = at === 0 ? '_' : stem[at - 1]!;
    const after = at + id.length === stem.length ? '_' : stem[at + id.length]!;
    if ('_-.'.includes(before) && '_-.'.includes(after)) return true;
  }
  return false;
}

type Part = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'rev' | 'word' | 'digits' };

/**
 * Splits file_template once into literal text and placeholders; each stem is
 * then matched by a small backtracking matcher (a RegExp per revision was a
 * fifth of `check` at 10,000 revisions). `%(slug)s` is `\w*`, other fields `\d+`.
 */
export function templateMatcher(template: string): (stem: string, rev: string) => boolean {
  const parts = templateParts(template);
  return (stem, rev) => matchParts(parts, 0, stem, 0, rev);
}

function templateParts(template: string): Part[] {
  const parts: Part[] = [];
  for (const t of template.split(/(%\([a-z]+\)[.\d]*[sd])/)) {
    const m = /^%\(([a-z]+)\)/.exec(t);
    if (!m) {
      if (t !== '') parts.push({ kind: 'text', text: t });
    } else parts.push({ kind: m[1] === 'rev' ? 'rev' : m[1] === 'slug' ? 'word' : 'digits' });
  }
  return parts;
}

/**
 * The name file_template gives a file, keeping what the current name already has in the template's
 * places: the date before the id (20230530202341_ stays), and the rest as the slug. A rest that opens
 * with a token holding a digit may be a stale id or a sequence number, so the slug stays `<slug>` then.
 */
export function nameSuggester(template: string): (stem: string, rev: string) => string {
  const parts = templateParts(template);
  const r = parts.findIndex((p) => p.kind === 'rev');
  const before = parts.slice(0, r);
  const after = parts.slice(r + 1);
  const slugOnly = after.length === 2 && after[0]!.kind === 'text' && after[1]!.kind === 'word';
  return (stem, rev) => {
    const k = longestPrefix(before, stem, rev);
    if (k < 0) return templateExample(template, rev);
    const rest = stem.slice(k);
    const first = rest.split('_')[0]!;
    const keep = rest !== '' && [...rest].every(isWordChar) && !/\d/u.test(first);
    if (!slugOnly || !keep)
      return stem.slice(0, k) + templateExample(template.slice(template.indexOf('%(rev)s')), rev);
    return `${stem.slice(0, k)}${rev}${(after[0] as { text: string }).text}${rest}`;
  };
}

const WORD = /[\p{L}\p{N}\p{Mn}\p{Mc}\p{Pc}]/u;

function isWordChar(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95) return true;
  return c >= 128 && WORD.test(ch);
}

/**
 * Whether parts[i…] match stem from `at` to its end. `failed` remembers the (part, position) pairs that
 * cannot match, so a long run of digits against several \d+ fields costs parts × length² steps, not the
 * number of ways to split the run (a 60-digit name took 0.7 s without it, 240 digits hours).
 */
function matchParts(
  parts: readonly Part[],
  i: number,
  stem: string,
  at: number,
  rev: string,
  failed: Set<number> = new Set(),
): boolean {
  if (i === parts.length) return at === stem.length;
  const key = i * (stem.length + 1) + at;
  if (failed.has(key)) return false;
  const p = parts[i]!;
  let ok = false;
  if (p.kind === 'text' || p.kind === 'rev') {
    const text = p.kind === 'text' ? p.text : rev;
    ok = stem.startsWith(text, at) && matchParts(parts, i + 1, stem, at + text.length, rev, failed);
  } else {
    // \w* or \d+: the longest run first, then shorter ones, as a regex backtracks
    const end = runEnd(p.kind, stem, at);
    const min = p.kind === 'digits' ? at + 1 : at;
    for (let k = end; k >= min && !ok; k--) ok = matchParts(parts, i + 1, stem, k, rev, failed);
  }
  if (!ok) failed.add(key);
  return ok;
}

function runEnd(kind: 'word' | 'digits', stem: string, at: number): number {
  let end = at;
  while (
    end < stem.length &&
    (kind === 'word' ? isWordChar(stem[end]!) : stem.charCodeAt(end) >= 48 && stem.charCodeAt(end) <= 57)
  )
    end++;
  return end;
}

/** The longest prefix of stem that `parts` match whole, or -1: one pass over the positions each part can reach. */
function longestPrefix(parts: readonly Part[], stem: string, rev: string): number {
  let reach = new Uint8Array(stem.length + 1);
  reach[0] = 1;
  for (const p of parts) {
    const next = new Uint8Array(stem.length + 1);
    for (let at = 0; at <= stem.length; at++) {
      if (!reach[at]) continue;
      if (p.kind === 'text' || p.kind === 'rev') {
        const text = p.kind === 'text' ? p.text : rev;
        if (stem.startsWith(text, at)) next[at + text.length] = 1;
        continue;
      }
      const end = runEnd(p.kind, stem, at);
      for (let k = p.kind === 'digits' ? at + 1 : at; k <= end; k++) next[k] = 1;
    }
    reach = next;
  }
  return reach.lastIndexOf(1);
}

function templateExample(template: string, rev: string): string {
  return template
    .replace(/%\(rev\)s/, rev)
    .replace(/%\(slug\)s/, '<slug>')
    .replace(/%\([a-z]+\)[.\d]*[sd]/g, 'N');
}
