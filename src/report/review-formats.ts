import { fixAndHint, statement, type Finding } from '../check/finding.js';
import type { CheckResult } from '../check/run-check.js';
import type { VerifyResult } from '../check/run-verify.js';
import { stripPath } from './text-report.js';
import { verdictLineText, type VerdictLine } from './verdict-line.js';

/** Where a finding's page is, from the root of the project (and of the installed package). */
export function findingDocPath(code: string): string {
  return `docs/findings/${code}.md`;
}

/**
 * Where a finding's page is read: the package ships docs/findings/, and `explain CODE` prints it. No
 * link: the package has no published home a link could be sure of.
 */
export function explainCommand(code: string): string {
  return `alembic-preflight explain ${code}`;
}

/** GitHub's workflow-command escaping: the message, and (more strictly) a property's value. */
export function escapeData(s: string): string {
  return s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}
export function escapeProperty(s: string): string {
  return escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

/** A finding's title and message as one text, without the place a format shows on its own. */
function said(f: Finding): string {
  return statement({ title: f.title, message: stripPath(f.message, f.path, f.line) });
}

const LEVEL: Record<Finding['severity'], string> = { error: 'error', warning: 'warning', info: 'notice' };

/**
 * `--format github`: one workflow command per finding (`::error file=…,line=…,title=CODE::message`),
 * which GitHub Actions shows as an annotation on the file and line; then the verdict as a plain line.
 */
export function githubAnnotations(result: CheckResult, verdict: VerdictLine): string {
  const lines = result.findings.map((f) => {
    const props = [
      f.path !== undefined ? `file=${escapeProperty(f.path)}` : undefined,
      f.path !== undefined && f.line !== undefined ? `line=${f.line}` : undefined,
      `title=${escapeProperty(`${f.code} (${explainCommand(f.code)})`)}`,
    ].filter((p): p is string => p !== undefined);
    const body = [
      said(f),
      f.alembicError ? `Alembic prints: ${f.alembicError}` : undefined,
      `${f.severity === 'info' ? 'note' : 'fix'}: ${fixAndHint(f)}`,
    ]
      .filter((p): p is string => p !== undefined)
      .join('\n');
    return `::${LEVEL[f.severity]} ${props.join(',')}::${escapeData(body)}`;
  });
  return [...lines, verdictLineText(verdict)].join('\n') + '\n';
}

/**
 * Text for a Markdown table cell or list item: one line, in which nothing from the project (a
 * version-table row, a revision id, a path) can become markup. Its code spans become <code>
 * elements and every character Markdown or HTML would read is an entity, so `<script>`, a link's
 * brackets or a stray backtick are shown as written.
 */
export function cell(s: string): string {
  const parts = s.replace(/\r?\n/gu, ' ').split(/(`[^`]*`)/u);
  return parts
    .map((p, i) =>
      i % 2 === 1 && p.length >= 2 ? `<code>${escapeMarkup(p.slice(1, -1))}</code>` : escapeMarkup(p),
    )
    .join('');
}

const MARKUP = /[&<>"|[\]*_`\\~!#]/gu;

function escapeMarkup(s: string): string {
  return s.replace(MARKUP, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * `--format markdown`: the verdict, then a findings table with each code linked to its page, then
 * the fixes; for `$GITHUB_STEP_SUMMARY` or a pull-request comment.
 */
export function markdownSummary(
  command: 'check' | 'verify',
  result: CheckResult,
  verdict: VerdictLine,
  mermaidGraph?: string,
): string {
  const lines = [
    `## alembic-preflight ${command}: ${result.ok ? '✅' : '❌'} ${cell(verdictLineText(verdict))}`,
    '',
  ];
  if (result.findings.length === 0) lines.push('No findings.');
  else {
    lines.push('| severity | finding | where | message |', '|---|---|---|---|');
    for (const f of result.findings) {
      const where =
        f.path !== undefined
          ? `<code>${escapeMarkup(f.path)}${f.line !== undefined ? `:${f.line}` : ''}</code>`
          : f.revision !== undefined
            ? `revision <code>${escapeMarkup(f.revision)}</code>`
            : '';
      lines.push(`| ${f.severity} | \`${f.code}\` | ${where} | ${cell(said(f))} |`);
    }
    lines.push(
      '',
      "Each finding's page (the problem, an example, the fix): `alembic-preflight explain CODE`.",
    );
    lines.push('', '<details><summary>How to fix each</summary>', '');
    for (const f of result.findings)
      lines.push(
        `- **\`${f.code}\`**${f.path !== undefined ? ` (<code>${escapeMarkup(f.path)}</code>)` : ''}: ${cell(fixAndHint(f))}${f.alembicError ? ` Alembic prints: <code>${escapeMarkup(f.alembicError)}</code>` : ''}`,
      );
    lines.push('', '</details>');
  }
  // GitHub draws a mermaid block in step summaries and comments
  if (mermaidGraph) lines.push('', '### Revision graph', '', '```mermaid', mermaidGraph.trimEnd(), '```');
  return lines.join('\n') + '\n';
}

const SARIF_LEVEL: Record<Finding['severity'], 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};

/** A rule as SARIF describes it (tool.driver.rules). */
export interface SarifRule {
  readonly code: string;
  readonly severity: Finding['severity'];
  readonly summary: string;
}

/**
 * `--format sarif`: a SARIF 2.1.0 log (GitHub code scanning and other review tools read it): every
 * rule with its summary and the command that prints its page, every finding as a result at its file and line.
 */
export function sarifLog(result: CheckResult, rules: readonly SarifRule[], version: string): unknown {
  const index = new Map(rules.map((r, i) => [r.code, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        // the verdict every other output gives (check/verdict.ts): the gate, and Alembic's predicted outcome
        properties: {
          ok: result.ok,
          ...('database' in result
            ? { willSucceed: (result as VerifyResult).database.prediction.willSucceed }
            : {}),
        },
        tool: {
          driver: {
            name: 'alembic-preflight',
            version,
            rules: rules.map((r) => ({
              id: r.code,
              name: r.code,
              shortDescription: { text: r.summary },
              help: {
                text: `${r.summary} Its page (the problem, an example, the fix): ${explainCommand(r.code)}`,
              },
              defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
            })),
          },
        },
        results: result.findings.map((f) => ({
          ruleId: f.code,
          ...(index.has(f.code) ? { ruleIndex: index.get(f.code)! } : {}),
          level: SARIF_LEVEL[f.severity],
          message: {
            text: `${said(f)}${f.alembicError ? ` Alembic prints: ${f.alembicError}` : ''} Fix: ${fixAndHint(f)}`,
          },
          ...(f.path !== undefined
            ? {
                locations: [
                  {
                    physicalLocation: {
                      artifactLocation: { uri: f.path.split('\\').join('/') },
                      ...(f.line !== undefined ? { region: { startLine: f.line } } : {}),
                    },
                  },
                ],
              }
            : {}),
          ...(f.revision !== undefined ? { properties: { revision: f.revision } } : {}),
        })),
      },
    ],
  };
}
