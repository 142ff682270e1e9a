import path from 'node:path';
import { splitPrependSysPath } from '../../alembic/config/alembic-config.js';
import { featuresOf, type AlembicFeatures } from '../../alembic/config/alembic-version.js';
import { envHandover } from '../../alembic/env/env-handover.js';
import { readEnvPy, searchPathSetting } from '../../alembic/env/env-py.js';
import type { ImportRoots } from '../../alembic/reading/import-resolver.js';
import { parseIni } from '../../alembic/config/ini-parser.js';
import { readPythonText } from '../../alembic/reading/source-reader.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { projectFinding } from '../lint/lint-context.js';
import { walkFiles } from '../../project/project-files.js';

/** Two script locations in one repository that keep their version rows in the same table. */
export const sharedVersionTable: Rule = {
  code: 'shared-version-table',
  severity: 'warning',
  kind: 'lint',
  title: 'two script locations share a version table',
  summary:
    'Two script locations in the repository use the same version table: on a shared database they overwrite each other.',
  check({ model, lint, files }) {
    const out: Finding[] = [];
    if (!lint) return out;
    const features = featuresOf(model.alembicVersion);
    const cwd = lint.cwd;
    // every ini section with a script_location, in every *.ini of the repository
    const locations = new Map<string, { where: string; envPath: string; roots: ImportRoots }>();
    for (const rel of walkFiles(files, cwd, new Set(), 20_000)) {
      if (!rel.endsWith('.ini')) continue;
      const abs = path.join(cwd, rel);
      const text = files.text(abs);
      if (text === undefined || !text.includes('script_location')) continue;
      let ini;
      try {
        ini = parseIni(text, rel, { here: path.dirname(abs) });
      } catch {
        continue;
      }
      for (const section of ini.sections.keys()) {
        let loc: string | undefined;
        try {
          loc = ini.get(section, 'script_location');
        } catch {
          continue;
        }
        if (!loc || (loc.includes(':') && !path.isAbsolute(loc))) continue;
        for (const base of [path.dirname(abs), cwd]) {
          const dir = path.resolve(base, loc);
          const env = path.join(dir, 'env.py');
          const real = files.realpath(dir);
          // not there: try the other base
          if (real === undefined) continue;
          try {
            if (!locations.has(real))
              locations.set(real, {
                where: `${rel} [${section}]`,
                envPath: env,
                roots: { cwd, files, iniPath: abs, prependSysPath: prependSysPath(ini, section, features) },
              });
            break;
          } catch {
            // an option Python could not read either: try the other base
          }
        }
      }
    }
    if (locations.size < 2) return out;
    const byTable = new Map<string, { where: string; env: string; line?: number }[]>();
    for (const { where, envPath, roots } of locations.values()) {
      let text = readPythonText(files, envPath);
      if (text === undefined) continue;
      let rel = path.relative(cwd, envPath);
      // env.py that hands the run to a module of the repository: that module configures, as verify reads it
      const handover = envHandover(text, roots);
      if (handover?.kind === 'followed') {
        text = handover.text;
        rel = path.relative(cwd, handover.file);
      }
      // the same reading of context.configure() that verify uses to pick the table
      const { calls } = readEnvPy(text);
      if (calls.length === 0) continue;
      const keys = new Set<string>();
      let unknown = false;
      // an unqualified table lives where env.py's own search_path points (deepchecks' per-organisation lineage)
      const searchPath = searchPathSetting(text);
      for (const c of calls) {
        const table = c.versionTable ? c.versionTable.value : 'alembic_version';
        const schema = c.versionTableSchema
          ? c.versionTableSchema.value
          : searchPath
            ? searchPath.schema
            : null;
        if (typeof table !== 'string' || schema === undefined || c.unpacked) unknown = true;
        else keys.add(`${schema ?? ''}.${table}`);
      }
      const line = calls[0]!.line;
      if (unknown) continue;
      for (const k of keys) {
        const list = byTable.get(k) ?? [];
        list.push({ where, env: rel, line });
        byTable.set(k, list);
      }
    }
    for (const [key, users] of byTable) {
      if (users.length < 2) continue;
      const [schema, table] = [key.slice(0, key.indexOf('.')), key.slice(key.indexOf('.') + 1)];
      const name = schema ? `${schema}.${table}` : table;
      const second = users[1]!;
      out.push(
        projectFinding(
          this.code,
          this.severity,
          second.env,
          second.line,
          `${users.map((u) => `${u.where} (${u.env})`).join(' and ')} both keep their revision in the table ${name}. Pointed at one database, each sees the other's row as a revision it cannot locate ("Can't locate revision identified by …") or stamps over it.`,
          `Give each its own table in env.py: context.configure(..., version_table="${table}_${path.basename(path.dirname(second.env)) || 'second'}"), then move the existing row: alembic -c <ini> stamp <current revision> after creating it.`,
        ),
      );
    }
    return out;
  },
};

/** prepend_sys_path as Alembic splits it (by the section's path_separator where it reads one); empty when unset or unreadable. */
function prependSysPath(ini: ReturnType<typeof parseIni>, section: string, f: AlembicFeatures): string[] {
  try {
    const v = ini.get(section, 'prepend_sys_path');
    const sep = ini.hasOption(section, 'path_separator') ? ini.get(section, 'path_separator') : undefined;
    return v ? (splitPrependSysPath(v, sep, f) ?? []).filter(Boolean) : [];
  } catch {
    return [];
  }
}
