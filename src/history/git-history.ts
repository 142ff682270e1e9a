import path from 'node:path';
import type { GitOutput, ProjectFiles } from '../project/project-files.js';
import { readRevisionSource } from '../alembic/reading/revision-reader.js';
import type { PyValue } from '../python/python-value.js';

export interface CommitRef {
  readonly hash: string;
  readonly short: string;
  readonly date: string;
  readonly subject: string;
}

/** Where a revision id that no file defines came from, according to git. */
export type Forensics =
  | { readonly kind: 'no-git'; readonly reason: string }
  /** A file defined the id and was deleted in a commit HEAD contains. */
  | {
      readonly kind: 'deleted';
      readonly id: string;
      readonly commit: CommitRef;
      readonly path: string;
      readonly downRevisions: readonly string[];
      readonly children: readonly string[];
      /** Its upgrade() did something (more than `pass`): a placeholder leaves fresh databases without it. */
      readonly operations: boolean;
    }
  /** The file was renamed and its id changed: the database holds the old id. */
  | {
      readonly kind: 'renamed';
      readonly id: string;
      readonly commit: CommitRef;
      readonly path: string;
      readonly newPath: string;
      readonly newId: string;
      readonly downRevisions: readonly string[];
      readonly children: readonly string[];
    }
  /** Defined only in commits HEAD does not contain: another branch, or the database ran newer code (a rollback). */
  | {
      readonly kind: 'other-ref';
      readonly id: string;
      readonly commit: CommitRef;
      readonly path: string;
      readonly refs: readonly string[];
      readonly downRevisions: readonly string[];
    }
  /** Defined in HEAD's history and never removed, yet Alembic does not load it. */
  | {
      readonly kind: 'in-tree';
      readonly id: string;
      readonly commit: CommitRef;
      readonly path: string;
      readonly inWorkTree: boolean;
    }
  /** No commit on any ref ever had a file with this id: it was stamped by hand. */
  | { readonly kind: 'never'; readonly id: string; readonly searched: readonly string[] };

interface Git {
  readonly root: string;
  readonly files: ProjectFiles;
  run(args: readonly string[], allowFail?: boolean): string | null;
}

/** Opens the git work tree around `cwd`, or says why there is none (a Heroku slug has no .git). */
export function openGit(files: ProjectFiles, cwd: string): Git | { readonly unavailable: string } {
  const raw = (dir: string, args: readonly string[]): GitOutput | null => files.git(dir, args);
  const top = raw(cwd, ['rev-parse', '--show-toplevel']);
  if (top === null) return { unavailable: 'git is not installed' };
  if (top.status !== 0)
    return { unavailable: 'the project is not in a git work tree (a Heroku slug has none)' };
  const root = top.stdout.trim();
  const head = raw(root, ['rev-parse', '--verify', '-q', 'HEAD']);
  if (head?.status !== 0) return { unavailable: 'the git repository has no commits yet' };
  return {
    root,
    files,
    run(args, allowFail = false) {
      const r = raw(root, args);
      if (r?.status !== 0) {
        if (allowFail) return null;
        throw new Error(`git ${args[0]} failed`);
      }
      return r.stdout;
    },
  };
}

/**
 * Classifies each missing id from git history: `git log --all -S<id>` over
 * the version folders, then the defining file's parents and children read
 * from the commit before it was removed.
 */
export function investigateMissing(
  files: ProjectFiles,
  ids: readonly string[],
  cwd: string,
  versionDirs: readonly string[],
): Map<string, Forensics> {
  const out = new Map<string, Forensics>();
  const git = openGit(files, cwd);
  if ('unavailable' in git) {
    for (const id of ids) out.set(id, { kind: 'no-git', reason: git.unavailable });
    return out;
  }
  const rootReal = files.realpath(git.root) ?? git.root;
  // a missing folder still names where files used to be
  const dirs = versionDirs.map((d) => path.relative(rootReal, files.realpath(d) ?? d) || '.');
  for (const id of ids) {
    try {
      out.set(id, investigateOne(git, id, dirs));
    } catch (e) {
      out.set(id, {
        kind: 'no-git',
        reason: `git failed while searching the history (${(e as Error).message})`,
      });
    }
  }
  return out;
}

interface Event {
  readonly commit: CommitRef;
  readonly status: string;
  readonly path: string;
  readonly newPath?: string;
}

