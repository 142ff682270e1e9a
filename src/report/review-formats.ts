import type { Finding } from '../check/finding.js';
import type { CheckResult } from '../check/run-check.js';
import { stripPath } from './text-report.js';

/** Where a finding's page is, from the root of the project (and of the installed package). */
export function findingDocPath(code: string): string {
  return `docs/findings/${code}.md`;
}

/** The verdict line of a text report: its last line ("OK: …" or "BLOCKED: …"). */
function verdictOf(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

/** GitHub's workflow-command escaping: the message, and (more strictly) a property's value. */
function escapeData(s: string): string {
  return s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}
function escapeProperty(s: string): string {
  return escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

const LEVEL: Record<Finding['severity'], string> = { error: 'error', warning: 'warning', info: 'notice' };

/**
 * `--format github`: one workflow command per finding (`::error file=…,line=…,title=CODE::message`),
 * which GitHub Actions shows as an annotation on the file and line; then the verdict as a plain line.
 */
export function githubAnnotations(result: CheckResult, textReport: string): string {
  const lines = result.findings.map((f) => {
    const props = [f.path !== undefined ? `file=${escapeProperty(f.path)}` : undefined, f.path !== undefined && f.line !== undefined ? `line=${f.line}` : undefined, `title=${escapeProperty(`${f.code} (${findingDocPath(f.code)})`)}`].filter((p): p is string => p !== undefined);
    const body = [stripPath(f.message, f.path, f.line), f.alembicError ? `Alembic prints: ${f.alembicError}` : undefined, `${f.severity === 'info' ? 'note' : 'fix'}: ${f.hint}`].filter((p): p is string => p !== undefined).join('\n');
    return `::${LEVEL[f.severity]} ${props.join(',')}::${escapeData(body)}`;
  });
  return [...lines, verdictOf(textReport)].join('\n') + '\n';
}

/** A Markdown table cell: one line, pipes escaped. */
function cell(s: string): string {
  return s.replace(/\r?\n/gu, ' ').replaceAll('|', '\\|');
}

/**
 * `--format markdown`: the verdict, then a findings table with each code linked to its page, then
 * the fixes; for `$GITHUB_STEP_SUMMARY` or a pull-request comment.
 */
export function markdownSummary(command: 'check' | 'verify', result: CheckResult, textReport: string, mermaidGraph?: string): string {
  const verdict = verdictOf(textReport);
  const lines = [`## alembic-preflight ${command}: ${result.ok ? '✅' : '❌'} ${cell(verdict)}`, ''];
  if (result.findings.length === 0) lines.push('No findings.');
  else {
    lines.push('| severity | finding | where | message |', '|---|---|---|---|');
    for (const f of result.findings) {
      const where = f.path !== undefined ? `\`${cell(f.path)}${f.line !== undefined ? `:${f.line}` : ''}\`` : f.revision !== undefined ? `revision \`${cell(f.revision)}\`` : '';
      lines.push(`| ${f.severity} | [\`${f.code}\`](${findingDocPath(f.code)}) | ${where} | ${cell(stripPath(f.message, f.path, f.line))} |`);
    }
    lines.push('', '<details><summary>How to fix each</summary>', '');
    for (const f of result.findings) lines.push(`- **\`${f.code}\`**${f.path !== undefined ? ` (\`${cell(f.path)}\`)` : ''}: ${cell(f.hint)}${f.alembicError ? ` Alembic prints: \`${cell(f.alembicError)}\`` : ''}`);
    lines.push('', '</details>');
  }
  // GitHub draws a mermaid block in step summaries and comments
  if (mermaidGraph) lines.push('', '### Revision graph', '', '```mermaid', mermaidGraph.trimEnd(), '```');
  return lines.join('\n') + '\n';
}

/** Where the findings' pages are published: the repository the package is installed from. */
const PAGES = 'https://github.com/alembic-preflight/alembic-preflight/blob/main/';

const SARIF_LEVEL: Record<Finding['severity'], 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** A rule as SARIF describes it (tool.driver.rules). */
export interface SarifRule {
  readonly code: string;
  readonly severity: Finding['severity'];
  readonly summary: string;
}

/**
 * `--format sarif`: a SARIF 2.1.0 log (GitHub code scanning and other review tools read it): every
 * rule with its page as helpUri, every finding as a result at its file and line.
 */
export function sarifLog(result: CheckResult, rules: readonly SarifRule[], version: string): unknown {
  const index = new Map(rules.map((r, i) => [r.code, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'alembic-preflight',
            version,
            informationUri: 'https://github.com/alembic-preflight/alembic-preflight',
            rules: rules.map((r) => ({
              id: r.code,
              name: r.code,
              shortDescription: { text: r.summary },
              helpUri: PAGES + findingDocPath(r.code),
              defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
            })),
          },
        },
        results: result.findings.map((f) => ({
          ruleId: f.code,
          ...(index.has(f.code) ? { ruleIndex: index.get(f.code)! } : {}),
          level: SARIF_LEVEL[f.severity],
          message: { text: `${stripPath(f.message, f.path, f.line)}${f.alembicError ? ` Alembic prints: ${f.alembicError}` : ''} Fix: ${f.hint}` },
          ...(f.path !== undefined
            ? { locations: [{ physicalLocation: { artifactLocation: { uri: f.path.split('\\').join('/') }, ...(f.line !== undefined ? { region: { startLine: f.line } } : {}) } }] }
            : {}),
          ...(f.revision !== undefined ? { properties: { revision: f.revision } } : {}),
        })),
      },
    ],
  };
}
