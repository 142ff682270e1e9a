import { RULES } from '../check/rules.js';
import type { CheckResult } from '../check/run-check.js';
import { githubAnnotations, markdownSummary, sarifLog } from './review-formats.js';
import { renderGraph, type GraphDatabase } from './graph-render.js';
import type { VerdictLine } from './verdict-line.js';

/** The review formats check and verify take instead of their report. */
export type ReviewFormat = 'github' | 'markdown' | 'sarif';

/** The SARIF log of a result, with every rule of this build. */
export function sarifOf(result: CheckResult, toolVersion = 'unknown'): unknown {
  return sarifLog(
    result,
    RULES.map((r) => ({ code: r.code, severity: r.severity, summary: r.summary })),
    toolVersion,
  );
}

/** The text report, or what --format github or markdown makes of the same result and its verdict. */
export function reviewOr(
  command: 'check' | 'verify',
  result: CheckResult,
  verdict: VerdictLine,
  text: () => string,
  review: ReviewFormat | undefined,
  database?: GraphDatabase,
): string {
  if (review === 'github') return githubAnnotations(result, verdict);
  if (review === 'markdown')
    return markdownSummary(
      command,
      result,
      verdict,
      renderGraph(result.model, { format: 'mermaid', ...(database ? { database } : {}) }),
    );
  return text();
}
