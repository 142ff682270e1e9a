import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/check/rules.js';
import { redactSecrets } from '../../src/errors/redact.js';
import { runCli } from '../helpers/cli.js';
import { REPO } from '../helpers/oracle.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('alembic-preflight explain CODE', () => {
  it('prints the page of every finding code, from the package', () => {
    const cwd = tempDir();
    for (const { code } of RULES) {
      const r = runCli(cwd, ['explain', code]);
      expect(r.status, `${code}: ${r.stderr}`).toBe(0);
      expect(r.stdout.split('\n')[0], code).toBe(`# \`${code}\``);
      // a page's example URL is printed as every output prints one: without its password
      expect(r.stdout).toBe(
        redactSecrets(readFileSync(path.join(REPO, 'docs/findings', `${code}.md`), 'utf8')),
      );
    }
  }, 120_000);

  it('gives the summary and the page as JSON', () => {
    const r = runCli(tempDir(), ['explain', 'database-ahead', '--format', 'json']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      code: string;
      severity: string;
      summary: string;
      page: string;
      text: string;
    };
    expect(doc).toMatchObject({
      code: 'database-ahead',
      severity: 'error',
      page: 'docs/findings/database-ahead.md',
    });
    expect(doc.summary).toBe(RULES.find((x) => x.code === 'database-ahead')!.summary);
    expect(doc.text).toMatch(/^# `database-ahead`\n/u);
  });

  it('names close codes for one that does not exist, and never reads outside the pages', () => {
    const r = runCli(tempDir(), ['explain', 'stamped-missing']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("No finding has the code 'stamped-missing'");
    expect(r.stderr).toMatch(/Did you mean stamped-revision-missing,/u);
    const escape = runCli(tempDir(), ['explain', '../../package']);
    expect(escape.status).toBe(2);
    expect(escape.stdout).toBe('');
  });
});
