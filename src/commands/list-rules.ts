import { RULES } from '../check/rules.js';

/** Every rule with its state here: the severity it reports at (after pyproject.toml / alembic.ini), or off. */
export async function listRules(
  configFlag: string | undefined,
  format: 'text' | 'json',
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const path = await import('node:path');
  const { loadLintConfig } = await import('../check/lint/lint-config.js');
  const { ruleSetting } = await import('../check/run-check.js');
  const { diskFiles } = await import('../project/project-files.js');
  const files = diskFiles();
  const ini = path.resolve(configFlag ?? env.ALEMBIC_CONFIG ?? 'alembic.ini');
  const config = await loadLintConfig(
    files,
    process.cwd(),
    files.exists(ini) ? ini : undefined,
    new Set(RULES.map((r) => r.code)),
  );
  const rows = RULES.map((r) => ({
    code: r.code,
    kind: r.kind ?? 'graph',
    state: ruleSetting(r, config),
    default: r.enabledByDefault === false ? 'off' : r.severity,
    summary: r.summary,
  }));
  if (format === 'json') {
    process.stdout.write(
      JSON.stringify(
        {
          schemaVersion: 1,
          command: 'rules',
          configuredIn: config.sources,
          lint: config.lint,
          lintSince: config.lintSince?.names ?? null,
          rules: rows,
        },
        null,
        2,
      ) + '\n',
    );
    return;
  }
  const lines = rows.map(
    (r) => `${r.code.padEnd(32)} ${r.kind.padEnd(6)} ${String(r.state).padEnd(8)} ${r.summary}`,
  );
  const where =
    config.sources.length > 0
      ? `settings from ${config.sources.join(' and ')}`
      : 'defaults (no [tool.alembic-preflight] or [alembic-preflight] settings found)';
  process.stdout.write(
    `${'code'.padEnd(32)} ${'kind'.padEnd(6)} ${'state'.padEnd(8)} summary\n${lines.join('\n')}\n\n${where}; lints ${config.lint ? 'on' : 'off'} by default${config.lintSince ? `; lint-since ${config.lintSince.names.join(', ')}` : ''}\n`,
  );
}
