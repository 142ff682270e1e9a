import type { ConfigSource } from './config-source.js';
import { inlineComment } from './ini-parser.js';

/** Options whose written value Alembic reads otherwise than it looks: ini-value-misread notes (src/check/rules/ini-value-misread.ts words them). */
export function misreadValues(src: ConfigSource, prepend: readonly string[]): void {
  const { ini, section, iniShown, f, notes } = src;
  if (!ini?.hasSection(section)) return;
  const at = (name: string) => ({ line: ini.optionLine(section, name), path: iniShown });
  const value = (name: string): string | undefined => {
    try {
      return ini.hasOption(section, name) ? ini.get(section, name) : undefined;
    } catch {
      return undefined; // an interpolation error is reported where Alembic reads the option
    }
  };
  const booleans: ('sourceless' | 'recursive_version_locations')[] = ['sourceless'];
  if (f.recursiveVersionLocations) booleans.unshift('recursive_version_locations');
  for (const name of booleans) {
    const v = value(name);
    if (v === undefined || v === 'true') continue;
    const c = inlineComment(v);
    if (!/^(true|yes|on|1)$/iu.test((c?.before ?? v).trim())) continue;
    notes.push({
      code: 'ini-value-misread',
      option: name,
      value: v,
      ...(c ? { comment: c.comment } : {}),
      ...at(name),
    });
  }
  const prependText = value('prepend_sys_path');
  const broken = prepend.filter((p) => inlineComment(p) !== undefined);
  if (prependText !== undefined && broken.length > 0) {
    notes.push({
      code: 'ini-value-misread',
      option: 'prepend_sys_path',
      value: prependText,
      misreadPath: broken[0]!,
      ...at('prepend_sys_path'),
    });
  }
  const url = value('sqlalchemy.url');
  const urlComment = url === undefined ? undefined : inlineComment(url);
  // the URL may hold a password: only the comment is kept
  if (urlComment)
    notes.push({
      code: 'ini-value-misread',
      option: 'sqlalchemy.url',
      comment: urlComment.comment,
      ...at('sqlalchemy.url'),
    });
}
