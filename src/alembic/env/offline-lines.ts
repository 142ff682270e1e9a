import { headerColon, type LogicalLine, Tok } from '../../python/python-tokenizer.js';
import { BLOCK_WORDS } from './env-tokens.js';

// The lines of env.py that run only in offline mode (`alembic upgrade --sql`).

/** `if context.is_offline_mode():` (any owner), or its negation. */
const OFFLINE_TEST = /^(not)?(?:[A-Za-z_]\w*\.)*is_offline_mode\(\)$/;

/**
 * Which lines of env.py only offline mode runs: lines under `if context.is_offline_mode():` (or the
 * `else:` of `if not context.is_offline_mode():`), and the lines of a module-level function named
 * only there (the template's run_migrations_offline()). `alembic upgrade` without `--sql` never runs
 * them. A function also named anywhere else, or nowhere at all, is not counted: it may run.
 */
export function offlineOnlyLines(lines: readonly LogicalLine[]): (line: number) => boolean {
  let known = offlineOnlyOf.get(lines);
  if (!known) {
    known = readOfflineOnlyLines(lines);
    offlineOnlyOf.set(lines, known);
  }
  return known;
}

/** offlineOnlyLines for each env.py's lines (verify asks from two readers). */
const offlineOnlyOf = new WeakMap<readonly LogicalLine[], (line: number) => boolean>();

function readOfflineOnlyLines(lines: readonly LogicalLine[]): (line: number) => boolean {
  interface Block {
    readonly indent: number;
    readonly offline: boolean;
    readonly def?: string;
  }
  const blocks: Block[] = [];
  // the test of the last `if` at each indentation, for its `else:`
  const lastIf = new Map<number, 'offline' | 'online' | undefined>();
  const offlineLines = new Set<number>();
  const defRange = new Map<string, { from: number; to: number }>();
  const pending: { name: string; offline: boolean; inDef: string | undefined }[] = [];
  for (const ll of lines) {
    while (blocks.length > 0 && blocks[blocks.length - 1]!.indent >= ll.indent) blocks.pop();
    for (const k of [...lastIf.keys()]) if (k > ll.indent) lastIf.delete(k);
    const t = ll.tokens;
    const first = t[0];
    if (!first) continue;
    let offline = blocks.some((b) => b.offline);
    let from = 0;
    if (first.type === Tok.Name && BLOCK_WORDS.has(first.text) && t[1]?.text !== '=' && t[1]?.text !== '.') {
      const colon = headerColon(t);
      const cond = t
        .slice(1, colon)
        .map((x) => x.text)
        .join('');
      let branch = false;
      let def: string | undefined;
      if (first.text === 'if') {
        const m = OFFLINE_TEST.exec(cond);
        lastIf.set(ll.indent, m ? (m[1] ? 'online' : 'offline') : undefined);
        branch = m !== null && !m[1];
      } else if (first.text === 'else') {
        branch = lastIf.get(ll.indent) === 'online';
        lastIf.delete(ll.indent);
      } else {
        if (first.text !== 'elif') lastIf.delete(ll.indent);
        const k = first.text === 'async' ? 1 : 0;
        if (t[k]?.text === 'def' && ll.indent === 0 && t[k + 1]?.type === Tok.Name) def = t[k + 1]!.text;
      }
      blocks.push({ indent: ll.indent, offline: branch, ...(def !== undefined ? { def } : {}) });
      if (def !== undefined) {
        defRange.set(def, { from: ll.line, to: ll.line });
        continue;
      }
      // a one-line block (`if context.is_offline_mode(): run_migrations_offline()`) holds its body after the colon
      if (colon >= t.length - 1) continue;
      offline = offline || branch;
      from = colon + 1;
    } else {
      lastIf.delete(ll.indent);
    }
    const inDef = blocks[0]?.def;
    if (inDef !== undefined) {
      const r = defRange.get(inDef)!;
      defRange.set(inDef, { from: r.from, to: Math.max(r.to, t[t.length - 1]!.line) });
    }
    if (offline) for (let l = t[from]!.line; l <= t[t.length - 1]!.line; l++) offlineLines.add(l);
    for (let i = from; i < t.length; i++) {
      const x = t[i]!;
      if (x.type === Tok.Name && t[i - 1]?.text !== '.') pending.push({ name: x.text, offline, inDef });
    }
  }
  // each module-level function named outside its own body, and those named anywhere but in offline code
  // (a name under an offline test runs only in offline mode, whichever function holds the test)
  const named = new Set<string>();
  const namedOnline = new Set<string>();
  for (const p of pending) {
    if (!defRange.has(p.name) || p.inDef === p.name) continue;
    named.add(p.name);
    if (!p.offline) namedOnline.add(p.name);
  }
  const offlineDefs = [...defRange].filter(([name]) => named.has(name) && !namedOnline.has(name));
  return (line) => offlineLines.has(line) || offlineDefs.some(([, r]) => line >= r.from && line <= r.to);
}
