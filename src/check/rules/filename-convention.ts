import path from 'node:path';
import type { Rule } from '../finding.js';

/** The file name should carry the revision id where file_template puts it. */
export const filenameConvention: Rule = {
  code: 'filename-convention',
  severity: 'warning',
  summary: "The file name does not follow file_template (default {revision}_{slug}.py).",
  check({ model }) {
    const template = model.config.fileTemplate;
    if (!template.includes('%(rev)s')) return [];
    const out = [];
    const matches = templateMatcher(path.basename(template));
    for (const r of model.map.revisions) {
      if (r.script.revision.t !== 'str' || r.script.idSource === 'filename') continue;
      const stem = path.basename(r.file.fileName, '.py');
      if (matches(stem, r.id)) continue;
      out.push({
        code: 'filename-convention',
        severity: 'warning' as const,
        message: `${r.file.path}: the file name does not match file_template ${template} for revision '${r.id}'. A renamed or copied file often keeps a stale id; check that the id and the name belong together.`,
        hint: `Rename it to ${templateExample(path.basename(template), r.id)}.py (git mv keeps history).`,
        path: r.file.path,
        line: r.script.line,
        revision: r.id,
      });
    }
    return out;
  },
};

/**
 * Splits file_template once into a regex source with a placeholder where the
 * revision goes; each revision then only substitutes its escaped id.
 */
function templateMatcher(template: string): (stem: string, rev: string) => boolean {
  const REV = '\u0000rev\u0000';
  let re = '';
  for (const t of template.split(/(%\([a-z]+\)[.\d]*[sd])/)) {
    const m = /^%\(([a-z]+)\)/.exec(t);
    if (!m) re += escapeRegExp(t);
    else if (m[1] === 'rev') re += REV;
    else if (m[1] === 'slug') re += '\\w*';
    else re += '\\d+';
  }
  return (stem, rev) => new RegExp(`^${re.split(REV).join(escapeRegExp(rev))}$`).test(stem);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function templateExample(template: string, rev: string): string {
  return template.replace(/%\(rev\)s/, rev).replace(/%\(slug\)s/, '<slug>').replace(/%\([a-z]+\)[.\d]*[sd]/g, 'N');
}
