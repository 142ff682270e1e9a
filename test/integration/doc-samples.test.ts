import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSamples, sampleOutput, SAMPLES } from '../../scripts/doc-samples.mjs';
import { REPO } from '../helpers/oracle.js';
import { expectFittedLines } from '../helpers/describe-rule.js';

// The README's and the findings pages' sample outputs are the tool's: made by running the built CLI (npm run docs:samples),
// and stale the moment the tool prints something else.

describe('sample outputs in the docs are what the tool prints', () => {
  for (const docName of [...new Set(SAMPLES.map((s) => s.doc))]) {
    it(`${docName}: every sample is current`, () => {
      const doc = readFileSync(path.join(REPO, docName), 'utf8');
      const samples = SAMPLES.filter((s) => s.doc === docName);
      expect(renderSamples(doc, samples, sampleOutput), 'run npm run docs:samples').toBe(doc);
    }, 60_000);
  }

  it("each finding's sample leads with a title that fits the first line, cut only with its rest kept", () => {
    for (const sample of SAMPLES.filter((s) => s.finding)) {
      const lines = sampleOutput(sample).split('\n');
      expectFittedLines(lines.slice(lines.findIndex((l) => l.includes(`[${sample.finding}] `))));
    }
  }, 60_000);

  it('a changed output makes the sample stale, and a sample without its block is an error', () => {
    const doc = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const samples = SAMPLES.filter((s) => s.doc === 'README.md');
    const stale = renderSamples(doc, samples, () => 'OK: something else\n');
    expect(stale).not.toBe(doc);
    expect(stale).toContain('```text\nOK: something else\n```');
    expect(() =>
      renderSamples(doc.replace(/<!-- sample: release-incident [^\n]*\n/u, ''), samples, () => ''),
    ).toThrow(/README\.md has no block for release-incident/u);
  });

  it('the release sample blocks, as the README says: exit 1 and the stamp named', () => {
    const out = sampleOutput(SAMPLES.find((s) => s.name === 'release-incident')!);
    expect(out).toContain(
      "[stamped-revision-missing] stamped 'guest_lockout_001', which no migration file defines",
    );
    expect(out.trimEnd().split('\n').at(-1)).toMatch(
      /^alembic-preflight release: BLOCKED: .*; Alembic was not started \(0\.1 s, exit 1\)$/u,
    );
    // SQLite's words for a table that is already there (real Alembic on such a database: "table users already exists")
    expect(out.replace(/\s+/gu, ' ')).toContain('already has the schema ("table … already exists")');
  });
});