function investigateOne(git: Git, id: string, dirs: readonly string[]): Forensics {
  const log =
    git.run([
      'log',
      '--all',
      '-M',
      '--name-status',
      '--format=%x1e%H%x1f%h%x1f%cI%x1f%s',
      `-S${id}`,
      '--',
      ...dirs,
    ]) ?? '';
  const events = eventsOf(log);
  const defines = (rev: string, file: string): Parsed | null => {
    const text = git.run(['show', `${rev}:${file}`], true);
    if (text === null) return null;
    const parsed = parseIds(text);
    return parsed.revision === id ? { ...parsed, operations: upgradeDoesSomething(text) } : null;
  };
  // one answer per commit: a commit that touched several files appears once per file
  const ancestry = new Map<string, boolean>();
  const inHead = (hash: string): boolean => {
    let yes = ancestry.get(hash);
    if (yes === undefined) {
      yes = git.run(['merge-base', '--is-ancestor', hash, 'HEAD'], true) !== null;
      ancestry.set(hash, yes);
    }
    return yes;
  };

  // newest first: the latest removal HEAD contains decides
  for (const e of events) {
    if (!inHead(e.commit.hash)) continue;
    const removed = removalOf(git, id, dirs, e, events, defines);
    if (removed) return removed;
  }
  // defined somewhere, never removed on HEAD's line
  for (const e of events) {
    if (e.status === 'D') continue;
    const file = e.newPath ?? e.path;
    const def = defines(e.commit.hash, file);
    if (!def) continue;
    if (inHead(e.commit.hash))
      return {
        kind: 'in-tree',
        id,
        commit: e.commit,
        path: file,
        inWorkTree: git.files.exists(path.join(git.root, file)),
      };
    const refs = (
      git.run(
        [
          'for-each-ref',
          '--contains',
          e.commit.hash,
          '--format=%(refname:short)',
          'refs/heads',
          'refs/remotes',
          'refs/tags',
          'refs/stash',
        ],
        true,
      ) ?? ''
    )
      .split('\n')
      .filter((r) => r && !r.endsWith('/HEAD'));
    return {
      kind: 'other-ref',
      id,
      commit: e.commit,
      path: file,
      refs: refs.length > 0 ? refs : ['(no branch or tag: an unreachable or stashed commit)'],
      downRevisions: def.down,
    };
  }
  return { kind: 'never', id, searched: dirs };
}

/** `git log --name-status` with our record and field separators, as one event per file a commit touched. */
function eventsOf(log: string): Event[] {
  const events: Event[] = [];
  for (const block of log.split('\x1e').slice(1)) {
    const [head = '', ...rest] = block.split('\n');
    const [hash = '', short = '', date = '', subject = ''] = head.split('\x1f');
    const commit = { hash, short, date, subject };
    for (const l of rest) {
      if (!l.trim()) continue;
      const [status = '', p = '', q] = l.split('\t');
      events.push({ commit, status, path: p, newPath: q });
    }
  }
  return events;
}

/** A rename or deletion that removed the file defining `id`: renamed (the id changed) or deleted; undefined for any other event. */
function removalOf(
  git: Git,
  id: string,
  dirs: readonly string[],
  e: Event,
  events: readonly Event[],
  defines: (rev: string, file: string) => Parsed | null,
): Forensics | undefined {
  if (e.status.startsWith('R') && e.newPath) {
    const before = defines(`${e.commit.hash}^`, e.path);
    if (!before) return undefined;
    const after = parseIds(git.run(['show', `${e.commit.hash}:${e.newPath}`], true) ?? '');
    if (after.revision === id) return undefined; // moved, same id
    const children = childrenAt(git, `${e.commit.hash}^`, id, dirs);
    if (after.revision)
      return {
        kind: 'renamed',
        id,
        commit: e.commit,
        path: e.path,
        newPath: e.newPath,
        newId: after.revision,
        downRevisions: before.down,
        children,
      };
    return {
      kind: 'deleted',
      id,
      commit: e.commit,
      path: e.path,
      downRevisions: before.down,
      children,
      operations: before.operations === true,
    };
  }
  if (e.status !== 'D') return undefined;
  const before = defines(`${e.commit.hash}^`, e.path);
  if (!before) return undefined;
  const children = childrenAt(git, `${e.commit.hash}^`, id, dirs);
  // a rename git did not pair: the same commit adds a file with the same parent and a new id
  const added = events.filter((x) => x.commit.hash === e.commit.hash && x.status === 'A');
  const candidates = added.length > 0 ? added : addedIn(git, e.commit.hash, dirs);
  for (const a of candidates) {
    const after = parseIds(git.run(['show', `${e.commit.hash}:${a.path}`], true) ?? '');
    if (after.revision && after.revision !== id && sameList(after.down, before.down)) {
      return {
        kind: 'renamed',
        id,
        commit: e.commit,
        path: e.path,
        newPath: a.path,
        newId: after.revision,
        downRevisions: before.down,
        children,
      };
    }
  }
  return {
    kind: 'deleted',
    id,
    commit: e.commit,
    path: e.path,
    downRevisions: before.down,
    children,
    operations: before.operations === true,
  };
}

function addedIn(git: Git, hash: string, dirs: readonly string[]): { path: string }[] {
  const out =
    git.run(['show', '--format=', '--name-status', '--no-renames', hash, '--', ...dirs], true) ?? '';
  return out
    .split('\n')
    .filter((l) => l.startsWith('A\t'))
    .map((l) => ({ path: l.slice(2) }));
}

