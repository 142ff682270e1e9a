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

/** One regex for the template, with the revision captured; compiled once per check. */
function templateMatcher(template: string): (stem: string, rev: string) => boolean {
  let re = '';
  let revGroups = 0;
  const tokens = template.split(/(%\([a-z]+\)[.\d]*[sd])/);
  for (const t of tokens) {
    const m = /^%\(([a-z]+)\)/.exec(t);
    if (!m) re += t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (m[1] === 'rev') {
      re += '(.+?)';
      revGroups++;
    } else if (m[1] === 'slug') re += '\\w*';
    else re += '\\d+';
  }
  const pattern = new RegExp(`^${re}$`);
  return (stem, rev) => {
    if (revGroups !== 1) return true;
    if (stem === rev || stem.startsWith(rev + '_') || stem.startsWith(rev)) {
      const m = pattern.exec(stem);
      if (m && m[1] === rev) return true;
    }
    const m = pattern.exec(stem);
    if (!m) return false;
    // the lazy group may stop short of an id that itself contains underscores
    return stem.includes(rev) && new RegExp(`^${re.replace('(.+?)', rev.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))}$`).test(stem);
  };
}

function templateExample(template: string, rev: string): string {
  return template.replace(/%\(rev\)s/, rev).replace(/%\(slug\)s/, '<slug>').replace(/%\([a-z]+\)[.\d]*[sd]/g, 'N');
}
