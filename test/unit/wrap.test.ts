import { describe, expect, it } from 'vitest';
import { wrapText } from '../../src/report/wrap.js';
import { findingText } from '../../src/report/text-report.js';
import { statement, type Finding } from '../../src/check/finding.js';

const PROSE =
  "Then add a no-op migration with revision = 'guest_lockout_001' after the revision the database had reached: alembic-preflight backfill --after REV --rewire --write. If the schema already matches 2a3b4c5d6e7f, re-stamp it: alembic stamp --purge 2a3b4c5d6e7f (replaces every row; `alembic upgrade head` then has nothing to run).";

describe('wrapText', () => {
  it.each([40, 60, 80, 100])(
    'keeps lines within %i columns at word boundaries, and loses no word',
    (width) => {
      const lines = wrapText(PROSE, width, '  also: ', '    ');
      // a command is one word, so only a line that holds nothing else may run over
      for (const l of lines) if (l.length > width) expect(l.trim().split(' ').length, l).toBeGreaterThan(1);
      expect(lines.map((l, i) => l.slice(i === 0 ? '  also: '.length : 4)).join(' ')).toBe(PROSE);
    },
  );

  it('never breaks a command written in prose, nor a backtick span', () => {
    for (const width of [30, 45, 70]) {
      const text = wrapText(PROSE, width, '', '').join('\n');
      expect(text).toContain('alembic-preflight backfill --after REV --rewire --write.');
      expect(text).toContain('alembic stamp --purge 2a3b4c5d6e7f');
      expect(text).toContain('`alembic upgrade head`');
    }
  });
});

describe('a finding in the text report', () => {
  const finding: Finding = {
    code: 'stamped-revision-missing',
    severity: 'error',
    title: "stamped 'guest_lockout_001', which no migration file defines",
    message:
      '`alembic upgrade head` will stop before running anything. The database has exactly what the migrations up to 1f2a3b4c5d6e leave.',
    evidence: [
      { label: 'schema', text: 'The database has exactly what the migrations up to 1f2a3b4c5d6e leave.' },
    ],
    fix: 'alembic-preflight backfill --after 1f2a3b4c5d6e --rewire --write',
    hint: 'Or re-stamp it.',
    alembicError: "FAILED: Can't locate revision identified by 'guest_lockout_001'",
  };

  it('leads with severity, code and title; then why, Alembic, the evidence once, the fix and the alternatives', () => {
    expect(findingText(finding, 100)).toEqual([
      "error [stamped-revision-missing] stamped 'guest_lockout_001', which no migration file defines",
      '  why: `alembic upgrade head` will stop before running anything.',
      "  Alembic prints: FAILED: Can't locate revision identified by 'guest_lockout_001'",
      '  schema: The database has exactly what the migrations up to 1f2a3b4c5d6e leave.',
      '  fix: alembic-preflight backfill --after 1f2a3b4c5d6e --rewire --write',
      '  also: Or re-stamp it.',
    ]);
  });

  it('a title too long for the line is cut at a clause break, and the rest of it opens the why', () => {
    const long = {
      ...finding,
      title:
        "stamped 'guest_lockout_001', which no migration file in this repository or its branches defines",
    };
    const lines = findingText(long, 80);
    expect(lines[0]).toBe("error [stamped-revision-missing] stamped 'guest_lockout_001'…");
    expect(lines[1]).toBe('  why: …which no migration file in this repository or its branches defines.');
    expect(lines.join(' ')).toContain('head` will stop before running anything.');
  });

  it('a format with one field says the title as a sentence, then the message', () => {
    expect(statement(finding)).toBe(
      "Stamped 'guest_lockout_001', which no migration file defines. `alembic upgrade head` will stop before running anything. The database has exactly what the migrations up to 1f2a3b4c5d6e leave.",
    );
    expect(statement({ message: 'As it is.' })).toBe('As it is.');
  });

  it('without a title, the first sentence leads, cut with an ellipsis where it does not fit', () => {
    const { title: _t, evidence: _e, fix: _f, ...plain } = finding;
    void [_t, _e, _f];
    const lines = findingText(
      {
        ...plain,
        message: `The alembic_version row 'guest_lockout_001' names a revision that no migration file in the repository defines; ${plain.message}`,
      },
      80,
    );
    expect(lines[0]!.length).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^error \[stamped-revision-missing\] The alembic_version row .*…$/u);
    expect(lines[1]).toMatch(/^ {2}why: …/u);
    expect(lines.every((l) => l.length <= 80)).toBe(true);
  });
});
