import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { renderSamples } from '../../scripts/doc-samples.mjs';
import { REPO } from './oracle.js';
import type { Finding } from '../../src/check/finding.js';
import { findingText } from '../../src/report/text-report.js';

/**
 * A sample in the docs that a test with a server makes: with `DOC_SAMPLES=write` (npm run
 * docs:samples) the block is rewritten with `text`; otherwise the test fails when the block is not it.
 */
export function expectDocSample(
  sample: { doc: string; name: string; what?: string; finding?: string; json?: true },
  text: string,
): void {
  const file = path.join(REPO, sample.doc);
  const doc = readFileSync(file, 'utf8');
  const made = renderSamples(doc, [{ what: '', args: [], ...sample }], () => text);
  if (process.env.DOC_SAMPLES === 'write') writeFileSync(file, made);
  else expect(made, `${sample.doc} (${sample.name}): run npm run docs:samples`).toBe(doc);
}

/**
 * A finding page's sample from a verify run's findings of `code`, laid out as the text report lays
 * them out, after `normalise` fixes what differs from run to run (a thread id, an age, a port).
 */
export function expectFindingSample(
  findings: readonly Finding[],
  code: string,
  what: string,
  normalise: (text: string) => string,
): void {
  const n = (t: string | undefined): string | undefined => (t === undefined ? undefined : normalise(t));
  const found = findings
    .filter((f) => f.code === code)
    .map((f): Finding => ({
      ...f,
      message: normalise(f.message),
      hint: normalise(f.hint),
      ...(f.title !== undefined ? { title: n(f.title) } : {}),
      ...(f.fix !== undefined ? { fix: n(f.fix) } : {}),
    }));
  expect(found.length).toBeGreaterThan(0);
  const text = `$ alembic-preflight verify\n${found.map((f) => findingText(f).join('\n')).join('\n\n')}`;
  expect(text.split('\n')[1]!.length).toBeLessThanOrEqual(100);
  expectDocSample({ doc: `docs/findings/${code}.md`, name: code, finding: code, what }, text);
}