function childrenAt(git: Git, rev: string, id: string, dirs: readonly string[]): string[] {
  const listed = git.run(['grep', '-l', '-F', '-e', id, rev, '--', ...dirs], true) ?? '';
  const children: string[] = [];
  for (const line of listed.split('\n')) {
    if (!line) continue;
    const file = line.startsWith(`${rev}:`) ? line.slice(rev.length + 1) : line;
    const parsed = parseIds(git.run(['show', `${rev}:${file}`], true) ?? '');
    if (parsed.revision && parsed.revision !== id && parsed.down.includes(id)) children.push(parsed.revision);
  }
  return children.sort();
}

interface Parsed {
  readonly revision?: string;
  readonly down: string[];
  readonly operations?: boolean;
}

/**
 * Whether a revision file's upgrade() has a statement other than `pass`, `...`, a docstring or a comment.
 * Read by indentation: a file git shows from history is not loaded, only looked at.
 */
export function upgradeDoesSomething(text: string): boolean {
  const lines = text.split(/\r?\n/u);
  const start = lines.findIndex((l) => /^def upgrade\s*\(/u.test(l));
  if (start < 0) return false;
  let inDocstring: string | null = null;
  for (const line of lines.slice(start + 1)) {
    const body = line.trim();
    if (body === '' || body.startsWith('#')) continue;
    if (!/^\s/u.test(line)) break;
    if (inDocstring) {
      if (body.includes(inDocstring)) inDocstring = null;
      continue;
    }
    const quote = body.startsWith('"""') ? '"""' : body.startsWith("'''") ? "'''" : null;
    if (quote) {
      if (body.indexOf(quote, 3) < 0) inDocstring = quote;
      continue;
    }
    if (body === 'pass' || body === '...') continue;
    return true;
  }
  return false;
}

function parseIds(text: string): Parsed {
  const read = readRevisionSource(text);
  const rev = read.fields.revision?.value;
  const down = read.fields.down_revision?.value;
  return { revision: rev?.t === 'str' ? rev.v : undefined, down: strings(down) };
}

function strings(v: PyValue | undefined): string[] {
  if (!v) return [];
  if (v.t === 'str') return [v.v];
  if (v.t === 'tuple' || v.t === 'list') return v.items.flatMap((i) => (i.t === 'str' ? [i.v] : []));
  return [];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** One sentence for messages and the placeholder's docstring. */
export function describeForensics(f: Forensics): string {
  switch (f.kind) {
    case 'no-git':
      return `git history not searched: ${f.reason}`;
    case 'deleted':
      return `${f.path} defined it (revises ${f.downRevisions.join(', ') || 'base'}) and was deleted in commit ${f.commit.short} (${f.commit.date.slice(0, 10)} "${f.commit.subject}")`;
    case 'renamed':
      return `${f.path} defined it and was renamed to ${f.newPath} with the new id ${f.newId} in commit ${f.commit.short} (${f.commit.date.slice(0, 10)} "${f.commit.subject}")`;
    case 'other-ref':
      return `${f.path} defines it only outside the checked-out history, on ${f.refs.join(', ')} (commit ${f.commit.short}): the database ran code from another branch or a newer release (a rollback?)`;
    case 'in-tree':
      return f.inWorkTree
        ? `${f.path} (added in commit ${f.commit.short}) defines it, but Alembic does not load that file`
        : `${f.path} (added in commit ${f.commit.short}) defines it, but it is deleted in the working tree and the deletion is not committed`;
    case 'never':
      return `no commit on any branch ever had a file with this id in ${f.searched.join(', ')}: it was stamped by hand`;
  }
}

/**
 * Absolute paths of the files a branch changed: everything that differs from
 * the merge base of `ref` and HEAD (committed or not), plus untracked files.
 * A PR's CI lints what the PR brings, not what main changed meanwhile.
 */
export function filesChangedSince(
  files: ProjectFiles,
  cwd: string,
  ref: string,
): { files: Set<string> } | { error: string; hint: string } {
  const git = openGit(files, cwd);
  if ('unavailable' in git)
    return {
      error: `--lint-changed-since needs git: ${git.unavailable}`,
      hint: 'Use --lint-since REV instead, which needs no git.',
    };
  if (ref.startsWith('-') || git.run(['rev-parse', '--verify', '-q', `${ref}^{commit}`], true) === null) {
    return {
      error: `--lint-changed-since ${ref}: git knows no commit by that name`,
      hint: 'CI clones are often shallow and single-branch: fetch the base first (git fetch origin main), then pass origin/main.',
    };
  }
  const base = git.run(['merge-base', ref, 'HEAD'], true)?.trim();
  if (!base)
    return {
      error: `--lint-changed-since ${ref}: it shares no history with HEAD`,
      hint: 'Fetch more history (git fetch --unshallow, or a deeper --depth) so the merge base is known.',
    };
  const listed = [
    ...(git.run(['diff', '--name-only', '-z', base]) ?? '').split('\0'),
    ...(git.run(['ls-files', '--others', '--exclude-standard', '-z']) ?? '').split('\0'),
  ];
  return { files: new Set(listed.filter(Boolean).map((p) => path.resolve(git.root, p))) };
}
