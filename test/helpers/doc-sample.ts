import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { renderSamples } from '../../scripts/doc-samples.mjs';
import { REPO } from './oracle.js';

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
